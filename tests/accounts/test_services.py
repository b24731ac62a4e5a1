import datetime

import pytest
from django.utils import timezone

from accounts import ratelimit, services
from accounts.models import Membership
from core.domain import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_parse_rate_formats():
    assert ratelimit.parse_rate("10/10m") == ratelimit.Rate(10, 600)
    assert ratelimit.parse_rate("5/h") == ratelimit.Rate(5, 3600)
    with pytest.raises(ValueError):
        ratelimit.parse_rate("ten per minute")


def test_accept_invitation_expired_refused(applicant):
    invitation = services.invite_member(
        organization=applicant.organizations.first(), email="new@klang.gov.my", actor=applicant
    )
    invitation.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    invitation.created_at = invitation.expires_at - datetime.timedelta(days=1)
    invitation.save()
    invitee = UserFactory(email="new@klang.gov.my", email_verified_at=timezone.now())
    with pytest.raises(DomainError) as exc:
        services.accept_invitation(token=invitation.token, actor=invitee)
    assert exc.value.code == "invalid_token"
    assert not Membership.objects.filter(user=invitee).exists()


def test_accept_invitation_unverified_invitee_refused(applicant):
    invitation = services.invite_member(
        organization=applicant.organizations.first(), email="new@klang.gov.my", actor=applicant
    )
    invitee = UserFactory(email="new@klang.gov.my")
    with pytest.raises(DomainError) as exc:
        services.accept_invitation(token=invitation.token, actor=invitee)
    assert exc.value.code == "unverified"


def test_accept_invitation_revoked_refused(applicant):
    invitation = services.invite_member(
        organization=applicant.organizations.first(), email="new@klang.gov.my", actor=applicant
    )
    services.revoke_invitation(invitation=invitation, actor=applicant)
    invitee = UserFactory(email="new@klang.gov.my", email_verified_at=timezone.now())
    with pytest.raises(DomainError):
        services.accept_invitation(token=invitation.token, actor=invitee)


def test_invite_member_existing_member_refused(applicant):
    with pytest.raises(DomainError) as exc:
        services.invite_member(
            organization=applicant.organizations.first(), email=applicant.email, actor=applicant
        )
    assert exc.value.field == "email"


def test_update_profile_other_user_refused(applicant, other_applicant):
    with pytest.raises(DomainError):
        services.update_profile(
            user=applicant, actor=other_applicant, name="X", language="en", time_zone="UTC"
        )


def test_verify_email_after_address_change_refused(role_groups):
    user = services.register_user(email="a@example.org", name="A", password="long-password-1")
    from accounts.tokens import make_email_verification_token

    token = make_email_verification_token(user)
    user.email = "b@example.org"
    user.save()
    with pytest.raises(DomainError):
        services.verify_email(token=token)
