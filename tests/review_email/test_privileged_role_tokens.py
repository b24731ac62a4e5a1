"""A token made before its user was given a privileged role (staff, programme admin, reviewer,
back-office access) does not come back as that role's token once the second factor is set up:
every door that gives such a role revokes the user's tokens, audits it and tells the user."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles, services
from accounts.audit import ACTION_LABELS, audit_events_for
from accounts.models import ApiToken
from accounts.token_services import create_api_token
from notifications.models import Message
from reviews.services import invite_reviewer
from tests.factories import UserFactory
from tests.second_factor import authenticator_app

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def _token_client(user) -> tuple[APIClient, ApiToken]:
    token, key = create_api_token(user=user, name="integration", scope="read_write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, token


def _assert_revoked_and_told(user, token, client):
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = audit_events_for(token).get(action="revoked")
    assert event.detail["reason"] == "privileged_role"
    assert Message.objects.filter(
        recipient=user, template="accounts/api_tokens_revoked_for_role", channel="in_app"
    ).exists()
    # Even with the second factor the old token opens nothing.
    authenticator_app(user)
    assert client.get(ME).status_code == 401


def test_accepting_a_committee_invitation_revokes_tokens_made_as_applicant(
    client, applicant, planning_track, kind_staff
):
    api, token = _token_client(applicant)
    assert api.get(ME).status_code == 200
    applicant.email_verified_at = timezone.now()
    applicant.save(update_fields=["email_verified_at"])
    invitation = invite_reviewer(
        track=planning_track, email=applicant.email, name=applicant.name, actor=kind_staff
    )
    client.force_login(applicant)
    response = client.post(reverse("reviews:invitation", args=[invitation.token]), {"accept": "1"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert roles.has_role(applicant, roles.REVIEWER)
    _assert_revoked_and_told(applicant, token, api)


@pytest.mark.parametrize(
    "change",
    [
        {"groups": [roles.SECRETARIAT_STAFF]},
        {"groups": [roles.PROGRAMME_ADMIN]},
        {"groups": [roles.REVIEWER]},
        {"is_staff": True},
    ],
)
def test_a_superuser_giving_a_privileged_role_revokes_the_tokens(role_groups, change):
    user = UserFactory(email="expert@example.org", roles=[roles.APPLICANT])
    api, token = _token_client(user)
    superuser = UserFactory(email="root@molit.go.kr", is_superuser=True, is_staff=True)
    if "groups" in change:
        change = {
            "groups": [Group.objects.get(name=roles.APPLICANT)]
            + [Group.objects.get(name=name) for name in change["groups"]]
        }
    services.set_user_roles(user=user, actor=superuser, **change)
    _assert_revoked_and_told(user, token, api)


def test_a_role_that_is_not_privileged_leaves_the_tokens(role_groups):
    user = UserFactory(email="firm@example.org", roles=[roles.APPLICANT])
    api, token = _token_client(user)
    superuser = UserFactory(email="root@molit.go.kr", is_superuser=True, is_staff=True)
    services.set_user_roles(
        user=user,
        actor=superuser,
        groups=[Group.objects.get(name=roles.APPLICANT), Group.objects.get(name=roles.CONTRACTOR)],
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api.get(ME).status_code == 200


def test_a_reviewer_joining_a_second_committee_keeps_their_tokens(
    reviewer, planning_track, demonstration_track, kind_staff, kaia_staff
):
    from reviews.services import respond_to_invitation

    authenticator_app(reviewer)
    reviewer.email_verified_at = timezone.now()
    reviewer.save(update_fields=["email_verified_at"])
    api, token = _token_client(reviewer)
    invitation = invite_reviewer(
        track=demonstration_track, email=reviewer.email, name=reviewer.name, actor=kaia_staff
    )
    respond_to_invitation(invitation=invitation, actor=reviewer, accept=True)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api.get(ME).status_code == 200


def test_the_notice_template_and_reason_are_labelled():
    from notifications.message_templates import template_names  # noqa: PLC0415

    assert "accounts/api_tokens_revoked_for_role" in template_names()
    assert "revoked" in ACTION_LABELS
