"""Decisions changed by two staff: a stale decision form, a stale "propose", a stale
"confirm". Each must tell the second actor instead of acting on what they never saw
(``core.concurrency``); a page opened after the change, or a caller that says nothing
(``version`` None), goes through."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.concurrency import StaleEdit
from results.models import ApplicationResult, Decision
from results.services import change_decision, confirm_decisions, propose_funding_line
from tests.factories.results import reviewed_application
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db
M = 1_000_000


@pytest.fixture
def track(planning_track, applicant):
    planning_track.total_budget = 1_200 * M
    planning_track.save()
    org = applicant.organizations.first()
    for rank, (req, score) in enumerate([(500, "85.00"), (400, "82.00"), (450, "80.00")], 1):
        app = reviewed_application(planning_track, budget_requested=req * M, organization=org)
        ApplicationResult.objects.create(
            application=app,
            track=planning_track,
            official_score=Decimal(score),
            rank=rank,
            flags=[],
            reviewer_count=5,
        )
    return planning_track


def test_stale_decision_form_does_not_overwrite_a_colleagues_committee_summary(
    client, track, kind_staff, second_staff
):
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.filter(track=track).order_by("pk").first()
    url = reverse("staff_results:decision", args=[track.pk, decision.pk])
    client.force_login(kind_staff)
    stale = form_data(client.get(url).content.decode(), having="reason")
    # A colleague writes the summary the applicant will read.
    change_decision(
        decision=decision,
        outcome=decision.outcome,
        amount=decision.amount,
        reason="Summary written after the committee meeting.",
        committee_summary="The committee praised the data-sharing plan.",
        actor=second_staff,
    )
    # Staff A, on the page opened before, only lowers the amount.
    stale.update(amount=str(450 * M), reason="Trimmed to fit.")
    response = client.post(url, stale)
    decision.refresh_from_db()
    assert decision.committee_summary == "The committee praised the data-sharing plan.", (
        "the stale form put back the old committee summary, which the applicant would then read "
        f"(answer {response.status_code})"
    )


def test_stale_propose_does_not_wipe_decisions_changed_by_hand(
    client, track, kind_staff, second_staff
):
    url = reverse("staff_results:selection", args=[track.pk])
    client.force_login(kind_staff)
    page = client.get(url).content.decode()  # no proposal yet: no "replace?" question
    stale = form_data(page, having="action")
    assert stale["action"] == "propose"
    # A colleague proposes and then changes one decision by hand, with a reason.
    propose_funding_line(track=track, actor=second_staff)
    decision = Decision.objects.filter(track=track, outcome="reserve").get()
    change_decision(
        decision=decision,
        outcome="rejected",
        amount=None,
        reason="Conflict of interest found in the consortium.",
        actor=second_staff,
    )
    # A's click on the button of the page opened before.
    client.post(url, stale)
    decision = Decision.objects.get(application=decision.application)
    assert decision.outcome == "rejected", (
        "a stale 'Propose the funding line' replaced a colleague's hand-made decision "
        "(and its reason) without asking"
    )


def test_stale_confirm_does_not_confirm_a_change_the_admin_never_saw(
    client, track, kind_staff, programme_admin
):
    propose_funding_line(track=track, actor=kind_staff)
    url = reverse("staff_results:selection", args=[track.pk])
    admin = Client()
    admin.force_login(programme_admin)
    page = admin.get(url).content.decode()
    confirm = form_data(page, having="action", match={"action": "confirm"})
    # The admin's page shows the proposal; meanwhile staff move a reserve into the selection.
    decision = Decision.objects.filter(track=track, outcome="reserve").get()
    change_decision(
        decision=decision,
        outcome="rejected",
        amount=None,
        reason="Changed while the admin was reading.",
        actor=kind_staff,
    )
    admin.post(url, confirm)
    decision.refresh_from_db()
    assert decision.confirmed_at is None, (
        "'Confirm the decisions' confirmed a change made after the admin's page was loaded"
    )


def test_the_stale_decision_page_answers_409_keeps_the_typed_values_and_shows_theirs(
    client, track, kind_staff, second_staff
):
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.filter(track=track).order_by("pk").first()
    url = reverse("staff_results:decision", args=[track.pk, decision.pk])
    client.force_login(kind_staff)
    stale = form_data(client.get(url).content.decode(), having="reason")
    change_decision(
        decision=decision,
        outcome=decision.outcome,
        amount=decision.amount,
        reason="Summary written after the committee meeting.",
        committee_summary="The committee praised the data-sharing plan.",
        actor=second_staff,
    )
    stale.update(amount=str(450 * M), reason="Trimmed to fit.")
    response = client.post(url, stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this decision since you opened it" in page
    assert "The committee praised the data-sharing plan." in page  # theirs, shown
    assert "Trimmed to fit." in page  # ours, kept in the form
    # The form now carries their version: sending it again is a choice made having read theirs.
    again = form_data(page, having="reason")
    assert again["reason"] == "Trimmed to fit." and again["seen_version"] != stale["seen_version"]
    assert client.post(url, again).status_code == 302
    decision.refresh_from_db()
    assert (decision.amount, decision.reason) == (450 * M, "Trimmed to fit.")


def test_a_decision_page_opened_after_the_change_saves(client, track, kind_staff):
    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.filter(track=track).order_by("pk").first()
    url = reverse("staff_results:decision", args=[track.pk, decision.pk])
    client.force_login(kind_staff)
    fresh = form_data(client.get(url).content.decode(), having="reason")
    assert fresh["seen_version"]
    fresh.update(amount=str(450 * M), reason="Trimmed to fit.")
    assert client.post(url, fresh).status_code == 302
    decision.refresh_from_db()
    assert decision.amount == 450 * M


def test_the_service_refuses_a_stale_version_and_takes_none(track, kind_staff, second_staff):
    from results.services import decision_version

    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.filter(track=track, outcome="reserve").get()
    seen = decision_version(decision)
    change_decision(decision=decision, outcome="rejected", reason="Out.", actor=second_staff)
    with pytest.raises(StaleEdit):
        change_decision(
            decision=decision, outcome="reserve", reason="Back.", actor=kind_staff, version=seen
        )
    decision.refresh_from_db()
    assert decision.outcome == "rejected"
    # A caller that does not say what it saw (a script) is not checked.
    change_decision(decision=decision, outcome="reserve", reason="Back.", actor=kind_staff)
    decision.refresh_from_db()
    assert decision.outcome == "reserve"


def test_a_stale_propose_is_refused_with_a_message_and_a_fresh_one_replaces(
    client, track, kind_staff, second_staff
):
    url = reverse("staff_results:selection", args=[track.pk])
    client.force_login(kind_staff)
    stale = form_data(client.get(url).content.decode(), having="action")
    propose_funding_line(track=track, actor=second_staff)
    response = client.post(url, stale, follow=True)
    assert "were proposed or changed since you opened the page" in response.content.decode()
    assert not Decision.objects.filter(track=track, decided_by=kind_staff).exists()
    # The list shown again: proposing from it (the "replace?" question answered) replaces.
    fresh = form_data(response.content.decode(), having="action", match={"action": "propose"})
    client.post(url, fresh)
    assert Decision.objects.filter(track=track, decided_by=kind_staff).count() == 3


def test_a_stale_confirm_is_refused_and_a_fresh_one_confirms(
    client, track, kind_staff, programme_admin
):
    propose_funding_line(track=track, actor=kind_staff)
    url = reverse("staff_results:selection", args=[track.pk])
    admin = Client()
    admin.force_login(programme_admin)
    confirm = form_data(
        admin.get(url).content.decode(), having="action", match={"action": "confirm"}
    )
    decision = Decision.objects.filter(track=track, outcome="reserve").get()
    change_decision(decision=decision, outcome="rejected", reason="Meanwhile.", actor=kind_staff)
    response = admin.post(url, confirm, follow=True)
    assert "Review the list again, then confirm." in response.content.decode()
    assert not Decision.objects.filter(track=track, confirmed_at__isnull=False).exists()
    again = form_data(response.content.decode(), having="action", match={"action": "confirm"})
    admin.post(url, again)
    assert not Decision.objects.filter(track=track, confirmed_at__isnull=True).exists()


def test_a_confirmation_by_another_admin_is_no_change_to_the_list(
    track, kind_staff, programme_admin
):
    from results.services import decisions_version

    propose_funding_line(track=track, actor=kind_staff)
    seen = decisions_version(Decision.objects.filter(track=track))
    confirm_decisions(track=track, actor=programme_admin)
    assert decisions_version(Decision.objects.filter(track=track)) == seen


def test_the_api_answers_409_to_a_change_of_a_decision_changed_since(
    track, kind_staff, second_staff
):
    from tests.api.conftest import client_for, url

    propose_funding_line(track=track, actor=kind_staff)
    decision = Decision.objects.filter(track=track, outcome="reserve").get()
    api = client_for(kind_staff)
    seen = api.get(url("decision", decision)).json()["version"]
    change_decision(decision=decision, outcome="rejected", reason="Out.", actor=second_staff)
    response = api.post(
        url("decision", decision, "change"),
        {"outcome": "reserve", "reason": "Back.", "version": seen},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "changed_meanwhile", (
        response.content
    )
    decision.refresh_from_db()
    assert decision.outcome == "rejected"
