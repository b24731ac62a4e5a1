"""Fixtures these checks share with the suites of the flows they check: the applicant side
(a verified applicant), the two-stage call and the contractor selection."""

from tests.applications.conftest import complete_draft, verified_applicant  # noqa: F401
from tests.applications.test_two_stage import (  # noqa: F401
    applicant_user,
    call,
    concept_draft,
    concept_note,
    concept_question,
    full_question,
    track,
)
from tests.awards.test_contractor_views import draft_selection, project, selection  # noqa: F401
