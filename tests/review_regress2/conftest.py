"""Fixtures of the second regression review: the review fixtures (one planning track under
review with every role around it) and small helpers shared by the tests here."""

import pytest
from django.utils import timezone

from tests.reviews.review_fixtures import *  # noqa: F403


def verified(user):
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


@pytest.fixture
def klang_org(applicant):
    return applicant.organizations.first()
