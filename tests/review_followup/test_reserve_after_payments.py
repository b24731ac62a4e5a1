"""A cancelled award frees only what was not paid: money already paid to its project stays
spent, so the reserve list is never offered funding the track's budget no longer has."""

from __future__ import annotations

import pytest

from awards.models import Award
from awards.services import award_funding, budget_left, cancel_award
from results.models import Decision
from tests.awards.test_lifecycle import _release
from tests.factories.funding import paid_under_service_contract

pytestmark = pytest.mark.django_db

M = 1_000_000


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    from tests.factories.results import ensure_email_templates

    ensure_email_templates(
        settings,
        tmp_path,
        ["applications/decision", "applications/status_changed", "results/reserve_offer"],
    )


def test_paid_money_of_a_cancelled_award_is_not_offered_again(
    planning_track, applicant, kind_staff, programme_admin, contractor
):
    # 800 M in all: ranks 1 and 2 selected at 400 M each, ranks 3 and 4 on the reserve list.
    apps = _release(
        planning_track, applicant.organizations.first(), staff=kind_staff, admin=programme_admin
    )
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    Award.objects.filter(pk=award.pk).update(status=Award.Status.IN_PROGRESS)
    paid_under_service_contract(award.project, contractor_user=contractor, amount_krw=120 * M)
    award.refresh_from_db()
    _award, promoted = cancel_award(award=award, reason="The city withdrew.", actor=kind_staff)
    # 800 M − 400 M still to award to rank 2 − 120 M already paid = 280 M, below the 300 M
    # floor: nobody can be funded from what is left.
    assert promoted is None, f"offered KRW {promoted.amount:,} the budget no longer has"
    assert budget_left(planning_track) == 280 * M
    assert not Decision.objects.filter(
        application=apps[2], outcome=Decision.Outcome.SELECTED
    ).exists()
