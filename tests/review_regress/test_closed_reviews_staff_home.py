"""The staff home's review queues ("Reviews overdue", "Assignments not yet accepted") count only
reviews that can still be done, as the board they link to and the reminders do
(reviews.selectors.review_open_q): applications without a score are now rejected at the
release, so their never-finished assignments would otherwise stay "overdue" on the home for
ever, while the linked board shows none."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from results.models import Decision
from reviews.models import Assignment
from tests.factories import AssignmentFactory
from tests.reviews.review_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

URL = reverse("staff_reporting:index")


def _queues(client, track) -> dict[str, int]:
    for item in client.get(URL).context["work"]:
        if item.track == track:
            return {queue.key: queue.count for queue in item.queues}
    return {}


@pytest.fixture
def late_reviews(assignment, unassigned_reviewer):
    """The accepted assignment, two days overdue, and a second reviewer's invitation never
    answered on the same application."""
    assignment.due_at = timezone.now() - datetime.timedelta(days=2)
    assignment.save(update_fields=["due_at"])
    invited = AssignmentFactory(
        application=assignment.application,
        reviewer=unassigned_reviewer,
        status=Assignment.Status.INVITED,
        due_at=timezone.now() + datetime.timedelta(days=3),
    )
    return assignment, invited


def _decide(application, admin, *, released=False):
    now = timezone.now()
    Decision.objects.create(
        application=application,
        track=application.track,
        outcome=Decision.Outcome.REJECTED,
        proposed_outcome=Decision.Outcome.REJECTED,
        confirmed_by=admin,
        confirmed_at=now,
        released_at=now if released else None,
    )
    if released:
        Application.objects.filter(pk=application.pk).update(status=Application.Status.REJECTED)


@pytest.mark.parametrize("released", [False, True])
def test_closed_reviews_leave_the_staff_home_queues(
    client, late_reviews, planning_track, kind_staff, programme_admin, released
):
    assignment, _invited = late_reviews
    client.force_login(kind_staff)
    before = _queues(client, planning_track)
    assert before.get("overdue") == 1 and before.get("awaiting_declaration") == 1

    _decide(assignment.application, programme_admin, released=released)

    after = _queues(client, planning_track)
    assert "overdue" not in after and "awaiting_declaration" not in after
