"""reviews 0010: the reviews submitted before it are given the copy of their points the
scoring service now writes with the total; drafts are left without one."""

from decimal import Decimal

import pytest

from reviews.models import Assignment, Score
from tests.factories import AssignmentFactory, CriterionFactory
from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reviews", "0009_review_settings")]


def test_submitted_reviews_are_given_their_points_by_criterion():
    submitted = AssignmentFactory(
        status=Assignment.Status.SUBMITTED, total=Decimal("27.5"), submitted_at="2026-05-01T10:00Z"
    )
    draft = AssignmentFactory(application=submitted.application)
    site, plan = (
        CriterionFactory(track=submitted.application.track, max_points=20) for _ in range(2)
    )
    for assignment, points in ((submitted, ("12.5", "15")), (draft, ("7", None))):
        for criterion, value in zip((site, plan), points, strict=True):
            Score.objects.create(
                assignment=assignment,
                criterion=criterion,
                points=None if value is None else Decimal(value),
            )
    try:
        migrate(BEFORE)  # the column is dropped: the rows are as an older release stored them
        new = migrate(latest())
        rows = new.get_model("reviews", "Assignment").objects
        assert rows.get(pk=submitted.pk).points_by_criterion == {
            str(site.pk): 125,
            str(plan.pk): 150,
        }
        assert rows.get(pk=draft.pk).points_by_criterion is None
    finally:
        migrate(latest())
