"""The applicant fixtures of the outbox tests, reused here."""

from tests.applications.conftest import complete_draft, verified_applicant  # noqa: F401
from tests.applications.test_applicant_notices import applicants  # noqa: F401
