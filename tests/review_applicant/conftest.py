"""Fixtures of the applicant-side review: those of the applicant tests (a verified applicant
with a complete draft) and the API's token client."""

from tests.applications.conftest import (  # noqa: F401
    complete_draft,
    verified_applicant,
)
