"""People with more than one role: a reviewer or a member of staff who also belongs to an
applicant organisation (tests/reviews/review_fixtures.py gives the review around them)."""

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import OrganizationInvitation
from tests.reviews.review_fixtures import *  # noqa: F403


def verified(user):
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


def invite(owner, organization, email) -> OrganizationInvitation:
    """The owner of an applicant organisation invites ``email`` (the service, as the page)."""
    verified(owner)
    return account_services.invite_member(organization=organization, email=email, actor=owner)


@pytest.fixture
def klang(applicant):
    return applicant.organizations.first()
