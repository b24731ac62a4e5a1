"""The proposal now decides every result row of the track, the unscored ones too
(results.services.results_in_ranking_order). A result row outlives an application that left
the review after the aggregation (withdrawn by its applicant, screened ineligible again) until
the aggregation runs again; such an application must get no decision, or the release of the
whole call fails on its move to "rejected" (the reason withdrawal is refused once a decision
exists: applications.selectors.can_be_withdrawn)."""

from __future__ import annotations

import pytest

from applications.models import Application
from applications.services import withdraw_application
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


def test_an_unscored_application_withdrawn_after_the_aggregation_gets_no_decision(
    planning_track, applicant, kind_staff, programme_admin
):
    planning_track.total_budget = 800 * M
    planning_track.budget_floor, planning_track.budget_ceiling = 300 * M, 400 * M
    planning_track.save()
    (criterion,) = make_criteria(planning_track, ("overall", 100, None, 1))
    org = applicant.organizations.first()
    scored = reviewed_application(planning_track, budget_requested=400 * M, organization=org)
    review_totals(scored, criterion, [90, 88, 86], [UserFactory() for _ in range(3)])
    unscored = reviewed_application(planning_track, budget_requested=400 * M, organization=org)
    aggregate_track(track=planning_track)
    assert unscored.result.rank is None

    withdraw_application(application=unscored, actor=applicant, reason="We found other funds")
    propose_funding_line(track=planning_track, actor=kind_staff)
    assert not Decision.objects.filter(application=unscored).exists()

    confirm_decisions(track=planning_track, actor=programme_admin)
    assert release_decisions(call=planning_track.call, actor=programme_admin) == 1
    unscored.refresh_from_db()
    scored.refresh_from_db()
    assert unscored.status == Application.Status.WITHDRAWN
    assert scored.status == Application.Status.SELECTED
