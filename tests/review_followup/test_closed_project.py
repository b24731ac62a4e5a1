"""A project that has closed (completed or cancelled) takes no more work, and a project is not
completed while something of it is still waiting: a payment request under way (which could
never be paid once the project is closed) or a deliverable sent and not reviewed."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from awards import funding
from awards.contractor_selection import review_deliverable, submit_deliverable
from awards.lifecycle import AwardNotReady, move_award, next_step_problems
from awards.models import Award, Deliverable, PaymentRequest, Tranche
from core.domain import DomainError
from projects.models import Project
from tests.awards.test_funding import accept, ask, paid, pdf, tranche

pytestmark = pytest.mark.django_db

W = Award.Status
RS = PaymentRequest.Status
M = 1_000_000


def _in_progress(project):
    Award.objects.filter(project=project).update(status=W.IN_PROGRESS)
    return Award.objects.get(project=project)


def _ready_to_complete(project, contract, contractor, kind_staff, programme_admin, second_admin):
    """Final report accepted, tranches 1 (on signature) and 3 (the final payment) paid; tranche
    2 (after the interim report) still to decide."""
    award = _in_progress(project)
    paid(ask(contract, 1, contractor), kind_staff, programme_admin)
    accept(project, Deliverable.Kind.INTERIM)
    accept(project, Deliverable.Kind.FINAL)
    request = ask(contract, 3, contractor, lines={"personnel": 60 * 10**6, "workshops": 60 * 10**6})
    paid(request, kind_staff, programme_admin, reference="KEXIM-0003")
    return award


def test_completion_refused_while_a_payment_request_is_under_way(
    project, contract, contractor, kind_staff, programme_admin, second_admin
):
    award = _ready_to_complete(
        project, contract, contractor, kind_staff, programme_admin, second_admin
    )
    second = ask(
        contract, 2, contractor, lines={"personnel": 80 * M, "travel": 40 * M, "workshops": 40 * M}
    )
    second = funding.check_payment(request=second, actor=kind_staff)
    second = funding.approve_payment(request=second, actor=programme_admin)
    assert next_step_problems(award, W.COMPLETED), "an approved payment is still to be made"
    with pytest.raises(AwardNotReady):
        move_award(award=award, to=W.COMPLETED, actor=kind_staff)
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
    # ... so the approved payment can still be recorded.
    funding.record_payment(
        request=second,
        paid_on=second.approved_at.date(),
        payment_reference="KEXIM-0002",
        actor=second_admin,
    )
    assert tranche(contract, 2).status == Tranche.Status.PAID
    assert move_award(award=award, to=W.COMPLETED, actor=kind_staff).status == W.COMPLETED


@pytest.mark.parametrize("status", [RS.REQUESTED, RS.CHECKED, RS.RETURNED])
def test_completion_refused_with_any_open_request(
    project, contract, contractor, kind_staff, programme_admin, second_admin, status
):
    award = _ready_to_complete(
        project, contract, contractor, kind_staff, programme_admin, second_admin
    )
    second = ask(contract, 2, contractor, lines={"personnel": 80 * 10**6})
    PaymentRequest.objects.filter(pk=second.pk).update(status=status)
    problems = next_step_problems(award, W.COMPLETED)
    assert any("Tranche 2" in p for p in problems), problems


def test_completion_refused_while_a_deliverable_waits_for_its_review(
    project, contract, contractor, kind_staff, programme_admin, second_admin
):
    award = _ready_to_complete(
        project, contract, contractor, kind_staff, programme_admin, second_admin
    )
    Deliverable.objects.filter(project=project, kind=Deliverable.Kind.INTERIM).update(
        status=Deliverable.Status.PENDING
    )
    interim = Deliverable.objects.get(project=project, kind=Deliverable.Kind.INTERIM)
    submit_deliverable(deliverable=interim, uploaded=pdf("interim.pdf"), actor=contractor)
    with pytest.raises(AwardNotReady) as exc:
        move_award(award=award, to=W.COMPLETED, actor=kind_staff)
    assert any("review" in p for p in exc.value.problems), exc.value.problems
    review_deliverable(deliverable=interim, accept=True, feedback="", actor=kind_staff)
    funding.withhold_tranche(tranche=tranche(contract, 2), reason="Late.", actor=second_admin)
    assert move_award(award=award, to=W.COMPLETED, actor=kind_staff).status == W.COMPLETED


@pytest.mark.parametrize("closed", [Project.Status.COMPLETED, Project.Status.CANCELLED])
def test_no_deliverable_is_sent_to_a_closed_project(project, contractor, closed):
    Project.objects.filter(pk=project.pk).update(status=closed)
    interim = Deliverable.objects.get(project=project, kind=Deliverable.Kind.INTERIM)
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError):
        submit_deliverable(deliverable=interim, uploaded=pdf("late.pdf"), actor=contractor)
    interim.refresh_from_db()
    assert interim.status == Deliverable.Status.PENDING
    assert not interim.versions.exists()
    assert AuditEvent.objects.count() == before
    assert not contractor.has_perm("awards.submit_deliverable", interim)


def test_cancelled_award_takes_no_deliverable_review(project, contractor, kind_staff):
    interim = Deliverable.objects.get(project=project, kind=Deliverable.Kind.INTERIM)
    submit_deliverable(deliverable=interim, uploaded=pdf("interim.pdf"), actor=contractor)
    award = Award.objects.get(project=project)
    move_award(award=award, to=W.CANCELLED, actor=kind_staff, reason="Partner withdrew.")
    with pytest.raises(DomainError):
        review_deliverable(deliverable=interim, accept=True, feedback="", actor=kind_staff)
    interim.refresh_from_db()
    assert interim.status == Deliverable.Status.SUBMITTED
    assert not kind_staff.has_perm("awards.review_deliverable", interim)


def test_deliverable_page_offers_no_upload_on_a_closed_project(client, project, contractor):
    Project.objects.filter(pk=project.pk).update(status=Project.Status.COMPLETED)
    interim = Deliverable.objects.get(project=project, kind=Deliverable.Kind.INTERIM)
    client.force_login(contractor)
    url = f"/calls/deliverables/{interim.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["can_upload"]
    response = client.post(url, {"action": "upload", "file": pdf("late.pdf")})
    assert response.status_code in (400, 403, 409)
    interim.refresh_from_db()
    assert interim.status == Deliverable.Status.PENDING


def test_completion_refused_while_an_earlier_tranche_is_neither_paid_nor_withheld(
    project, contract, contractor, kind_staff, programme_admin, second_admin
):
    """Tranche 2 (after the interim report) was never asked for: a completed project would
    keep it "scheduled" for ever, neither paid nor refused."""
    award = _ready_to_complete(
        project, contract, contractor, kind_staff, programme_admin, second_admin
    )
    problems = next_step_problems(award, W.COMPLETED)
    assert any("Tranche 2" in p and "withheld" in p for p in problems), problems
    assert not any("Tranche 1" in p or "Tranche 3" in p for p in problems), problems
    funding.withhold_tranche(
        tranche=tranche(contract, 2), reason="Interim report never delivered.", actor=second_admin
    )
    assert next_step_problems(award, W.COMPLETED) == []


def test_completion_refused_while_an_amendment_waits_for_its_decision(
    project, contract, contractor, kind_staff, programme_admin, second_admin
):
    """Once completed, an amendment could never be approved (the project is no longer active):
    it would stay "requested" on a closed record."""
    award = _ready_to_complete(
        project, contract, contractor, kind_staff, programme_admin, second_admin
    )
    funding.withhold_tranche(tranche=tranche(contract, 2), reason="Late.", actor=second_admin)
    amendment = funding.request_amendment(
        agreement=contract,
        kind="scope",
        changes={"scope": "Also the training of city staff."},
        reason="The city asked for it.",
        actor=contractor,
    )
    with pytest.raises(AwardNotReady) as exc:
        move_award(award=award, to=W.COMPLETED, actor=kind_staff)
    assert any(contract.reference in p for p in exc.value.problems), exc.value.problems
    funding.decide_amendment(amendment=amendment, approve=True, note="", actor=programme_admin)
    assert move_award(award=award, to=W.COMPLETED, actor=kind_staff).status == W.COMPLETED
