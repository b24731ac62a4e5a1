"""An application on the board without an official score (no review submitted: a result row
with no figures) is not fundable, so the proposal rejects it (docs/scoring.md, "Selection
within budget"). Left out of the proposal it had no decision at all: the release told every
other applicant of the call and left this one "under review" for ever, and nothing on the
selection page said so."""

from __future__ import annotations

import pytest

from applications.models import Application
from applications.services import withdraw_application
from notifications.models import Message
from results.aggregation import aggregate_track
from results.models import Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.factories.accounts import UserFactory
from tests.factories.results import (
    ensure_email_templates,
    make_criteria,
    review_totals,
    reviewed_application,
)

pytestmark = pytest.mark.django_db
M = 1_000_000


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


def _scored_and_unscored(track, applicant):
    """Two applications of the applicant's organisation on the board, aggregated: one scored by
    three reviewers, one with no review submitted (a result row with no figures)."""
    track.total_budget = 800 * M
    track.budget_floor, track.budget_ceiling = 300 * M, 400 * M
    track.save()
    (criterion,) = make_criteria(track, ("overall", 100, None, 1))
    org = applicant.organizations.first()
    scored = reviewed_application(track, budget_requested=400 * M, organization=org)
    review_totals(scored, criterion, [90, 88, 86], [UserFactory() for _ in range(3)])
    unscored = reviewed_application(track, budget_requested=400 * M, organization=org)
    aggregate_track(track=track)
    assert unscored.result.rank is None  # on the board, no figures
    return scored, unscored


def test_an_application_without_a_score_is_rejected_and_told_at_release(
    planning_track, applicant, kind_staff, programme_admin
):
    scored, unscored = _scored_and_unscored(planning_track, applicant)

    propose_funding_line(track=planning_track, actor=kind_staff)
    decision = Decision.objects.get(application=unscored)
    assert (decision.outcome, decision.amount, decision.reserve_rank) == ("rejected", None, None)

    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(call=planning_track.call, actor=programme_admin)
    unscored.refresh_from_db()
    assert unscored.status == Application.Status.REJECTED
    told = Message.objects.filter(
        template="applications/decision", recipient=applicant, channel="email"
    )
    assert sorted(m.context["reference"] for m in told) == sorted(
        [scored.reference, unscored.reference]
    )


def test_an_application_reviewed_while_still_eligible_is_released_with_the_others(
    planning_track, applicant, kind_staff, programme_admin
):
    """Screened eligible after the review started, it can be assigned and scored at once
    (``Application.ASSIGNABLE_STATUSES``) without anyone starting the review again: it is
    ranked and decided like the others, and the release must move it too, not fail the whole
    call on "eligible → selected"."""
    planning_track.total_budget = 800 * M
    planning_track.budget_floor, planning_track.budget_ceiling = 300 * M, 400 * M
    planning_track.save()
    (criterion,) = make_criteria(planning_track, ("overall", 100, None, 1))
    org = applicant.organizations.first()
    reviewers = [UserFactory() for _ in range(3)]
    under_review = reviewed_application(planning_track, budget_requested=400 * M, organization=org)
    late = reviewed_application(
        planning_track,
        budget_requested=400 * M,
        organization=org,
        status=Application.Status.ELIGIBLE,
    )
    review_totals(under_review, criterion, [90, 88, 86], reviewers)
    review_totals(late, criterion, [80, 82, 84], reviewers)
    aggregate_track(track=planning_track)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)

    assert release_decisions(call=planning_track.call, actor=programme_admin) == 2
    late.refresh_from_db()
    assert late.status == Application.Status.SELECTED
    assert Message.objects.filter(
        template="applications/decision", channel="email", context__reference=late.reference
    ).exists()


def test_an_unscored_application_withdrawn_after_the_aggregation_gets_no_decision(
    planning_track, applicant, kind_staff, programme_admin
):
    """A result row outlives an application that left the review after the aggregation
    (withdrawn, screened ineligible again) until the aggregation runs again: such an
    application gets no decision, or the release of the whole call would fail on its move to
    "rejected" (results.services.results_in_ranking_order)."""
    scored, unscored = _scored_and_unscored(planning_track, applicant)
    withdraw_application(application=unscored, actor=applicant, reason="We found other funds")
    propose_funding_line(track=planning_track, actor=kind_staff)
    assert not Decision.objects.filter(application=unscored).exists()

    confirm_decisions(track=planning_track, actor=programme_admin)
    assert release_decisions(call=planning_track.call, actor=programme_admin) == 1
    unscored.refresh_from_db()
    scored.refresh_from_db()
    assert unscored.status == Application.Status.WITHDRAWN
    assert scored.status == Application.Status.SELECTED
