import pytest
from django.urls import reverse

# The applicant-side fixtures (a verified applicant's complete draft).
from tests.applications.conftest import complete_draft, verified_applicant  # noqa: F401
from tests.factories import UserFactory


def detail(application, action=None) -> str:
    name = f"api:application-{action}" if action else "api:application-detail"
    return reverse(name, kwargs={"pk": application.pk})


@pytest.fixture
def colleague(complete_draft, role_groups):  # noqa: F811
    """Another member of the applicant organisation."""
    return UserFactory(email="colleague@klang.gov.my", organizations=[complete_draft.organization])
