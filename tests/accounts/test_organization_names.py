"""An organisation's name in the reader's language: its Korean name (``name_ko``) on Korean
pages and in Korean mail, its English name otherwise (and where it has no Korean one)."""

import pytest
from django.conf import settings
from django.utils import translation

from accounts import services
from notifications.models import Message
from notifications.services import render_message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KLANG_KO = "클랑 시의회"


@pytest.fixture
def klang(applicant):
    organization = applicant.organizations.get()
    organization.name_ko = KLANG_KO
    organization.save(update_fields=["name_ko"])
    return organization


def _page(client, path: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path).content.decode()


def test_display_name_is_the_korean_one_for_a_korean_reader(klang):
    with translation.override("ko"):
        assert klang.display_name == KLANG_KO
    with translation.override("en"):
        assert klang.display_name == "Klang Municipal Council"
    klang.name_ko = ""
    with translation.override("ko"):
        assert klang.display_name == "Klang Municipal Council"


def test_the_organisation_and_profile_pages_name_it_in_the_readers_language(
    client, applicant, klang
):
    client.force_login(applicant)
    for path in (f"/accounts/organisations/{klang.pk}/", "/accounts/profile/"):
        korean = _page(client, path, "ko")
        assert KLANG_KO in korean, path
        english = _page(client, path, "en")
        assert KLANG_KO not in english and "Klang Municipal Council" in english, path


def test_an_invitation_names_the_organisation_in_the_invitees_language(applicant, klang):
    korean_reader = UserFactory(email="invitee@klang.gov.my", language="ko")
    with translation.override("en"):  # the inviter's language does not matter
        services.invite_member(organization=klang, email=korean_reader.email, actor=applicant)
    mail = Message.objects.get(template="accounts/invitation", channel="email")
    render_message(mail)
    assert KLANG_KO in mail.subject and KLANG_KO in mail.body


def test_a_projects_contractor_is_named_in_the_readers_language(client, role_groups):
    from tests.factories import OrganizationFactory, ProjectFactory

    company = OrganizationFactory(
        name="Hanul Planning", name_ko="한울 플래닝", kind="korean_company", country_code="KR"
    )
    project = ProjectFactory(contractor=company)
    path = project.get_absolute_url()
    assert "한울 플래닝" in _page(client, path, "ko")
    english = _page(client, path, "en")
    assert "한울 플래닝" not in english and "Hanul Planning" in english
