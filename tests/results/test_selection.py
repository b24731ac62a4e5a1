"""The funding line against hand-made budgets, staff changes, confirmation and release."""

from decimal import Decimal

import pytest

from accounts.models import AuditEvent
from applications.models import Application
from core.domain import DomainError
from notifications.models import Message
from results.models import ApplicationResult, Decision
from results.services import (
    change_decision,
    confirm_decisions,
    plan_funding_line,
    propose_funding_line,
    release_decisions,
)
from tests.factories.results import ensure_email_templates, reviewed_application

M = 1_000_000


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


def test_plan_exact_fit_skip_and_reserve():
    plan = plan_funding_line(
        ranked=[
            (1, True, 500 * M),  # selected, 700 left
            (2, True, 400 * M),  # selected, 300 left
            (3, True, 450 * M),  # does not fit → reserve 1
            (4, True, 300 * M),  # fits exactly → selected, 0 left
            (5, False, 300 * M),  # below a threshold → rejected
            (6, True, 200 * M),  # raised to the floor, no room → reserve 2
        ],
        budget=1_200 * M,
        floor=300 * M,
        ceiling=500 * M,
    )
    assert plan == {
        1: ("selected", 500 * M, None),
        2: ("selected", 400 * M, None),
        3: ("reserve", 450 * M, 1),
        4: ("selected", 300 * M, None),
        5: ("rejected", None, None),
        6: ("reserve", 300 * M, 2),
    }


def test_plan_caps_request_at_ceiling():
    plan = plan_funding_line(
        ranked=[(1, True, 900 * M)], budget=1_000 * M, floor=300 * M, ceiling=500 * M
    )
    assert plan == {1: ("selected", 500 * M, None)}


@pytest.fixture
def ranked_track(planning_track, applicant):
    planning_track.total_budget = 1_200 * M
    planning_track.save()
    org = applicant.organizations.first()
    apps = []
    specs = [
        (500, "85.00", []),
        (400, "82.00", []),
        (450, "80.00", []),
        (300, "78.00", []),
        (300, "60.00", ["below_overall_threshold"]),
        (200, "75.00", ["below_criterion_threshold:feasibility", "spread"]),
        (200, "74.00", ["spread"]),
    ]
    for rank, (req, score, flags) in enumerate(specs, start=1):
        app = reviewed_application(planning_track, budget_requested=req * M, organization=org)
        ApplicationResult.objects.create(
            application=app,
            track=planning_track,
            official_score=Decimal(score),
            rank=rank,
            flags=flags,
            reviewer_count=5,
        )
        apps.append(app)
    return planning_track, apps


def outcomes(track):
    return [
        (d.application_id, d.outcome, d.amount, d.reserve_rank)
        for d in Decision.objects.filter(track=track).order_by("application_id")
    ]


def test_propose_funding_line_writes_decisions(ranked_track, kind_staff):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    assert outcomes(track) == [
        (a[0].pk, "selected", 500 * M, None),
        (a[1].pk, "selected", 400 * M, None),
        (a[2].pk, "reserve", 450 * M, 1),
        (a[3].pk, "selected", 300 * M, None),
        (a[4].pk, "rejected", None, None),
        (a[5].pk, "rejected", None, None),
        (a[6].pk, "reserve", 300 * M, 2),
    ]
    assert all(d.proposed_outcome == d.outcome for d in Decision.objects.all())
    # Nothing is visible to applicants yet: statuses unchanged, nobody told.
    assert set(Application.objects.values_list("status", flat=True)) == {"under_review"}
    assert not Message.objects.exists()


def test_propose_funding_line_rerun_replaces_unconfirmed(ranked_track, kind_staff):
    track, _ = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    first = outcomes(track)
    propose_funding_line(track=track, actor=kind_staff)
    assert outcomes(track) == first


def test_propose_funding_line_without_results_refused(planning_track, kind_staff):
    with pytest.raises(DomainError, match="aggregation"):
        propose_funding_line(track=planning_track, actor=kind_staff)


def test_propose_funding_line_other_secretariat_refused(ranked_track, kaia_staff):
    track, _ = ranked_track
    with pytest.raises(DomainError):
        propose_funding_line(track=track, actor=kaia_staff)
    assert not Decision.objects.exists()


def test_change_decision_requires_reason_and_audits(ranked_track, kind_staff):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.get(application=a[3])
    with pytest.raises(DomainError) as exc:
        change_decision(decision=decision, outcome="rejected", reason="  ", actor=kind_staff)
    assert exc.value.field == "reason"
    change_decision(
        decision=decision, outcome="rejected", reason="Site not available", actor=kind_staff
    )
    decision.refresh_from_db()
    assert (decision.outcome, decision.proposed_outcome, decision.amount) == (
        "rejected",
        "selected",
        None,
    )
    event = AuditEvent.objects.get(action="change")
    assert event.detail["reason"] == "Site not available"
    assert (event.old_value, event.new_value) == ("selected", "rejected")


def test_change_decision_to_reserve_keeps_the_amount_it_would_be_funded_with(
    ranked_track, kind_staff
):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    selected = Decision.objects.get(application=a[1])  # 400 M selected
    change_decision(decision=selected, outcome="reserve", reason="Land", actor=kind_staff)
    selected.refresh_from_db()
    assert (selected.outcome, selected.amount) == ("reserve", 400 * M)
    rejected = Decision.objects.get(application=a[4])  # below threshold: rejected, no amount
    assert rejected.amount is None
    change_decision(decision=rejected, outcome="reserve", reason="Appeal", actor=kind_staff)
    rejected.refresh_from_db()
    # The request (300 M) within the track's floor and ceiling.
    assert (rejected.outcome, rejected.amount) == ("reserve", 300 * M)


def test_change_decision_over_budget_refused(ranked_track, kind_staff):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.get(application=a[2])
    with pytest.raises(DomainError, match="total budget"):
        change_decision(decision=decision, outcome="selected", reason="Strong", actor=kind_staff)


def test_change_decision_amount_outside_range_refused(ranked_track, kind_staff):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.get(application=a[0])
    with pytest.raises(DomainError) as exc:
        change_decision(
            decision=decision, outcome="selected", amount=600 * M, reason="More", actor=kind_staff
        )
    assert exc.value.field == "amount"


@pytest.mark.parametrize("amount", [1, 299 * M, 501 * M, 99999999999999999999])
@pytest.mark.parametrize("outcome", ["selected", "reserve"])
def test_change_decision_amount_outside_floor_and_ceiling_refused_for_any_funded_outcome(
    ranked_track, kind_staff, outcome, amount
):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.get(application=a[3])  # selected, 300 M
    with pytest.raises(DomainError) as exc:
        change_decision(
            decision=decision, outcome=outcome, amount=amount, reason="Change", actor=kind_staff
        )
    assert exc.value.field == "amount"
    assert "between KRW 300,000,000 and KRW 500,000,000" in exc.value.message
    decision.refresh_from_db()
    assert (decision.outcome, decision.amount) == ("selected", 300 * M)


def test_change_decision_reserve_within_range_kept(ranked_track, kind_staff):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.get(application=a[3])
    change_decision(
        decision=decision, outcome="reserve", amount=350 * M, reason="Land", actor=kind_staff
    )
    decision.refresh_from_db()
    assert (decision.outcome, decision.amount) == ("reserve", 350 * M)


def test_confirm_decisions_only_programme_admin(ranked_track, kind_staff, programme_admin):
    track, _ = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    with pytest.raises(DomainError):
        confirm_decisions(track=track, actor=kind_staff)
    assert confirm_decisions(track=track, actor=programme_admin) == 7
    assert not Decision.objects.filter(confirmed_at__isnull=True).exists()


def test_release_unconfirmed_refused(ranked_track, kind_staff, programme_admin):
    track, _ = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    with pytest.raises(DomainError, match="not confirmed"):
        release_decisions(track=track, actor=programme_admin)
    assert not Decision.objects.filter(released_at__isnull=False).exists()


def test_release_moves_applications_and_notifies(ranked_track, kind_staff, programme_admin):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    confirm_decisions(track=track, actor=programme_admin)
    assert release_decisions(call=track.call, actor=programme_admin) == 7
    statuses = dict(Application.objects.values_list("id", "status"))
    assert [statuses[x.pk] for x in a] == [
        "selected",
        "selected",
        "reserve",
        "selected",
        "rejected",
        "rejected",
        "reserve",
    ]
    released = set(Decision.objects.values_list("released_at", flat=True))
    assert len(released) == 1 and None not in released
    track.call.refresh_from_db()
    assert track.call.decisions_released_at == released.pop()
    messages = Message.objects.filter(template="applications/decision")
    assert messages.count() == 7 * 2  # e-mail and in-app, one applicant member
    assert {m.context["outcome"] for m in messages} == {"selected", "reserve", "rejected"}


def test_release_summary_has_no_reviewer_names(
    planning_track, kind_staff, programme_admin, applicant
):
    from tests.factories import UserFactory
    from tests.factories.results import make_criteria, review_totals

    planning_track.min_reviewers = 3
    planning_track.save()
    (crit,) = make_criteria(planning_track, ("overall", 100, None, 1))
    app = reviewed_application(planning_track, organization=applicant.organizations.first())
    reviewers = [UserFactory(name=f"Reviewer Person {i}") for i in range(3)]
    review_totals(app, crit, [80, 85, 90], reviewers)
    from results.aggregation import aggregate_track

    aggregate_track(track=planning_track, actor=kind_staff)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    message = Message.objects.filter(template="applications/decision").first()
    assert "committed city" in message.context["committee_summary"]
    for reviewer in reviewers:
        assert reviewer.name not in message.body
        assert reviewer.name not in message.context["committee_summary"]
        assert reviewer.email not in message.body


def test_decision_invisible_to_applicant_until_released(
    ranked_track, kind_staff, programme_admin, applicant, client
):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    confirm_decisions(track=track, actor=programme_admin)
    client.force_login(applicant)
    url = a[0].get_absolute_url()
    before = client.get(url)
    assert before.status_code == 200
    page = before.content.decode()
    assert "Selected" not in page and "Reserve list" not in page
    a[0].refresh_from_db()
    assert a[0].status == "under_review"
    release_decisions(track=track, actor=programme_admin)
    after = client.get(url).content.decode()
    assert "Selected" in after


def test_decision_invisible_to_applicant_api_until_released(
    ranked_track, kind_staff, programme_admin, applicant, client
):
    track, a = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    confirm_decisions(track=track, actor=programme_admin)
    client.force_login(applicant)
    decisions = client.get("/api/v1/decisions/")
    assert decisions.status_code in (200, 403)
    if decisions.status_code == 200:
        assert decisions.json()["results"] == []
    listing = client.get("/api/v1/applications/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert a[0].reference in body
    assert '"selected"' not in body and '"reserve"' not in body and '"rejected"' not in body
    release_decisions(track=track, actor=programme_admin)
    assert '"selected"' in client.get("/api/v1/applications/").content.decode()
