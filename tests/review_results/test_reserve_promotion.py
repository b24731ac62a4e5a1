"""Promotion from the reserve list: the amount offered is the one the confirmed decision says
the reserve "would be funded with if promoted"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from awards.services import award_funding, budget_left, cancel_award
from results.models import ApplicationResult, Decision
from results.services import (
    change_decision,
    confirm_decisions,
    propose_funding_line,
    release_decisions,
)
from tests.factories.results import ensure_email_templates, reviewed_application

M = 1_000_000


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings,
        tmp_path,
        ["applications/decision", "applications/status_changed", "results/reserve_offer"],
    )


def _ranked(track, organization, requests):
    apps = []
    for rank, requested in enumerate(requests, start=1):
        app = reviewed_application(track, budget_requested=requested, organization=organization)
        ApplicationResult.objects.create(
            application=app, track=track, official_score=Decimal(95 - rank), rank=rank
        )
        apps.append(app)
    return apps


@pytest.mark.django_db
def test_a_promoted_reserve_gets_the_amount_its_confirmed_decision_says(
    planning_track, applicant, kind_staff, programme_admin
):
    # 800 M: ranks 1–2 selected at 400 M; rank 3 (asks 500 M) goes to the reserve list, where
    # staff fix what it would be funded with if promoted at 350 M (reduced scope), with a
    # reason; the programme admin confirms that and the decisions are released.
    planning_track.total_budget, planning_track.budget_floor = 800 * M, 300 * M
    planning_track.budget_ceiling = 500 * M
    planning_track.save()
    apps = _ranked(planning_track, applicant.organizations.first(), [400 * M, 400 * M, 500 * M])
    propose_funding_line(track=planning_track, actor=kind_staff)
    reserve = Decision.objects.get(application=apps[2])
    assert (reserve.outcome, reserve.amount) == ("reserve", 500 * M)
    change_decision(
        decision=reserve,
        outcome="reserve",
        amount=350 * M,
        reason="Funded with a reduced scope if a place becomes free.",
        actor=kind_staff,
    )
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)

    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    _award, promoted = cancel_award(award=award, reason="City withdrew", actor=kind_staff)

    promoted.refresh_from_db()
    assert promoted.application_id == apps[2].pk
    # The confirmed "if promoted" amount, not its request capped at the ceiling (500 M): the
    # remaining 50 M stay in the budget.
    assert (promoted.outcome, promoted.amount) == ("selected", 350 * M)
    assert budget_left(planning_track) == 50 * M
