"""Who manages an organisation and its members: owners of applicant organisations (never of a
secretariat), a verified address to create one, its name fixed once an application is
submitted, never without an owner, and invitations that end with their sender's authority."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import privacy, services
from accounts.audit import audit_events_for
from accounts.models import Membership, Organization, OrganizationInvitation, User
from core.domain import DomainError
from projects.selectors import staff_tracks
from tests.factories import ApplicationFactory, SubmittedApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(role_groups):
    return UserFactory(email="root@molit.go.kr", is_superuser=True, is_staff=True)


def _verified(user):
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


# --- A secretariat's members are a superuser's ---------------------------------------------------


def test_secretariat_owner_cannot_give_another_staff_member_its_tracks_by_invitation(
    client, kind_staff, kaia_staff, kind, planning_track
):
    """A secretariat membership is a track scope, which only a superuser grants: the KIND
    staff member who owns KIND's membership cannot invite a KAIA colleague into it."""
    assert planning_track not in staff_tracks(kaia_staff)
    _verified(kaia_staff)
    client.force_login(kind_staff)
    response = client.post(
        reverse("accounts:organization", kwargs={"pk": kind.pk}), {"email": kaia_staff.email}
    )
    assert response.status_code == 403
    assert not OrganizationInvitation.objects.filter(organization=kind).exists()
    edit = reverse("accounts:organization_edit", kwargs={"pk": kind.pk})
    page = client.get(reverse("accounts:organization", kwargs={"pk": kind.pk}))
    assert f'href="{edit}"' not in page.content.decode()
    assert client.get(edit).status_code == 403
    kaia_staff.__dict__.pop("_kcity_roles", None)
    assert planning_track not in staff_tracks(kaia_staff)
    assert not Membership.objects.filter(user=kaia_staff, organization=kind).exists()


def test_an_invitation_into_a_secretariat_sent_by_its_owner_lets_nobody_in(
    kind_staff, kaia_staff, kind
):
    """One sent before owners lost the right (or written past the service) is refused."""
    invitation = OrganizationInvitation.objects.create(
        organization=kind,
        email=kaia_staff.email,
        invited_by=kind_staff,
        expires_at=timezone.now() + timezone.timedelta(days=3),
    )
    with pytest.raises(DomainError) as refused:
        services.accept_invitation(token=invitation.token, actor=_verified(kaia_staff))
    assert refused.value.code == "invalid_token"
    assert not Membership.objects.filter(user=kaia_staff, organization=kind).exists()


def test_an_invitation_into_a_secretariat_from_a_programme_admin_still_works(
    programme_admin, kaia_staff, kind
):
    invitation = services.invite_member(
        organization=kind, email=kaia_staff.email, actor=programme_admin
    )
    services.accept_invitation(token=invitation.token, actor=_verified(kaia_staff))
    assert Membership.objects.filter(user=kaia_staff, organization=kind).exists()


# --- Creating an organisation takes a verified address -----------------------------------------


def test_unverified_account_cannot_take_an_organisations_name(client, role_groups):
    """Sign-up logs in an unverified account: it could otherwise take a city's name in its
    country, and the real city would be told to ask "one of its members" to invite it."""
    squatter = UserFactory(email="someone@mailinator.example")  # never verified
    client.force_login(squatter)
    response = client.post(
        reverse("accounts:organization_create"),
        {"name": "Iloilo City Government", "kind": "city_government", "country_code": "PH"},
    )
    assert not Organization.objects.filter(name="Iloilo City Government").exists()
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please verify your e-mail address before creating an organisation." in body
    assert 'value="Iloilo City Government"' in body and 'value="PH"' in body


def test_create_organization_service_refuses_an_unverified_address(role_groups):
    with pytest.raises(DomainError) as refused:
        services.create_organization(
            actor=UserFactory(), name="Iloilo City", kind="city_government", country_code="PH"
        )
    assert refused.value.code == "unverified"


# --- Changing its details ----------------------------------------------------------------------


def test_owner_renaming_the_organisation_leaves_the_old_name_in_the_audit(applicant):
    organization = applicant.organizations.get()
    services.update_organization(
        organization=organization, actor=applicant, name="Some Other Council", website=""
    )
    event = audit_events_for(organization).filter(action="updated").get()
    assert event.detail == {
        "old": {"name": "Klang Municipal Council"},
        "new": {"name": "Some Other Council"},
    }


def test_name_is_fixed_once_an_application_is_submitted(client, applicant, planning_track):
    organization = applicant.organizations.get()
    SubmittedApplicationFactory(
        track=planning_track, organization=organization, created_by=applicant
    )
    for field, value in (("name", "Some Other Council"), ("name_ko", "다른 시의회")):
        with pytest.raises(DomainError) as refused:
            services.update_organization(
                organization=organization, actor=applicant, **{field: value}
            )
        assert (refused.value.code, refused.value.field) == ("name_locked", field)
    # The other details still change, the name sent unchanged alongside.
    services.update_organization(
        organization=organization,
        actor=applicant,
        name=organization.name,
        name_ko="",
        website="https://mbk.gov.my",
    )
    client.force_login(applicant)
    response = client.post(
        reverse("accounts:organization_edit", kwargs={"pk": organization.pk}),
        {"name": "Some Other Council", "email_domain": "", "website": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="id_name-error"' in body
    assert 'value="Some Other Council"' in body
    organization.refresh_from_db()
    assert organization.name == "Klang Municipal Council"
    assert organization.website == "https://mbk.gov.my"


def test_a_draft_does_not_fix_the_name_and_the_programme_corrects_it(
    applicant, planning_track, programme_admin
):
    organization = applicant.organizations.get()
    ApplicationFactory(track=planning_track, organization=organization, created_by=applicant)
    services.update_organization(organization=organization, actor=applicant, name="Klang City")
    SubmittedApplicationFactory(
        track=planning_track, organization=organization, created_by=applicant
    )
    services.update_organization_record(
        organization=organization, actor=programme_admin, name="Klang Royal City Council"
    )
    organization.refresh_from_db()
    assert organization.name == "Klang Royal City Council"


# --- Never without an owner --------------------------------------------------------------------


def test_removing_the_only_owner_is_refused(applicant, superuser):
    organization = applicant.organizations.get()
    Membership.objects.create(
        user=UserFactory(email="colleague@klang.gov.my"), organization=organization, role="member"
    )
    owner = Membership.objects.get(user=applicant, organization=organization)
    with pytest.raises(DomainError) as refused:
        services.remove_membership(membership=owner, actor=superuser)
    assert refused.value.code == "last_owner"
    assert organization.memberships.filter(role="owner").exists()


def test_demoting_the_only_owner_is_refused(applicant, superuser):
    organization = applicant.organizations.get()
    owner = Membership.objects.get(user=applicant, organization=organization)
    with pytest.raises(DomainError):
        services.change_membership_role(membership=owner, role="member", actor=superuser)
    assert organization.memberships.filter(role="owner").exists()


def test_an_owner_goes_when_another_stays(applicant, superuser):
    organization = applicant.organizations.get()
    UserFactory(email="new.owner@klang.gov.my", organizations=[organization])
    owner = Membership.objects.get(user=applicant, organization=organization)
    services.change_membership_role(membership=owner, role="member", actor=superuser)
    services.remove_membership(membership=owner, actor=superuser)
    assert list(organization.memberships.values_list("role", flat=True)) == ["owner"]


# --- An invitation ends with its sender's authority --------------------------------------------


def _open_invitation(applicant, email="private@example.net"):
    return services.invite_member(
        organization=applicant.organizations.get(), email=email, actor=applicant
    )


def _refused(invitation, email="private@example.net"):
    alt = UserFactory(email=email, email_verified_at=timezone.now())
    with pytest.raises(DomainError):
        services.accept_invitation(token=invitation.token, actor=alt)
    return not Membership.objects.filter(user=alt).exists()


def test_a_removed_owners_open_invitations_stop_working(applicant, superuser):
    organization = applicant.organizations.get()
    UserFactory(email="new.owner@klang.gov.my", organizations=[organization])
    invitation = _open_invitation(applicant)
    services.remove_membership(
        membership=Membership.objects.get(user=applicant, organization=organization),
        actor=superuser,
    )
    assert _refused(invitation)
    event = audit_events_for(organization).get(action="invitation_revoked")
    assert event.actor == superuser
    assert event.detail["reason"] == "member_removed"


def test_a_demoted_owners_open_invitations_stop_working(applicant, superuser):
    organization = applicant.organizations.get()
    UserFactory(email="new.owner@klang.gov.my", organizations=[organization])
    invitation = _open_invitation(applicant)
    services.change_membership_role(
        membership=Membership.objects.get(user=applicant, organization=organization),
        role="member",
        actor=superuser,
    )
    assert _refused(invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_a_deactivated_accounts_open_invitations_stop_working(applicant, programme_admin):
    invitation = _open_invitation(applicant)
    services.set_user_active(user=applicant, active=False, actor=programme_admin)
    assert _refused(invitation)
    event = audit_events_for(applicant.organizations.get()).get(action="invitation_revoked")
    assert (event.actor, event.detail["reason"]) == (programme_admin, "account_deactivated")


def test_an_erased_owners_open_invitations_stop_working(applicant, programme_admin):
    organization = applicant.organizations.get()
    # A second owner, so the organisation itself keeps one.
    UserFactory(email="new.owner@klang.gov.my", organizations=[organization])
    invitation = _open_invitation(applicant)
    erasure = privacy.request_erasure(user=applicant, reason="Leaving the council.")
    privacy.decide_erasure_request(
        erasure_request=erasure, approve=True, reason="No retention ground.", actor=programme_admin
    )
    applicant.refresh_from_db()
    assert not applicant.is_active and applicant.anonymised_at
    assert _refused(invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    event = audit_events_for(organization).get(action="invitation_revoked")
    assert event.detail["reason"] == "account_erased"
    # The audit row names the sender by its placeholder, not the erased address.
    assert event.detail["invited_by"] == applicant.email != "officer@klang.gov.my"


@pytest.mark.parametrize("ended", ["deactivated", "anonymised"])
def test_an_invitation_from_an_ended_account_lets_nobody_in_even_if_still_open(applicant, ended):
    """The second guard: accept_invitation itself refuses what an ended account sent."""
    invitation = _open_invitation(applicant)
    if ended == "deactivated":
        User.objects.filter(pk=applicant.pk).update(is_active=False)
    else:
        User.objects.filter(pk=applicant.pk).update(anonymised_at=timezone.now())
    assert _refused(invitation)


# --- Leaving, and removing a member, from the organisation's page --------------------------------


def test_a_member_leaves_from_the_organisation_page(client, applicant):
    organization = applicant.organizations.get()
    member = UserFactory(email="junior@klang.gov.my", email_verified_at=timezone.now())
    Membership.objects.create(user=member, organization=organization, role="member")
    client.force_login(member)
    page = client.get(reverse("accounts:organization", kwargs={"pk": organization.pk}))
    leave = reverse("accounts:organization_leave", kwargs={"pk": organization.pk})
    assert f'action="{leave}"' in page.content.decode() and "data-confirm" in page.content.decode()
    assert client.get(leave).status_code == 405
    response = client.post(leave)
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    assert not Membership.objects.filter(user=member).exists()
    event = audit_events_for(organization).get(action="member_left")
    assert event.actor == member


def test_the_last_owner_cannot_leave(client, applicant):
    organization = applicant.organizations.get()
    client.force_login(applicant)
    response = client.post(
        reverse("accounts:organization_leave", kwargs={"pk": organization.pk}), follow=True
    )
    assert "would be left without an owner" in response.content.decode()
    assert Membership.objects.filter(user=applicant, organization=organization).exists()


def test_a_secretariat_member_cannot_leave_from_the_page(client, kind_staff, kind):
    client.force_login(kind_staff)
    client.post(reverse("accounts:organization_leave", kwargs={"pk": kind.pk}))
    assert Membership.objects.filter(user=kind_staff, organization=kind).exists()


def test_the_owner_removes_a_member_whose_invitations_end(client, applicant):
    organization = applicant.organizations.get()
    colleague = UserFactory(email="colleague@klang.gov.my", organizations=[organization])
    membership = colleague.memberships.get()
    assert membership.role == "owner"  # another owner, who had invited someone
    invitation = services.invite_member(
        organization=organization, email="private@example.net", actor=colleague
    )
    client.force_login(applicant)
    url = reverse(
        "accounts:membership_remove", kwargs={"pk": organization.pk, "membership_pk": membership.pk}
    )
    page = client.get(reverse("accounts:organization", kwargs={"pk": organization.pk}))
    assert url in page.content.decode()
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert audit_events_for(organization).filter(action="member_removed", actor=applicant).exists()
    assert _refused(invitation)


def test_a_plain_member_cannot_remove_anyone(client, applicant):
    organization = applicant.organizations.get()
    member = UserFactory(email="junior@klang.gov.my")
    Membership.objects.create(user=member, organization=organization, role="member")
    owner = applicant.memberships.get()
    client.force_login(member)
    url = reverse(
        "accounts:membership_remove", kwargs={"pk": organization.pk, "membership_pk": owner.pk}
    )
    assert client.post(url).status_code == 403
    with pytest.raises(DomainError):
        services.remove_member(membership=owner, actor=member)
    assert Membership.objects.filter(pk=owner.pk).exists()
