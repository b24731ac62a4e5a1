"""The applicant fixtures, reused for outbox tests."""

from tests.applications.conftest import complete_draft, verified_applicant  # noqa: F401
