"""A review reopened and resubmitted after the funding line was proposed re-runs the
aggregation: when the new ranking moves an application across the line, the proposal no
longer follows the ranking. The selection page must say so, and a programme admin must not
confirm the old proposal unseen (no reason is recorded for the difference)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.domain import DomainError
from results.aggregation import aggregate_track
from results.models import ApplicationResult, Decision
from results.services import change_decision, confirm_decisions, propose_funding_line
from reviews.models import Assignment
from tests.factories.accounts import UserFactory
from tests.factories.results import make_criteria, review_totals, reviewed_application

pytestmark = pytest.mark.django_db
M = 1_000_000


@pytest.fixture
def proposed(planning_track, applicant, kind_staff):
    """Budget for one: A (90) selected, B (80) on the reserve list, both asking 400 M."""
    planning_track.total_budget = 400 * M
    planning_track.budget_floor, planning_track.budget_ceiling = 300 * M, 400 * M
    planning_track.save()
    (criterion,) = make_criteria(planning_track, ("overall", 100, None, 1))
    org = applicant.organizations.first()
    reviewers = [UserFactory() for _ in range(3)]
    a = reviewed_application(planning_track, budget_requested=400 * M, organization=org)
    b = reviewed_application(planning_track, budget_requested=400 * M, organization=org)
    review_totals(a, criterion, [90, 90, 90], reviewers)
    review_totals(b, criterion, [80, 80, 80], reviewers)
    aggregate_track(track=planning_track)
    propose_funding_line(track=planning_track, actor=kind_staff)
    assert Decision.objects.get(application=a).outcome == "selected"
    assert Decision.objects.get(application=b).outcome == "reserve"
    return planning_track, criterion, a, b


def _rescore(application, totals):
    """What a reopened review resubmitted with other points leaves behind, then the
    re-aggregation it queues."""
    for assignment, total in zip(
        Assignment.objects.filter(application=application).order_by("id"), totals, strict=True
    ):
        Assignment.objects.filter(pk=assignment.pk).update(total=total, points_by_criterion=None)
        assignment.scores.update(points=total)
    aggregate_track(track=application.track)


def test_the_old_proposal_cannot_be_confirmed_once_the_ranking_moved(proposed, programme_admin):
    track, _criterion, a, b = proposed
    _rescore(a, [70, 70, 70])  # A now ranks below B
    assert ApplicationResult.objects.get(application=a).rank == 2

    with pytest.raises(DomainError) as refused:
        confirm_decisions(track=track, actor=programme_admin)
    assert refused.value.code == "ranking_changed"
    assert not Decision.objects.filter(track=track, confirmed_at__isnull=False).exists()


def test_the_selection_page_says_which_applications_the_proposal_no_longer_follows(
    client, proposed, programme_admin
):
    track, _criterion, a, b = proposed
    _rescore(a, [70, 70, 70])
    client.force_login(programme_admin)
    page = client.get(reverse("staff_results:selection", args=[track.pk]))
    assert page.status_code == 200
    warning = page.content.decode()
    assert "The ranking changed since the funding line was proposed" in warning
    assert a.reference in warning and b.reference in warning


def test_a_fresh_proposal_or_a_change_by_hand_settles_it(proposed, kind_staff, programme_admin):
    track, _criterion, a, b = proposed
    _rescore(a, [70, 70, 70])
    propose_funding_line(track=track, actor=kind_staff)
    assert Decision.objects.get(application=b).outcome == "selected"
    assert confirm_decisions(track=track, actor=programme_admin) == 2


def test_staff_may_keep_the_old_outcome_on_purpose_with_a_reason(
    proposed, kind_staff, programme_admin
):
    track, _criterion, a, b = proposed
    _rescore(a, [70, 70, 70])
    change_decision(
        decision=Decision.objects.get(application=a),
        outcome="selected",
        reason="The committee keeps A: the site visit outweighs the rescored review.",
        actor=kind_staff,
    )
    change_decision(
        decision=Decision.objects.get(application=b),
        outcome="reserve",
        reason="Stays on the reserve list behind A.",
        actor=kind_staff,
    )
    assert confirm_decisions(track=track, actor=programme_admin) == 2


def test_a_rerun_that_changes_nothing_leaves_the_proposal_confirmable(proposed, programme_admin):
    track, _criterion, a, _b = proposed
    _rescore(a, [95, 90, 85])  # still first, still selected
    assert confirm_decisions(track=track, actor=programme_admin) == 2


def test_an_application_ranked_after_the_proposal_is_named(proposed, applicant, programme_admin):
    track, criterion, _a, _b = proposed
    late = reviewed_application(
        track, budget_requested=400 * M, organization=applicant.organizations.first()
    )
    review_totals(late, criterion, [85, 85, 85])
    aggregate_track(track=track)
    with pytest.raises(DomainError) as refused:
        confirm_decisions(track=track, actor=programme_admin)
    assert late.reference in str(refused.value)
