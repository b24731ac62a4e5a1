"""A reviewer invited again after declining gets the new invitation's due date."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import Assignment
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import committee_reviewer, sign_declaration

pytestmark = pytest.mark.django_db


@pytest.fixture
def declined(role_groups, planning_track, under_review, kind_staff):
    reviewer = committee_reviewer(planning_track, "busy@expert.example.net")
    sign_declaration(reviewer)
    first = services.assign_reviewer(
        application=under_review,
        reviewer=reviewer,
        actor=kind_staff,
        due_at=timezone.now() + datetime.timedelta(days=2),
    )
    # Declined when the first due date has passed (the reviewer had no time then).
    Assignment.objects.filter(pk=first.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=1)
    )
    return services.decline_assignment(assignment=first, reason="time", actor=reviewer)


def test_inviting_again_takes_the_new_due_date(declined, under_review, kind_staff):
    new_due = (timezone.now() + datetime.timedelta(days=20)).replace(microsecond=0)
    again = services.assign_reviewer(
        application=under_review, reviewer=declined.reviewer, actor=kind_staff, due_at=new_due
    )
    again.refresh_from_db()
    assert again.pk == declined.pk
    assert again.status == Assignment.Status.INVITED
    assert again.due_at == new_due
    assert not again.is_overdue
    assert again.assigned_at > declined.assigned_at


def test_inviting_again_without_a_date_falls_back_to_the_track_deadline(
    declined, under_review, planning_track, kind_staff
):
    planning_track.review_deadline = timezone.now() + datetime.timedelta(days=30)
    planning_track.save(update_fields=["review_deadline"])
    again = services.assign_reviewer(
        application=under_review, reviewer=declined.reviewer, actor=kind_staff
    )
    again.refresh_from_db()
    assert again.due_at is None
    assert again.effective_due == planning_track.review_deadline
    assert not again.is_overdue


def test_the_assignment_page_invites_again_with_the_date_typed(
    client, declined, under_review, planning_track, kind_staff
):
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_reviews:assignments", kwargs={"track_id": planning_track.pk}),
        {
            "applications": [under_review.pk],
            "reviewers": [declined.reviewer.pk],
            "due_at": "2099-03-15 18:00",
        },
    )
    assert response.status_code == 302
    declined.refresh_from_db()
    assert declined.status == Assignment.Status.INVITED
    assert timezone.localtime(declined.due_at).strftime("%Y-%m-%d %H:%M") == "2099-03-15 18:00"
