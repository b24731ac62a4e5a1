"""A demonstration track's consortium through the API, as on the consortium page: the page
adds and removes members through ``services.add_consortium_member`` and
``remove_consortium_member``, and the submission asks for a lead company and an overseas
public partner. Before, the API had no door to the consortium at all (neither its members in
the application nor a way to add one), so a demonstration proposal could not be completed
through the API, and its members could not be read there."""

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ConsortiumMember
from tests.api.conftest import client_for
from tests.conftest import login
from tests.factories import ApplicationFactory, ConsortiumMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PARTNER = {
    "name": "Mukdahan Provincial Office",
    "kind": "regional_government",
    "role": "overseas_public_partner",
    "country_code": "th",
}


@pytest.fixture
def company_user(role_groups):
    from accounts import roles
    from tests.factories import OrganizationFactory

    org = OrganizationFactory(name="Mirae Smart City", kind="korean_company", country_code="KR")
    return UserFactory(
        email="manager@mirae.example",
        roles=[roles.APPLICANT],
        organizations=[org],
        email_verified_at=timezone.now(),
    )


@pytest.fixture
def demo_draft(company_user, demonstration_track):
    return ApplicationFactory(
        track=demonstration_track,
        organization=company_user.organizations.first(),
        created_by=company_user,
    )


def _consortium_url(application):
    return reverse("api:application-add-consortium-member", kwargs={"pk": application.pk})


def _member_url(application, member_pk):
    return reverse(
        "api:application-consortium-member", kwargs={"pk": application.pk, "member_id": member_pk}
    )


def test_the_api_adds_a_member_as_the_page_does(demo_draft, company_user):
    response = client_for(company_user).post(_consortium_url(demo_draft), PARTNER, format="json")
    assert response.status_code == 201, response.content
    member = demo_draft.consortium_members.get()
    assert (member.name, member.role, member.country_code) == (
        "Mukdahan Provincial Office",
        "overseas_public_partner",
        "TH",
    )
    detail = client_for(company_user).get(
        reverse("api:application-detail", kwargs={"pk": demo_draft.pk})
    )
    assert [m["name"] for m in detail.json()["consortium_members"]] == [member.name]


def test_the_api_refuses_what_the_page_refuses_on_the_field(client, demo_draft, company_user):
    lead = {"name": "Daehan Energy", "kind": "city_government", "role": "lead"}
    response = client_for(company_user).post(_consortium_url(demo_draft), lead, format="json")
    assert response.status_code == 400
    api_error = response.json()["errors"]["kind"]
    login(client, company_user)
    page = client.post(
        reverse("applications:section", kwargs={"pk": demo_draft.pk, "section": "consortium"}),
        lead,
    )
    assert page.context["form"].errors["kind"] == api_error
    assert not demo_draft.consortium_members.exists()


def test_a_secretariat_is_never_a_consortium_member(demo_draft, company_user):
    agency = {"name": "KAIA", "kind": "korean_agency", "role": "member"}
    response = client_for(company_user).post(_consortium_url(demo_draft), agency, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]
    from applications import services
    from core.domain import DomainError

    with pytest.raises(DomainError) as refused:
        services.add_consortium_member(application=demo_draft, actor=company_user, **agency)
    assert refused.value.field == "kind"
    assert not demo_draft.consortium_members.exists()


def test_the_api_removes_a_member(demo_draft, company_user):
    member = ConsortiumMemberFactory(application=demo_draft)
    response = client_for(company_user).delete(_member_url(demo_draft, member.pk))
    assert response.status_code == 204
    assert not ConsortiumMember.objects.filter(pk=member.pk).exists()


def test_another_organisation_can_neither_read_nor_change_the_consortium(
    demo_draft, other_applicant
):
    member = ConsortiumMemberFactory(application=demo_draft, name="Secret Partner")
    other = client_for(other_applicant)
    assert other.post(_consortium_url(demo_draft), PARTNER, format="json").status_code == 404
    assert other.delete(_member_url(demo_draft, member.pk)).status_code == 404
    body = other.get(reverse("api:application-list")).content.decode()
    assert "Secret Partner" not in body
    assert demo_draft.consortium_members.count() == 1


def test_a_member_of_another_application_is_not_found(demo_draft, company_user):
    elsewhere = ConsortiumMemberFactory()
    response = client_for(company_user).delete(_member_url(demo_draft, elsewhere.pk))
    assert response.status_code == 404
    assert ConsortiumMember.objects.filter(pk=elsewhere.pk).exists()


def test_a_submitted_applications_consortium_is_closed_in_the_api(demo_draft, company_user):
    member = ConsortiumMemberFactory(application=demo_draft)
    type(demo_draft).objects.filter(pk=demo_draft.pk).update(
        status="submitted", submitted_at=timezone.now(), reference="2026-DM-001"
    )
    api = client_for(company_user)
    assert api.post(_consortium_url(demo_draft), PARTNER, format="json").status_code == 403
    assert api.delete(_member_url(demo_draft, member.pk)).status_code == 403
    assert demo_draft.consortium_members.count() == 1
