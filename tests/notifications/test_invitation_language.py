"""An invitation to an e-mail address is written in one language, by one rule
(``notifications.services.language_for_address``) for both invitations: the account's language
when the address has one, else the inviter's."""

import pytest
from django.utils import translation

from accounts import services as account_services
from notifications.models import Message
from notifications.services import language_for_address
from reviews import services as review_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_rule(role_groups):
    korean = UserFactory(email="ko@example.net", language="ko")
    english = UserFactory(email="en@example.net", language="en")
    assert language_for_address(korean, sender=english) == "ko"
    assert language_for_address(None, sender=korean) == "ko"
    assert language_for_address(None, sender=None) == "en"


def test_a_reviewer_invitation_to_an_address_without_account_is_in_the_inviters_language(
    planning_track, kind_staff
):
    kind_staff.language = "ko"
    kind_staff.save(update_fields=["language"])
    with translation.override("en"):  # the page's language does not decide
        review_services.invite_reviewer(
            track=planning_track, email="newcomer@example.net", actor=kind_staff
        )
    mail = Message.objects.get(template="reviews/invitation", channel="email")
    assert mail.language == "ko"


def test_a_reviewer_invitation_to_an_account_is_in_its_language(planning_track, kind_staff):
    kind_staff.language = "ko"
    kind_staff.save(update_fields=["language"])
    UserFactory(email="expert@example.net", language="en")
    review_services.invite_reviewer(
        track=planning_track, email="expert@example.net", actor=kind_staff
    )
    assert {m.language for m in Message.objects.filter(template="reviews/invitation")} == {"en"}


def test_an_organisation_invitation_follows_the_same_rule(applicant):
    applicant.language = "ko"
    applicant.email_verified_at = applicant.date_joined
    applicant.save(update_fields=["language", "email_verified_at"])
    organization = applicant.organizations.first()
    account_services.invite_member(
        organization=organization, email="newcomer@klang.gov.my", actor=applicant
    )
    mail = Message.objects.get(template="accounts/invitation", channel="email")
    assert mail.language == "ko"
