"""A member of several organisations (a colleague's invitation accepted into a second one)
applies for the one they choose from the dashboard, as the API lets them
(``POST /api/v1/applications/`` names the organisation). Before, the pages always applied for
the organisation the user joined first: a track open only to the second showed "Open to: …"
without a button, and a draft could never be started for the second from the pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from applications.models import Application
from tests.conftest import login
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(verified_applicant):
    """The Klang officer, also a member of a Korean company (joined later)."""
    company = OrganizationFactory(name="Mirae Smart City", kind="korean_company", country_code="KR")
    Membership.objects.create(
        user=verified_applicant,
        organization=company,
        role="member",
        created_at=timezone.now() + timezone.timedelta(minutes=1),
    )
    return verified_applicant, company


def _start(client, track, **data):
    return client.post(reverse("applications:start", kwargs={"track_pk": track.pk}), data)


def test_the_dashboard_offers_a_track_open_only_to_the_second_organisation(
    client, two_hats, planning_track, demonstration_track
):
    user, company = two_hats
    login(client, user)
    page = client.get(reverse("applications:dashboard"))
    tracks = {track.pk: track for track in page.context["open_tracks"]}
    assert tracks[demonstration_track.pk].eligible
    assert tracks[demonstration_track.pk].applying_as == [company]
    assert tracks[planning_track.pk].applying_as == [user.organizations.get(kind="city_government")]
    assert reverse("applications:start", kwargs={"track_pk": demonstration_track.pk}) in (
        page.content.decode()
    )


def test_starting_from_the_dashboard_applies_for_the_chosen_organisation(
    client, two_hats, demonstration_track
):
    user, company = two_hats
    login(client, user)
    response = _start(client, demonstration_track, organization=str(company.pk))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.organization == company
    assert application.consortium_members.get().role == "lead"


def test_a_choice_between_two_organisations_the_track_is_open_to(
    client, verified_applicant, planning_track
):
    province = OrganizationFactory(
        name="Selangor State", kind="regional_government", country_code="MY"
    )
    Membership.objects.create(
        user=verified_applicant,
        organization=province,
        role="member",
        created_at=timezone.now() + timezone.timedelta(minutes=1),
    )
    login(client, verified_applicant)
    body = client.get(reverse("applications:dashboard")).content.decode()
    assert f'<label for="apply-as-{planning_track.pk}">' in body
    assert "Selangor State" in body
    _start(client, planning_track, organization=str(province.pk))
    assert Application.objects.get().organization == province


def test_without_a_choice_the_first_organisation_still_applies(
    client, verified_applicant, planning_track
):
    login(client, verified_applicant)
    _start(client, planning_track)
    assert Application.objects.get().organization == verified_applicant.organizations.first()


def test_another_organisation_cannot_be_chosen(
    client, verified_applicant, other_applicant, planning_track
):
    login(client, verified_applicant)
    other = other_applicant.organizations.first()
    assert _start(client, planning_track, organization=str(other.pk)).status_code == 404
    assert _start(client, planning_track, organization="x").status_code == 404
    assert not Application.objects.exists()
