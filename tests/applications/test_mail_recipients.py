"""Who is told of an application's moves: the applicant organisation's members who receive its
mail (``accounts.selectors.members_to_tell``: active, not anonymised accounts), and, of a
clarification answer, the staff who asked only while they still run the track."""

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from accounts.models import Membership
from accounts.privacy import anonymise_account
from accounts.selectors import members_to_tell
from accounts.services import set_user_active
from applications import selectors
from applications import services as app_services
from notifications.models import Message
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CountryFactory,
    DocumentFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _colleague(applicant, email="former@klang.gov.my"):
    org = applicant.organizations.first()
    return UserFactory(email=email, roles=[roles.APPLICANT], organizations=[org])


def test_deactivated_member_is_not_told_of_the_screening_outcome(
    applicant, planning_track, kind_staff, programme_admin
):
    """A programme admin deactivates an applicant organisation's former employee; staff then
    screen the organisation's application ineligible: neither e-mail nor in-app notice (with
    the title and the reason) goes to the deactivated account."""
    former = _colleague(applicant)
    set_user_active(user=former, active=False, actor=programme_admin)
    application = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )
    app_services.screen_application(
        application=application, eligible=False, reason="Budget over ceiling", actor=kind_staff
    )
    told = Message.objects.filter(template="applications/ineligible")
    assert told.filter(recipient=applicant).exists()
    assert not told.filter(recipient=former).exists()


def test_anonymised_member_is_not_told(applicant, planning_track, kind_staff):
    """An erased account (anonymised) keeps its membership, for the organisation's history,
    and gets nothing."""
    former = _colleague(applicant)
    anonymise_account(former)
    application = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )
    app_services.screen_application(
        application=application, eligible=False, reason="Budget over ceiling", actor=kind_staff
    )
    told = Message.objects.filter(template="applications/ineligible")
    assert not told.filter(recipient=former).exists()
    assert not told.filter(to_email__endswith="anonymised.invalid").exists()


def test_one_definition_of_the_members_told(applicant, planning_track, programme_admin):
    """``members_to_tell`` leaves out deactivated and anonymised accounts, an account
    reactivated after its erasure included; a track notice's audience
    (``notice_recipients``) is built on the same definition."""
    org = applicant.organizations.first()
    deactivated = _colleague(applicant, "gone@klang.gov.my")
    set_user_active(user=deactivated, active=False, actor=programme_admin)
    erased = _colleague(applicant, "erased@klang.gov.my")
    anonymise_account(erased)
    type(erased).objects.filter(pk=erased.pk).update(is_active=True)
    assert list(members_to_tell(org)) == [applicant]
    assert list(members_to_tell(org.pk)) == [applicant]
    ApplicationFactory(track=planning_track, organization=org, created_by=applicant)
    assert list(selectors.notice_recipients(planning_track, "drafts")) == [applicant]


def test_deactivated_member_gets_no_draft_reminder(applicant, planning_track, programme_admin):
    former = _colleague(applicant)
    set_user_active(user=former, active=False, actor=programme_admin)
    call = planning_track.call
    now = timezone.now()
    call.opens_at = now - datetime.timedelta(days=10)
    call.closes_at = now + datetime.timedelta(days=3)
    call.save()
    ApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )
    app_services.remind_draft_applicants(now=now)
    told = Message.objects.filter(template="applications/draft_reminder")
    assert told.filter(recipient=applicant).exists()
    assert not told.filter(recipient=former).exists()


def _in_clarification(applicant, planning_track, kind_staff):
    country = CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    application = SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
        country=country,
        city=CityFactory(country=country, name="Klang"),
        budget_requested=400_000_000,
    )
    for kind in planning_track.required_documents:
        DocumentFactory(application=application, kind=kind)
    app_services.request_clarification(
        application=application, actor=kind_staff, message="Clarify", sections=["project"]
    )
    return application


def test_clarification_answer_not_sent_to_asker_who_left_the_track(
    applicant, planning_track, kind_staff, kaia
):
    """KIND staff ask for a clarification, then move to KAIA (membership of KIND removed).
    When the applicant answers, the former KIND staff member gets neither the applicant's
    answer text nor a link to a screening page they can no longer open."""
    application = _in_clarification(applicant, planning_track, kind_staff)
    Membership.objects.filter(user=kind_staff, organization=planning_track.secretariat).delete()
    Membership.objects.create(user=kind_staff, organization=kaia)
    app_services.answer_clarification(
        application=application, actor=applicant, response="Our confidential answer"
    )
    assert not Message.objects.filter(
        template="applications/clarification_answered", recipient=kind_staff
    ).exists()


def test_clarification_answer_reaches_the_programme_admin_who_asked(
    applicant, planning_track, kind_staff, programme_admin
):
    """A programme admin runs every track: one who asked is told of the answer."""
    application = _in_clarification(applicant, planning_track, programme_admin)
    app_services.answer_clarification(
        application=application, actor=applicant, response="Our answer"
    )
    told = Message.objects.filter(template="applications/clarification_answered", channel="email")
    assert set(told.values_list("recipient", flat=True)) == {kind_staff.pk, programme_admin.pk}
