"""seed_demo gives the 2022 projects their agreements, budgets, schedules, deliverables and
payments through the services, consistent with their awards: Klang with two tranches paid and
the final one waiting for its final report, Zangilan's last payment for a programme admin to
approve, Madiun's returned to the partner, the seven others paid in full and completed."""

import datetime
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_events_for
from accounts.models import User
from awards.execution import paid_total, project_execution
from awards.funding import final_payment_decided
from awards.models import (
    Agreement,
    Amendment,
    Award,
    Deliverable,
    PaymentRequest,
    Tranche,
)
from projects.models import Project
from reporting.execution import Grouping, execution_table

SEOUL = ZoneInfo("Asia/Seoul")
IN_PROGRESS = {"Klang", "Zangilan", "Madiun"}


def _projects_2022():
    return Project.objects.filter(award__application__call__year=2022).select_related(
        "award", "city", "partner", "contractor"
    )


def test_seed_demo_every_2022_project_has_its_signed_agreements():
    for project in _projects_2022():
        agreements = {a.kind: a for a in project.agreements.all()}
        planning = project.track_kind == "planning"
        assert set(agreements) == (
            {"grant_agreement", "service_contract"} if planning else {"grant_agreement"}
        ), project.code
        assert {a.status for a in agreements.values()} == {"signed"}
        assert all(
            a.signed_file and a.content_type == "application/pdf" for a in agreements.values()
        )
        assert agreements["grant_agreement"].party == project.partner
        if planning:
            assert agreements["service_contract"].party == project.contractor
            assert not agreements["grant_agreement"].budget_lines.exists()


def test_seed_demo_2022_budgets_and_schedules_add_up_to_the_award():
    for project in _projects_2022():
        paying = project.agreements.get(
            kind="service_contract" if project.track_kind == "planning" else "grant_agreement"
        )
        planned = paying.budget_lines.aggregate(total=Sum("planned_krw"))["total"]
        assert planned == project.award.amount, project.code
        tranches = list(paying.tranches.order_by("number"))
        assert [t.share_percent for t in tranches] == [30, 40, 30]
        assert sum(t.amount_krw for t in tranches) == project.award.amount
        assert tranches[-1].after_deliverable == Deliverable.Kind.FINAL
        execution = project_execution(project)
        assert execution.claimed <= project.award.amount
        assert paid_total(project) == execution.paid


def test_seed_demo_klang_has_two_tranches_paid_and_the_final_one_pending_its_report():
    klang = Project.objects.get(year=2022, city__name="Klang")
    contractor = User.objects.get(email="pm@hanul-planning.kcity.example")
    assert klang.contractor.memberships.filter(user=contractor).exists()
    assert klang.award.status == Award.Status.IN_PROGRESS
    assert klang.status == Project.Status.ACTIVE
    contract = klang.agreements.get(kind="service_contract")
    assert list(contract.tranches.order_by("number").values_list("status", flat=True)) == [
        "paid",
        "paid",
        "scheduled",
    ]
    assert project_execution(klang).paid == 315_000_000  # 30 % and 40 % of KRW 450 million
    paid = PaymentRequest.objects.filter(tranche__agreement=contract, status="paid")
    assert all(r.requested_by == contractor and r.paid_on and r.payment_reference for r in paid)
    final = klang.deliverables.get(kind=Deliverable.Kind.FINAL)
    assert final.status == Deliverable.Status.PENDING
    # Extended by an approved amendment, so the demo contractor has it to hand in soon.
    assert timezone.localdate() < final.due_on <= timezone.localdate() + datetime.timedelta(90)
    amendment = Amendment.objects.get(agreement=contract)
    assert (amendment.status, amendment.version, contract.version) == ("approved", 2, 2)
    assert not final_payment_decided(klang)


def test_seed_demo_klang_interim_report_was_returned_once_then_accepted():
    interim = Deliverable.objects.get(project__city__name="Klang", kind=Deliverable.Kind.INTERIM)
    assert interim.status == Deliverable.Status.ACCEPTED
    versions = list(interim.versions.order_by("number"))
    assert [(v.number, v.outcome) for v in versions] == [(1, "returned"), (2, "accepted")]
    assert "traffic survey" in versions[0].feedback
    assert versions[0].submitted_at < versions[1].submitted_at < interim.reviewed_at
    assert interim.reviewed_at.astimezone(SEOUL).year == 2023


def test_seed_demo_zangilan_and_madiun_final_payments_wait():
    zangilan = PaymentRequest.objects.get(
        tranche__agreement__project__city__name="Zangilan", tranche__number=3
    )
    assert zangilan.status == PaymentRequest.Status.CHECKED and zangilan.checked_by is not None
    madiun = PaymentRequest.objects.get(
        tranche__agreement__project__city__name="Madiun", tranche__number=3
    )
    assert madiun.status == PaymentRequest.Status.RETURNED and "invoices" in madiun.feedback
    # The demonstration's grant agreement is paid to its partner, who asked for it.
    assert madiun.requested_by.memberships.filter(
        organization=madiun.tranche.agreement.project.partner
    ).exists()


def test_seed_demo_the_other_2022_projects_are_paid_in_full_and_completed():
    for project in _projects_2022().exclude(city__name__in=IN_PROGRESS):
        assert project.status == Project.Status.COMPLETED, project.code
        assert project.award.status == Award.Status.COMPLETED
        assert final_payment_decided(project)
        assert paid_total(project) == project.award.amount
        assert not project.deliverables.exclude(status="accepted").exists()
    for project in _projects_2022().filter(city__name__in=IN_PROGRESS):
        assert project.status == Project.Status.ACTIVE
        assert project.award.status == Award.Status.IN_PROGRESS


def test_seed_demo_2022_money_went_through_the_services_on_its_days():
    contract = Agreement.objects.get(project__city__name="Jakarta", kind="service_contract")
    assert [e.action for e in audit_events_for(contract)] == ["created", "budget", "status"]
    assert contract.signed_on == datetime.date(2022, 7, 29)
    request = PaymentRequest.objects.get(tranche__agreement=contract, tranche__number=1)
    trail = [
        (e.new_value, e.created_at.astimezone(SEOUL).date()) for e in audit_events_for(request)
    ]
    assert [status for status, _day in trail] == ["requested", "checked", "approved", "paid"]
    assert [day for _status, day in trail] == [
        datetime.date(2022, 8, 3),
        datetime.date(2022, 8, 6),
        datetime.date(2022, 8, 8),
        datetime.date(2022, 8, 12),
    ]
    assert request.requested_at.astimezone(SEOUL).date() == datetime.date(2022, 8, 3)
    assert request.approved_at.astimezone(SEOUL).date() == datetime.date(2022, 8, 8)
    assert request.paid_on == datetime.date(2022, 8, 12)
    tranche = Tranche.objects.get(pk=request.tranche_id)
    assert audit_events_for(tranche).get().created_at.astimezone(SEOUL).year == 2022


def test_seed_demo_execution_table_shows_the_2022_money(client):
    admin = User.objects.get(email="admin@molit.kcity.example")
    table = execution_table(admin, {"group": Grouping.YEAR})
    assert [(r.year, r.projects) for r in table.rows] == [(2022, 10)]
    awarded = Award.objects.filter(application__call__year=2022).aggregate(t=Sum("amount"))["t"]
    paid = PaymentRequest.objects.filter(status="paid").aggregate(t=Sum("amount_krw"))["t"]
    assert (table.total.awarded, table.total.planned, table.total.paid) == (awarded, awarded, paid)
    assert table.total.paid <= table.total.approved < table.total.claimed < table.total.awarded
    client.force_login(admin)
    assert client.get(reverse("staff_reporting:execution")).status_code == 200
    kaia = User.objects.get(email="staff@kaia.kcity.example")
    assert {r.track_kind for r in execution_table(kaia, {"group": "detail"}).rows} == {
        "demonstration"
    }
