"""Who the review engine writes to: reviewers are reminded only of applications still under
review (``reviews.selectors.BOARD_STATUSES``), and a reviewer dropping out is told to the
track's staff as ``projects.selectors.secretariat_staff_of`` defines them."""

import datetime

import pytest
from django.utils import timezone

from accounts.services import set_user_active
from applications import services as app_services
from core.domain import DomainError
from notifications.models import Message
from reviews import services as review_services
from reviews.models import Assignment
from tests.factories import AssignmentFactory, SubmittedApplicationFactory
from tests.reviews.review_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _reminded(reviewer):
    return Message.objects.filter(template="reviews/reminder", recipient=reviewer)


def test_reviewer_not_reminded_of_a_withdrawn_application(assignment, under_review, applicant):
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(due_at=now + datetime.timedelta(hours=20))
    app_services.withdraw_application(
        application=under_review, actor=applicant, reason="We found other funding"
    )
    assert review_services.remind_reviewers(now=now) == 0
    assert not _reminded(assignment.reviewer).exists()
    with pytest.raises(DomainError):
        review_services.send_review_reminder(assignment=assignment, now=now)
    assert not _reminded(assignment.reviewer).exists()


def test_a_withdrawn_applications_open_review_leaves_the_reviewers_queue(
    assignment, under_review, applicant, client
):
    """The reviewer's queue (page and API) no longer offers a review of an application
    withdrawn since it was assigned; opening it answers 404 like any review not theirs."""
    from reviews.selectors import assignments_for_reviewer, reviewer_home

    reviewer = assignment.reviewer
    assert list(assignments_for_reviewer(reviewer)) == [assignment]
    app_services.withdraw_application(
        application=under_review, actor=applicant, reason="We found other funding"
    )
    assert list(assignments_for_reviewer(reviewer)) == []
    home = reviewer_home(reviewer)
    assert home.to_declare == home.to_score == home.finished == []


def test_a_submitted_review_stays_among_the_finished_after_withdrawal(
    assignment, under_review, applicant
):
    from reviews.selectors import assignments_for_reviewer

    Assignment.objects.filter(pk=assignment.pk).update(
        status=Assignment.Status.SUBMITTED, submitted_at=timezone.now(), total=70
    )
    app_services.withdraw_application(
        application=under_review, actor=applicant, reason="We found other funding"
    )
    assert [a.pk for a in assignments_for_reviewer(assignment.reviewer)] == [assignment.pk]


def test_reviewer_not_reminded_of_an_application_screened_ineligible_again(
    applicant, planning_track, criteria, assigned_reviewer, kind_staff
):
    """Assigned while eligible, then screened ineligible: staff's one-reviewer reminder is
    refused and the periodic job passes it over; a review still open on the board is
    reminded as before."""
    application = SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
        status="eligible",
        reference="2026-PL-002",
    )
    now = timezone.now()
    due = now + datetime.timedelta(hours=20)
    assignment = AssignmentFactory(
        application=application,
        reviewer=assigned_reviewer,
        status=Assignment.Status.ACCEPTED,
        due_at=due,
    )
    app_services.screen_application(
        application=application, eligible=False, reason="Outside the region", actor=kind_staff
    )
    with pytest.raises(DomainError):
        review_services.send_review_reminder(assignment=assignment, actor=kind_staff, now=now)
    assert review_services.remind_reviewers(now=now) == 0
    application.status = "eligible"
    application.save(update_fields=["status"])
    assert review_services.remind_reviewers(now=now) == 1


def test_reviewer_dropped_notice_goes_to_the_active_staff_of_the_track(
    under_review, assigned_reviewer, kind_staff, programme_admin, role_groups, kind
):
    """A deactivated staff member of the track gets no notice; an active colleague does."""
    from accounts import roles
    from tests.factories import UserFactory

    colleague = UserFactory(
        email="colleague@kind.or.kr", roles=[roles.SECRETARIAT_STAFF], organizations=[kind]
    )
    set_user_active(user=kind_staff, active=False, actor=programme_admin)
    assignment = AssignmentFactory(
        application=under_review, reviewer=assigned_reviewer, status=Assignment.Status.INVITED
    )
    review_services.decline_assignment(
        assignment=assignment, reason="time", actor=assigned_reviewer
    )
    told = Message.objects.filter(template="reviews/reviewer_dropped")
    assert set(told.values_list("recipient", flat=True)) == {colleague.pk}
