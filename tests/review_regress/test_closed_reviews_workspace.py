"""Reviews close with a confirmed funding decision (reviews.services.refuse_if_review_closed,
selectors.review_open_q): the reviewer's home must not keep offering such a review as work
waiting to be scored (and overdue) while the service refuses every save and submission."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from results.models import Decision
from reviews import selectors
from tests.reviews.review_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _confirm(application, admin, *, confirmed=True):
    Decision.objects.create(
        application=application,
        track=application.track,
        outcome=Decision.Outcome.REJECTED,
        proposed_outcome=Decision.Outcome.REJECTED,
        confirmed_by=admin if confirmed else None,
        confirmed_at=timezone.now() if confirmed else None,
    )


def test_a_review_closed_by_a_confirmed_decision_is_not_waiting_for_the_reviewer(
    client, assignment, programme_admin
):
    assignment.due_at = timezone.now() - datetime.timedelta(days=2)
    assignment.save(update_fields=["due_at"])
    reviewer = assignment.reviewer
    assert [a.pk for a in selectors.reviewer_home(reviewer).to_score] == [assignment.pk]

    _confirm(assignment.application, programme_admin)

    home = selectors.reviewer_home(reviewer)
    assert home.to_score == [] and home.to_declare == []
    assert home.open_count == 0
    client.force_login(reviewer)
    body = client.get(reverse("reviews:workspace")).content.decode()
    assert "Overdue" not in body
    # The score page itself still opens and says why (reviews.views.score).
    assert client.get(reverse("reviews:score", kwargs={"pk": assignment.pk})).status_code == 200


def test_a_review_under_a_proposed_decision_still_waits(assignment, programme_admin):
    _confirm(assignment.application, programme_admin, confirmed=False)
    assert [a.pk for a in selectors.reviewer_home(assignment.reviewer).to_score] == [assignment.pk]
