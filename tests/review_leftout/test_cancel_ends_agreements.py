"""Cancelling a funded project's award ends its agreements in the same service call: what they
plan is then what they paid, so the execution figures never plan more for a cancelled project
than it was paid (and than the award still commits: ``budget_left``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.audit import audit_events_for
from awards import funding
from awards.execution import paid_total, project_execution
from awards.models import Agreement, Award
from awards.services import budget_left, cancel_award
from reporting.execution import Grouping, execution_table
from tests.api.conftest import client_for, url
from tests.awards.test_funding import M, ask, paid

pytestmark = pytest.mark.django_db

REASON = "The city withdrew from the programme."


@pytest.fixture
def paid_then_draft(project, contract, contractor, kind_staff, programme_admin, partner):
    """The service contract (400 M planned) paid its first tranche (120 M); a grant agreement
    with the partner is still a draft with a budget of its own planned."""
    paid(ask(contract, 1, contractor), kind_staff, programme_admin)
    grant = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        actor=kind_staff,
    )
    return contract, grant


def _assert_ended_and_plan_equals_paid(project, agreements, actor, programme_admin):
    for agreement in agreements:
        agreement.refresh_from_db()
        assert agreement.status == Agreement.Status.TERMINATED
        assert agreement.terminated_reason == REASON
        assert (
            audit_events_for(agreement)
            .filter(action="status", new_value=Agreement.Status.TERMINATED, actor=actor)
            .exists()
        )
    assert paid_total(project) == 120 * M
    assert project_execution(project).planned == 120 * M
    (row,) = execution_table(programme_admin, {"group": Grouping.PROJECT}).rows
    assert (row.awarded, row.planned, row.paid) == (120 * M, 120 * M, 120 * M)
    track = Award.objects.get(project=project).application.track
    assert track.total_budget - budget_left(track) == 120 * M


def test_cancelling_on_the_staff_page_ends_the_agreements(
    client, project, paid_then_draft, kind_staff, programme_admin
):
    award = Award.objects.get(project=project)
    client.force_login(kind_staff)
    response = client.post(
        reverse(
            "staff_awards:award_cancel",
            kwargs={"track_id": award.application.track_id, "pk": award.pk},
        ),
        {"reason": REASON},
    )
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.status == Award.Status.CANCELLED
    _assert_ended_and_plan_equals_paid(project, paid_then_draft, kind_staff, programme_admin)


def test_cancelling_through_the_api_ends_the_agreements(
    project, paid_then_draft, kind_staff, programme_admin
):
    award = Award.objects.get(project=project)
    response = client_for(kind_staff).post(
        url("award", award, "move"), {"to": "cancelled", "reason": REASON}, format="json"
    )
    assert response.status_code == 200, response.content
    _assert_ended_and_plan_equals_paid(project, paid_then_draft, kind_staff, programme_admin)


def test_the_cancelled_projects_agreement_page_says_it_ended(
    client, project, paid_then_draft, kind_staff, contractor
):
    cancel_award(award=Award.objects.get(project=project), reason=REASON, actor=kind_staff)
    contract, _grant = paid_then_draft
    client.force_login(contractor)
    body = client.get(reverse("awards:agreement", args=[contract.pk])).content.decode()
    assert REASON in body
