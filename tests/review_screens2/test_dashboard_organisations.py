"""The applicant's home for a member of several organisations: each application says for which
organisation it was made, and the heading does not speak of one organisation."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from tests.factories import ApplicationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_dashboard_names_the_organisation_of_each_application_for_a_member_of_several(
    client, applicant, planning_track
):
    klang = applicant.organizations.first()
    selangor = OrganizationFactory(name="Selangor State EPU", kind="city_government")
    Membership.objects.create(user=applicant, organization=selangor, role="owner")
    ApplicationFactory(track=planning_track, organization=klang, title="Klang plan")
    ApplicationFactory(track=planning_track, organization=selangor, title="Selangor plan")
    client.force_login(applicant)

    page = client.get(reverse("applications:dashboard")).content.decode()

    cards = page.split('<li class="card">')[1:3]
    by_title = {("Klang plan" in card): card for card in cards}
    assert "Klang Municipal Council" in by_title[True].split("</p>")[0]
    assert "Selangor State EPU" in by_title[False].split("</p>")[0]
    assert "Your organisations' applications (2)" in page
    assert "Your organisation's applications" not in page


def test_dashboard_of_a_member_of_one_organisation_does_not_repeat_its_name(
    client, applicant, planning_track
):
    ApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), title="Klang plan"
    )
    client.force_login(applicant)

    page = client.get(reverse("applications:dashboard")).content.decode()

    card = page.split('<li class="card">')[1]
    assert "Klang Municipal Council" not in card
    assert "Your organisation's application (1)" in page
