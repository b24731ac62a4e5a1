"""The lifecycle after the award (``awards.lifecycle.move_award``): every refusal, the happy path
of a planning and of a demonstration project, and cancelling (payments stopped, reserve
offered). The award's and the project's statuses always move together."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.audit import audit_events_for
from accounts.models import AuditEvent
from awards.contractor_selection import review_deliverable, submit_deliverable
from awards.lifecycle import AwardNotReady, move_award, next_step_problems
from awards.models import Agreement, Award, Deliverable, PaymentRequest, Tranche
from awards.services import advance_award, award_funding, cancel_award, transition_award
from core.domain import DomainError, IllegalTransition
from notifications.models import Message
from projects.models import Project
from results.models import ApplicationResult, Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.applications import pdf_upload
from tests.factories.funding import (
    AgreementFactory,
    PaymentRequestFactory,
    TrancheFactory,
    final_payment,
    signed_agreement,
)
from tests.factories.results import ensure_email_templates, reviewed_application

pytestmark = pytest.mark.django_db

M = 1_000_000
W = Award.Status


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


def _release(track, organization, *, staff, admin, count=4):
    """Ranks 1–2 selected within the budget, the others on the released reserve list."""
    track.total_budget = 800 * M
    track.budget_floor = 300 * M
    track.save()
    apps = []
    for rank in range(1, count + 1):
        app = reviewed_application(track, budget_requested=400 * M, organization=organization)
        ApplicationResult.objects.create(
            application=app, track=track, official_score=Decimal(95 - rank), rank=rank
        )
        apps.append(app)
    propose_funding_line(track=track, actor=staff)
    confirm_decisions(track=track, actor=admin)
    release_decisions(track=track, actor=admin)
    return apps


@pytest.fixture
def apps(planning_track, applicant, kind_staff, programme_admin):
    return _release(
        planning_track, applicant.organizations.first(), staff=kind_staff, admin=programme_admin
    )


@pytest.fixture
def approved(apps, kind_staff):
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    return move_award(award=award, to=W.APPROVED, actor=kind_staff)


@pytest.fixture
def company(contractor):
    return contractor.organizations.first()


def _contracted(award, staff):
    signed_agreement(award.project, kind=Agreement.Kind.GRANT)
    return move_award(award=award, to=W.CONTRACTED, actor=staff)


def _started(award, staff, company):
    award = _contracted(award, staff)
    Project.objects.filter(pk=award.project_id).update(contractor=company)
    signed_agreement(
        award.project,
        kind=Agreement.Kind.SERVICE,
        party=company,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    return move_award(award=award, to=W.IN_PROGRESS, actor=staff)


def _refused(award, to, actor, *, text):
    before = AuditEvent.objects.count()
    with pytest.raises(AwardNotReady) as exc:
        move_award(award=award, to=to, actor=actor)
    assert any(text in problem for problem in exc.value.problems), exc.value.problems
    assert exc.value.code == "not_ready"
    award.refresh_from_db()
    award.project.refresh_from_db()
    assert AuditEvent.objects.count() == before
    return award


# --- Refusals --------------------------------------------------------------------------------


def test_contracted_refused_without_a_signed_grant_agreement(approved, kind_staff):
    AgreementFactory(project=approved.project, kind=Agreement.Kind.GRANT)  # a draft
    award = _refused(approved, W.CONTRACTED, kind_staff, text="grant agreement")
    assert award.status == W.APPROVED


def test_contracted_refused_with_only_a_signed_service_contract(approved, kind_staff, company):
    signed_agreement(approved.project, kind=Agreement.Kind.SERVICE, party=company)
    award = _refused(approved, W.CONTRACTED, kind_staff, text="grant agreement")
    assert award.status == W.APPROVED


def test_start_refused_without_a_contractor(approved, kind_staff):
    award = _contracted(approved, kind_staff)
    award = _refused(award, W.IN_PROGRESS, kind_staff, text="no Korean contractor")
    assert award.status == W.CONTRACTED
    assert award.project.status == Project.Status.ACTIVE


def test_start_refused_without_the_contractors_signed_service_contract(
    approved, kind_staff, company
):
    award = _contracted(approved, kind_staff)
    Project.objects.filter(pk=award.project_id).update(contractor=company)
    AgreementFactory(project=award.project, kind=Agreement.Kind.SERVICE, party=company)  # draft
    award = _refused(award, W.IN_PROGRESS, kind_staff, text="service contract")
    # Signed, but with another company than the project's contractor: still refused.
    Agreement.objects.filter(project=award.project, kind=Agreement.Kind.SERVICE).update(
        status=Agreement.Status.SIGNED,
        signed_on=datetime.date(2026, 1, 1),
        party=OrganizationFactory(name="Someone else", kind="korean_company"),
    )
    award = _refused(award, W.IN_PROGRESS, kind_staff, text="service contract")
    assert award.status == W.CONTRACTED


def test_completion_refused_without_a_contractor(approved, kind_staff, programme_admin):
    """A planning award moved to in progress by the row alone (as data from before the guards
    may be): completing it is still refused while the project has no contractor."""
    award = _contracted(approved, kind_staff)
    award = transition_award(award=award, to=W.IN_PROGRESS, actor=programme_admin)
    award = _refused(award, W.COMPLETED, kind_staff, text="no Korean contractor")
    assert award.status == W.IN_PROGRESS
    assert award.project.status == Project.Status.ACTIVE


def test_completion_refused_before_the_final_report_is_accepted(approved, kind_staff, company):
    award = _started(approved, kind_staff, company)
    final_payment(Agreement.objects.get(project=award.project, kind=Agreement.Kind.SERVICE))
    final = Deliverable.objects.get(project=award.project, kind=Deliverable.Kind.FINAL)
    Deliverable.objects.filter(pk=final.pk).update(status=Deliverable.Status.SUBMITTED)
    award = _refused(award, W.COMPLETED, kind_staff, text="final report")
    assert award.status == W.IN_PROGRESS and award.project.status == Project.Status.ACTIVE


def test_completion_refused_before_the_final_payment_is_decided(approved, kind_staff, company):
    award = _started(approved, kind_staff, company)
    service = Agreement.objects.get(project=award.project, kind=Agreement.Kind.SERVICE)
    final_payment(service, status=Tranche.Status.SCHEDULED)
    Deliverable.objects.filter(project=award.project, kind=Deliverable.Kind.FINAL).update(
        status=Deliverable.Status.ACCEPTED
    )
    award = _refused(award, W.COMPLETED, kind_staff, text="final payment")
    assert award.status == W.IN_PROGRESS and award.project.status == Project.Status.ACTIVE


def test_completion_without_any_payment_schedule_is_refused(approved, kind_staff, company):
    award = _started(approved, kind_staff, company)
    Deliverable.objects.filter(project=award.project, kind=Deliverable.Kind.FINAL).update(
        status=Deliverable.Status.ACCEPTED
    )
    _refused(award, W.COMPLETED, kind_staff, text="final payment")


def test_refusal_lists_every_missing_condition(approved, kind_staff, programme_admin):
    award = _contracted(approved, kind_staff)
    award = transition_award(award=award, to=W.IN_PROGRESS, actor=programme_admin)
    problems = next_step_problems(award, W.COMPLETED)
    assert len(problems) == 3  # no contractor, no accepted final report, no final payment
    with pytest.raises(AwardNotReady) as exc:
        move_award(award=award, to=W.COMPLETED, actor=kind_staff)
    assert exc.value.problems == problems
    assert str(exc.value) == " ".join(problems)


def test_a_move_the_table_does_not_allow_is_an_illegal_transition(approved, kind_staff):
    with pytest.raises(IllegalTransition) as exc:
        move_award(award=approved, to=W.COMPLETED, actor=kind_staff)
    assert exc.value.code == "illegal_transition"
    assert next_step_problems(approved, W.COMPLETED) == [str(exc.value)]


def test_staff_of_another_track_may_not_move_the_award(approved, kaia_staff):
    signed_agreement(approved.project, kind=Agreement.Kind.GRANT)
    with pytest.raises(DomainError) as exc:
        move_award(award=approved, to=W.CONTRACTED, actor=kaia_staff)
    assert exc.value.code == "forbidden"
    approved.refresh_from_db()
    assert approved.status == W.APPROVED


def test_the_wrappers_and_the_back_office_go_through_the_same_guards(
    client, approved, kind_staff, programme_admin
):
    with pytest.raises(AwardNotReady):
        advance_award(award=approved, to=W.CONTRACTED, actor=kind_staff)
    client.force_login(programme_admin)
    response = client.post(
        reverse("admin:awards_award_changelist"),
        {"action": "mark_awards_contracted", "_selected_action": [approved.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("grant agreement" in text for text in texts), texts
    approved.refresh_from_db()
    assert approved.status == W.APPROVED


def test_the_api_refuses_with_the_missing_conditions(approved, kind_staff):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(kind_staff)
    response = api.post(
        reverse("api:award-move", kwargs={"pk": approved.pk}), {"to": "contracted"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_ready"
    assert "grant agreement" in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == W.APPROVED


def test_the_staff_awards_page_reports_the_refusal(client, approved, kind_staff):
    client.force_login(kind_staff)
    track = approved.application.track
    response = client.post(
        reverse("staff_awards:award_advance", args=[track.pk, approved.pk]),
        {"to": "contracted"},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("grant agreement" in text for text in texts), texts
    approved.refresh_from_db()
    assert approved.status == W.APPROVED


# --- The happy paths -------------------------------------------------------------------------


def test_planning_project_from_approval_to_completion(approved, kind_staff, contractor, company):
    award = _contracted(approved, kind_staff)
    assert award.status == W.CONTRACTED
    Project.objects.filter(pk=award.project_id).update(contractor=company)
    service = signed_agreement(
        award.project,
        kind=Agreement.Kind.SERVICE,
        party=company,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    award = move_award(award=award, to=W.IN_PROGRESS, actor=kind_staff)
    assert award.status == W.IN_PROGRESS
    # The deliverables are due at their share of the service contract's 364 days.
    due = dict(Deliverable.objects.filter(project=award.project).values_list("kind", "due_on"))
    assert due == {
        Deliverable.Kind.INCEPTION: datetime.date(2026, 2, 24),  # 15 %: day 54
        Deliverable.Kind.INTERIM: datetime.date(2026, 7, 2),  # 50 %: day 182
        Deliverable.Kind.TRAINING: datetime.date(2026, 10, 1),  # 75 %: day 273
        Deliverable.Kind.FINAL: datetime.date(2026, 12, 12),  # 95 %: day 345
    }
    final = Deliverable.objects.get(project=award.project, kind=Deliverable.Kind.FINAL)
    submit_deliverable(deliverable=final, uploaded=pdf_upload("final.pdf"), actor=contractor)
    review_deliverable(deliverable=final, accept=True, feedback="", actor=kind_staff)
    final_payment(service)
    assert next_step_problems(award, W.COMPLETED) == []
    award = move_award(award=award, to=W.COMPLETED, actor=kind_staff)
    award.project.refresh_from_db()
    assert award.status == W.COMPLETED
    assert award.project.status == Project.Status.COMPLETED
    moves = list(audit_events_for(award).filter(action="status").values_list("new_value"))
    assert moves == [("approved",), ("contracted",), ("in_progress",), ("completed",)]
    assert audit_events_for(award.project).filter(new_value="completed").count() == 1


def test_withheld_final_payment_decides_it(approved, kind_staff, company):
    award = _started(approved, kind_staff, company)
    final_payment(
        Agreement.objects.get(project=award.project, kind=Agreement.Kind.SERVICE),
        status=Tranche.Status.WITHHELD,
    )
    Deliverable.objects.filter(project=award.project, kind=Deliverable.Kind.FINAL).update(
        status=Deliverable.Status.ACCEPTED
    )
    award = move_award(award=award, to=W.COMPLETED, actor=kind_staff)
    assert award.status == W.COMPLETED


def test_deliverables_follow_a_later_signature_but_keep_an_accepted_date(
    approved, kind_staff, company
):
    """The contractor recorded before the contract: the deliverables exist, dated from the
    project; at the start they move to the contract's dates, except one already accepted."""
    from awards.contractor_selection import schedule_deliverables

    award = _contracted(approved, kind_staff)
    Project.objects.filter(pk=award.project_id).update(
        contractor=company, starts_on=datetime.date(2025, 7, 1), ends_on=None
    )
    schedule_deliverables(project=award.project, actor=kind_staff)
    inception = Deliverable.objects.get(project=award.project, kind=Deliverable.Kind.INCEPTION)
    assert inception.due_on == datetime.date(2025, 7, 1) + datetime.timedelta(days=330 * 15 // 100)
    Deliverable.objects.filter(pk=inception.pk).update(status=Deliverable.Status.ACCEPTED)
    signed_agreement(
        award.project,
        kind=Agreement.Kind.SERVICE,
        party=company,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    move_award(award=award, to=W.IN_PROGRESS, actor=kind_staff)
    due = dict(Deliverable.objects.filter(project=award.project).values_list("kind", "due_on"))
    assert due[Deliverable.Kind.INCEPTION] == inception.due_on  # accepted: unchanged
    assert due[Deliverable.Kind.INTERIM] == datetime.date(2026, 7, 2)
    rescheduled = AuditEvent.objects.filter(action="rescheduled")
    assert rescheduled.count() == 3 and {e.actor for e in rescheduled} == {kind_staff}
    # Again: nothing moves, nothing is written.
    assert schedule_deliverables(project=award.project, actor=kind_staff) == []


@pytest.fixture
def demonstration_award(demonstration_track, kaia_staff, programme_admin, role_groups):
    consortium = OrganizationFactory(
        name="Smart Grid Consortium", kind="korean_company", country_code="KR"
    )
    UserFactory(email="pm@grid.example", organizations=[consortium])
    apps = _release(demonstration_track, consortium, staff=kaia_staff, admin=programme_admin)
    award = award_funding(application=apps[0], amount=400 * M, actor=kaia_staff)
    return move_award(award=award, to=W.APPROVED, actor=kaia_staff), consortium


def test_demonstration_project_from_approval_to_completion(demonstration_award, kaia_staff):
    award, consortium = demonstration_award
    _refused(award, W.CONTRACTED, kaia_staff, text="agreement is not signed")
    agreement = signed_agreement(
        award.project,
        kind=Agreement.Kind.GRANT,
        party=consortium,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2027, 2, 28),
    )
    award = move_award(award=award, to=W.CONTRACTED, actor=kaia_staff)
    award.project.refresh_from_db()
    # The consortium carries out the work: it hands in the deliverables, demonstration too.
    assert award.project.contractor == consortium
    kinds = set(Deliverable.objects.filter(project=award.project).values_list("kind", flat=True))
    assert kinds == {
        Deliverable.Kind.INCEPTION,
        Deliverable.Kind.INTERIM,
        Deliverable.Kind.DEMONSTRATION,
        Deliverable.Kind.TRAINING,
        Deliverable.Kind.FINAL,
    }
    award = move_award(award=award, to=W.IN_PROGRESS, actor=kaia_staff)
    final_payment(agreement)
    Deliverable.objects.filter(project=award.project, kind=Deliverable.Kind.FINAL).update(
        status=Deliverable.Status.ACCEPTED
    )
    _refused(award, W.COMPLETED, kaia_staff, text="demonstration results")
    Deliverable.objects.filter(project=award.project, kind=Deliverable.Kind.DEMONSTRATION).update(
        status=Deliverable.Status.ACCEPTED
    )
    award = move_award(award=award, to=W.COMPLETED, actor=kaia_staff)
    award.project.refresh_from_db()
    assert (award.status, award.project.status) == (W.COMPLETED, Project.Status.COMPLETED)


# --- Cancelling ------------------------------------------------------------------------------


def test_cancel_stops_future_payments_and_offers_the_reserve(
    apps, approved, kind_staff, company, contractor
):
    award = _started(approved, kind_staff, company)
    service = Agreement.objects.get(project=award.project, kind=Agreement.Kind.SERVICE)
    paid = TrancheFactory(agreement=service, number=1, status=Tranche.Status.PAID)
    pending = TrancheFactory(agreement=service, number=2, after_deliverable="interim_report")
    request = PaymentRequestFactory(tranche=pending, requested_by=contractor)
    Message.objects.all().delete()
    award, promoted = cancel_award(award=award, reason="The city withdrew", actor=kind_staff)
    award.project.refresh_from_db()
    assert (award.status, award.project.status) == (W.CANCELLED, Project.Status.CANCELLED)
    assert award.stopped_tranches == 1
    paid.refresh_from_db(), pending.refresh_from_db(), request.refresh_from_db()
    assert paid.status == Tranche.Status.PAID  # what was paid stays paid
    assert (pending.status, pending.decision_note) == (
        Tranche.Status.CANCELLED,
        "The city withdrew",
    )
    assert request.status == PaymentRequest.Status.CANCELLED
    # The first on the reserve list (rank 3) is offered the funding and told.
    assert promoted.application_id == apps[2].pk
    assert Decision.objects.get(pk=promoted.pk).outcome == Decision.Outcome.SELECTED
    assert Message.objects.filter(template="results/reserve_offer").exists()
    # Nothing moves any more, and no contractor selection is offered.
    with pytest.raises(IllegalTransition):
        move_award(award=award, to=W.COMPLETED, actor=kind_staff)


def test_cancel_needs_a_reason_and_then_changes_nothing(approved, kind_staff):
    agreement = signed_agreement(approved.project, kind=Agreement.Kind.GRANT)
    tranche = TrancheFactory(agreement=agreement)
    with pytest.raises(DomainError) as exc:
        move_award(award=approved, to=W.CANCELLED, actor=kind_staff, reason="  ")
    assert exc.value.field == "reason"
    tranche.refresh_from_db()
    approved.refresh_from_db()
    approved.project.refresh_from_db()
    assert tranche.status == Tranche.Status.SCHEDULED
    assert (approved.status, approved.project.status) == (W.APPROVED, Project.Status.ACTIVE)


def test_a_completed_award_cannot_be_cancelled(approved, kind_staff, company):
    award = _started(approved, kind_staff, company)
    final_payment(Agreement.objects.get(project=award.project, kind=Agreement.Kind.SERVICE))
    Deliverable.objects.filter(project=award.project, kind=Deliverable.Kind.FINAL).update(
        status=Deliverable.Status.ACCEPTED
    )
    award = move_award(award=award, to=W.COMPLETED, actor=kind_staff)
    with pytest.raises(IllegalTransition):
        cancel_award(award=award, reason="Too late", actor=kind_staff)
    award.project.refresh_from_db()
    assert award.project.status == Project.Status.COMPLETED


def test_historical_projects_are_untouched(programme_admin):
    """A project from before the portal has no award: none of the lifecycle's conditions apply
    to it, and a programme admin still closes it through its own service."""
    from projects.services import set_historical_project_status
    from tests.factories import ProjectFactory

    project = ProjectFactory(source=Project.Source.HISTORICAL, year=2020, contractor=None)
    set_historical_project_status(
        project=project, to=Project.Status.COMPLETED, actor=programme_admin
    )
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
    assert not Deliverable.objects.filter(project=project).exists()
