"""Secretariat staff and programme admins run the programme: they do not join an applicant
organisation, and one who belongs to one all the same (a record made before the rule, or by
hand in the database) never acts on its applications as staff, by any door."""

from django.urls import reverse

from accounts import roles
from accounts.models import Membership
from applications.models import Application
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, SubmittedApplicationFactory

from .conftest import invite, verified


def test_staff_cannot_accept_an_invitation_into_an_applicant_organisation(
    client, kind_staff, applicant, klang
):
    verified(kind_staff)
    invitation = invite(applicant, klang, kind_staff.email)
    client.force_login(kind_staff)

    page = client.get(reverse("accounts:accept_invitation", args=[invitation.token]))
    assert "Secretariat staff and programme admins cannot join" in page.content.decode()
    response = client.post(reverse("accounts:accept_invitation", args=[invitation.token]))

    assert response.status_code == 400
    assert "Secretariat staff and programme admins cannot join" in response.content.decode()
    assert not Membership.objects.filter(user=kind_staff, organization=klang).exists()
    kind_staff.refresh_from_db()
    assert not kind_staff.groups.filter(name=roles.APPLICANT).exists()


def test_staff_cannot_create_an_applicant_organisation(client, kind_staff):
    verified(kind_staff)
    client.force_login(kind_staff)
    response = client.post(
        reverse("accounts:organization_create"),
        {"name": "Staff Side Company", "kind": "korean_company", "country_code": "KR"},
    )
    assert response.status_code == 200
    assert "Secretariat staff and programme admins cannot join" in response.content.decode()
    assert (
        not Membership.objects.filter(user=kind_staff)
        .exclude(organization__kind="korean_agency")
        .exists()
    )


def _own_application(kind_staff, applicant, klang, planning_track):
    MembershipFactory(user=kind_staff, organization=klang)
    return SubmittedApplicationFactory(
        track=planning_track, organization=klang, created_by=applicant, status="submitted"
    )


def test_staff_member_of_the_applicant_cannot_screen_its_application(
    client, kind_staff, applicant, klang, planning_track
):
    own = _own_application(kind_staff, applicant, klang, planning_track)
    client.force_login(kind_staff)

    page = client.post(
        reverse("staff_applications:screen", args=[own.pk]),
        {"decision": "eligible", "reason": "", "expected_status": "submitted"},
    )
    assert page.status_code == 403
    api = client_for(kind_staff)
    screened = api.post(
        reverse("api:application-screen", kwargs={"pk": own.pk}),
        {"eligible": True},
        format="json",
    )
    assert screened.status_code in (403, 404)
    asked = api.post(
        reverse("api:application-request-clarification", kwargs={"pk": own.pk}),
        {"message": "Please attach the site map."},
        format="json",
    )
    assert asked.status_code in (403, 404)
    own.refresh_from_db()
    assert own.status == Application.Status.SUBMITTED


def test_staff_member_of_the_applicant_still_screens_other_applications(
    client, kind_staff, applicant, klang, planning_track, other_applicant
):
    _own_application(kind_staff, applicant, klang, planning_track)
    other = SubmittedApplicationFactory(
        track=planning_track,
        organization=other_applicant.organizations.first(),
        created_by=other_applicant,
        status="submitted",
    )
    client.force_login(kind_staff)
    assert client.get(reverse("staff_applications:screen", args=[other.pk])).status_code == 200


def test_staff_member_of_the_applicant_cannot_screen_it_in_the_back_office(
    client, kind_staff, applicant, klang, planning_track
):
    own = _own_application(kind_staff, applicant, klang, planning_track)
    client.force_login(kind_staff)
    client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "mark_eligible", "_selected_action": [own.pk]},
    )
    own.refresh_from_db()
    assert own.status == Application.Status.SUBMITTED


def test_invitation_mail_tells_staff_they_cannot_accept(kind_staff, applicant, klang):
    from notifications.models import Message
    from notifications.services import render_message

    invite(applicant, klang, kind_staff.email)
    mail = Message.objects.get(template="accounts/invitation", recipient=kind_staff)
    render_message(mail)
    assert "staff cannot join an applicant organisation" in mail.body


def test_a_superuser_cannot_make_staff_a_member_nor_a_member_staff(kind_staff, applicant, klang):
    import pytest
    from django.contrib.auth.models import Group

    from accounts import services
    from core.domain import DomainError

    superuser = type(kind_staff).objects.create_superuser(
        email="root@molit.go.kr", password="x" * 20
    )
    with pytest.raises(DomainError) as refused:
        services.add_membership(user=kind_staff, organization=klang, role="member", actor=superuser)
    assert refused.value.code == "staff_member"
    staff_group = Group.objects.get(name=roles.SECRETARIAT_STAFF)
    with pytest.raises(DomainError) as refused:
        services.set_user_roles(user=applicant, groups=[staff_group], actor=superuser)
    assert refused.value.code == "staff_member"
    assert not applicant.groups.filter(name=roles.SECRETARIAT_STAFF).exists()
