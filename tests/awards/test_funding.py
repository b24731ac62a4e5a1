"""Agreements and payments (awards.funding): every refusal of the services, amounts in integer
won never above the award, execution figures, amendments versioned, audit rows and mails.

The fixtures here are shared by test_funding_views.py and test_funding_api.py."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import roles
from accounts.audit import audit_events_for
from awards import funding
from awards.execution import agreement_execution, paid_total
from awards.models import (
    Agreement,
    Amendment,
    Award,
    Deliverable,
    PaymentRequest,
    Tranche,
)
from core.domain import DomainError
from notifications.models import Message
from projects.models import Project
from tests.factories import DeliverableFactory, OrganizationFactory, ProjectFactory, UserFactory
from tests.factories.results import reviewed_application

pytestmark = pytest.mark.django_db

M = 1_000_000
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RS = PaymentRequest.Status


def pdf(name="signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def today() -> datetime.date:
    return timezone.localdate()


# --- Fixtures (shared with the views and API tests) -----------------------------------------


@pytest.fixture
def company(contractor):
    return contractor.organizations.get()


@pytest.fixture
def partner(applicant):
    return applicant.organizations.get()


@pytest.fixture
def project(planning_track, partner, company):
    """A planning project funded on KIND's track (award approved, KRW 400 million), its
    partner the applicant's city and its contractor the Korean company, with an interim and
    a final report to deliver."""
    application = reviewed_application(
        planning_track, status="awarded", organization=partner, reference="2026-PL-007"
    )
    project = ProjectFactory(
        code="2026-PL-007",
        name="Klang flood sensors",
        partner=partner,
        contractor=company,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2027, 6, 30),
    )
    Award.objects.create(
        application=application, project=project, amount=400 * M, status=Award.Status.APPROVED
    )
    for kind in (Deliverable.Kind.INTERIM, Deliverable.Kind.FINAL):
        DeliverableFactory(project=project, kind=kind)
    return Project.objects.get(pk=project.pk)


def new_contract(project, actor) -> Agreement:
    """The project's service contract with its contractor, a draft without a budget."""
    return funding.create_agreement(
        project=project,
        kind=Agreement.Kind.SERVICE,
        party=project.contractor,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2027, 6, 30),
        actor=actor,
    )


def make_contract(project, actor, *, lines=None) -> Agreement:
    """The project's service contract with its contractor, budgeted (default schedule)."""
    agreement = new_contract(project, actor)
    funding.set_budget_lines(
        agreement=agreement,
        lines=lines or {"personnel": 200 * M, "travel": 100 * M, "workshops": 100 * M},
        actor=actor,
    )
    return agreement


@pytest.fixture
def contract(project, kind_staff):
    """The signed service contract: 30% on signature, 40% after the interim report, 30% after
    the final report, of KRW 400 million."""
    agreement = make_contract(project, kind_staff)
    return funding.sign_agreement(
        agreement=agreement, signed_on=today(), uploaded=pdf(), actor=kind_staff
    )


def tranche(agreement, number) -> Tranche:
    return agreement.tranches.get(number=number)


def accept(project, kind):
    Deliverable.objects.filter(project=project, kind=kind).update(
        status=Deliverable.Status.ACCEPTED
    )


def ask(agreement, number, actor, lines=None, evidence=True, note=""):
    return funding.request_payment(
        tranche=tranche(agreement, number),
        lines=lines or {"personnel": 60 * M, "travel": 60 * M},
        uploaded_evidence=pdf("invoice.pdf") if evidence else None,
        note=note,
        actor=actor,
    )


def paid(request, checker, admin, reference="KEXIM-0001"):
    request = funding.check_payment(request=request, actor=checker)
    request = funding.approve_payment(request=request, actor=admin)
    return funding.record_payment(
        request=request, paid_on=today(), payment_reference=reference, actor=admin
    )


@pytest.fixture
def second_admin(role_groups):
    return UserFactory(email="second@molit.go.kr", roles=[roles.PROGRAMME_ADMIN], is_staff=True)


# --- Agreements --------------------------------------------------------------------------------


def test_create_agreement_reference_from_application_and_audit(project, kind_staff, partner):
    agreement = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2027, 6, 30),
        scope="Flood sensors along the Klang river.",
        actor=kind_staff,
    )
    assert agreement.reference == "KCN-GA-2026-PL-007"
    assert (agreement.status, agreement.version, agreement.created_by) == ("draft", 1, kind_staff)
    event = audit_events_for(agreement).get()
    assert (event.action, event.actor, event.detail["kind"]) == (
        "created",
        kind_staff,
        "grant_agreement",
    )


def test_service_contract_reference(project, kind_staff):
    assert make_contract(project, kind_staff).reference == "KCN-SC-2026-PL-007"


@pytest.mark.parametrize("who", ["applicant", "contractor", "kaia_staff", "reviewer"])
def test_create_agreement_refused_to_others_than_track_staff(request, project, partner, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(DomainError) as exc:
        funding.create_agreement(
            project=project,
            kind=Agreement.Kind.GRANT,
            party=partner,
            starts_on=today(),
            ends_on=today(),
            actor=actor,
        )
    assert exc.value.code == "forbidden"
    assert not Agreement.objects.exists()


def test_programme_admin_creates_an_agreement(project, programme_admin, partner):
    agreement = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=today(),
        ends_on=today(),
        actor=programme_admin,
    )
    assert agreement.pk


def test_create_agreement_refusals(project, kind_staff, partner, company):
    def create(**kw):
        args = {
            "project": project,
            "kind": Agreement.Kind.GRANT,
            "party": partner,
            "starts_on": today(),
            "ends_on": today(),
            "actor": kind_staff,
            **kw,
        }
        with pytest.raises(DomainError) as exc:
            funding.create_agreement(**args)
        return exc.value

    assert create(party=company).field == "party"  # a grant agreement is with the partner
    assert create(kind=Agreement.Kind.SERVICE, party=partner).field == "party"
    assert create(ends_on=today() - datetime.timedelta(days=1)).field == "ends_on"
    assert create(kind="loan").field == "kind"
    funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=today(),
        ends_on=today(),
        actor=kind_staff,
    )
    assert create().field == "kind"  # one of each kind
    Award.objects.filter(project=project).update(status=Award.Status.PROPOSED)
    project.refresh_from_db()
    assert create(kind=Agreement.Kind.SERVICE, party=company).code == "award_status"
    Award.objects.filter(project=project).update(status=Award.Status.APPROVED)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CANCELLED)
    project.refresh_from_db()
    assert create(kind=Agreement.Kind.SERVICE, party=company).code == "inactive"


def test_service_contract_needs_the_contractor_and_a_planning_project(project, kind_staff, company):
    Project.objects.filter(pk=project.pk).update(contractor=None)
    project.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        funding.create_agreement(
            project=project,
            kind=Agreement.Kind.SERVICE,
            party=company,
            starts_on=today(),
            ends_on=today(),
            actor=kind_staff,
        )
    assert "no contractor" in exc.value.message
    Project.objects.filter(pk=project.pk).update(contractor=company, track_kind="demonstration")
    project.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        funding.create_agreement(
            project=project,
            kind=Agreement.Kind.SERVICE,
            party=company,
            starts_on=today(),
            ends_on=today(),
            actor=kind_staff,
        )
    assert exc.value.field == "kind"


def test_first_budget_brings_the_default_schedule_in_whole_won(project, kind_staff):
    agreement = make_contract(
        project, kind_staff, lines={"personnel": 133_333_333, "other": "1,000"}
    )
    rows = list(
        agreement.tranches.order_by("number").values_list(
            "number", "share_percent", "after_deliverable", "amount_krw"
        )
    )
    total = 133_334_333
    assert rows == [
        (1, 30, "", total * 30 // 100),
        (2, 40, "interim_report", total * 40 // 100),
        (3, 30, "final_report", total - total * 30 // 100 - total * 40 // 100),
    ]
    assert sum(r[3] for r in rows) == total
    assert funding.budget_total(agreement) == total


def test_default_schedule_of_a_demonstration_project(project):
    project.track_kind = "demonstration"
    assert funding.default_schedule(project) == [
        (30, ""),
        (40, "demonstration_results"),
        (30, "final_report"),
    ]


def test_budget_never_above_the_award_across_agreements(project, kind_staff, partner):
    contract = make_contract(project, kind_staff, lines={"personnel": 350 * M})
    grant = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=today(),
        ends_on=today(),
        actor=kind_staff,
    )
    with pytest.raises(DomainError) as exc:
        funding.set_budget_lines(agreement=grant, lines={"travel": 50 * M + 1}, actor=kind_staff)
    assert (exc.value.code, exc.value.field) == ("over_award", "lines")
    funding.set_budget_lines(agreement=grant, lines={"travel": 50 * M}, actor=kind_staff)
    with pytest.raises(DomainError):
        funding.set_budget_lines(
            agreement=contract, lines={"personnel": 350 * M + 1}, actor=kind_staff
        )


@pytest.mark.parametrize(
    "lines, field",
    [
        ({"personnel": -1}, "line_personnel"),
        ({"personnel": 1.5}, "line_personnel"),
        ({"personnel": True}, "line_personnel"),
        ({"snacks": 10}, "lines"),
        ({}, "lines"),
        ({"personnel": 0}, "lines"),
    ],
)
def test_budget_lines_refuse_what_is_not_whole_won(project, kind_staff, lines, field):
    agreement = make_contract(project, kind_staff)
    with pytest.raises(DomainError) as exc:
        funding.set_budget_lines(agreement=agreement, lines=lines, actor=kind_staff)
    assert exc.value.field == field


def test_budget_change_recomputes_the_schedule_amounts(project, kind_staff):
    agreement = make_contract(project, kind_staff)
    funding.set_schedule(
        agreement=agreement, tranches=[(50, ""), (50, "final_report")], actor=kind_staff
    )
    funding.set_budget_lines(agreement=agreement, lines={"personnel": 101}, actor=kind_staff)
    assert list(agreement.tranches.values_list("share_percent", "amount_krw")) == [
        (50, 50),
        (50, 51),
    ]
    event = audit_events_for(agreement).filter(action="budget").last()
    assert event.detail["lines"] == {"personnel": 101}


@pytest.mark.parametrize(
    "schedule",
    [
        [(50, ""), (40, "final_report")],
        [(0, ""), (100, "final_report")],
        [(100, "site_visit")],
        [(100, "demonstration_results")],  # a planning project
        [],
    ],
)
def test_schedule_refusals(project, kind_staff, schedule):
    agreement = make_contract(project, kind_staff)
    with pytest.raises(DomainError) as exc:
        funding.set_schedule(agreement=agreement, tranches=schedule, actor=kind_staff)
    assert exc.value.field == "schedule"
    assert agreement.tranches.count() == 3


def test_schedule_needs_the_budget_first(project, kind_staff, company):
    agreement = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.SERVICE,
        party=company,
        starts_on=today(),
        ends_on=today(),
        actor=kind_staff,
    )
    with pytest.raises(DomainError) as exc:
        funding.set_schedule(agreement=agreement, tranches=[(100, "")], actor=kind_staff)
    assert exc.value.field == "schedule"


def test_sign_agreement_stores_the_pdf_and_audits(project, kind_staff):
    agreement = make_contract(project, kind_staff)
    agreement = funding.sign_agreement(
        agreement=agreement, signed_on=today(), uploaded=pdf("contract.pdf"), actor=kind_staff
    )
    assert (agreement.status, agreement.signed_on, agreement.original_name) == (
        "signed",
        today(),
        "contract.pdf",
    )
    assert agreement.signed_file.read().startswith(b"%PDF")
    event = audit_events_for(agreement).filter(action="status").get()
    assert (event.old_value, event.new_value) == ("draft", "signed")


def test_sign_refusals(project, kind_staff, company, tmp_path):
    agreement = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.SERVICE,
        party=company,
        starts_on=today(),
        ends_on=today(),
        actor=kind_staff,
    )
    with pytest.raises(DomainError) as exc:  # a paying agreement without its budget
        funding.sign_agreement(
            agreement=agreement, signed_on=today(), uploaded=pdf(), actor=kind_staff
        )
    assert exc.value.code == "no_budget"
    funding.set_budget_lines(agreement=agreement, lines={"personnel": 100 * M}, actor=kind_staff)
    with pytest.raises(DomainError) as exc:
        funding.sign_agreement(
            agreement=agreement,
            signed_on=today() + datetime.timedelta(days=2),
            uploaded=pdf(),
            actor=kind_staff,
        )
    assert exc.value.field == "signed_on"
    png = SimpleUploadedFile("signed.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    with pytest.raises(DomainError) as exc:
        funding.sign_agreement(
            agreement=agreement, signed_on=today(), uploaded=png, actor=kind_staff
        )
    assert exc.value.field == "file"
    agreement.refresh_from_db()
    assert agreement.status == "draft" and not agreement.signed_file


def test_signed_agreement_is_no_longer_edited_directly(contract, kind_staff):
    with pytest.raises(DomainError) as exc:
        funding.set_budget_lines(agreement=contract, lines={"personnel": 1}, actor=kind_staff)
    assert exc.value.code == "not_draft"
    with pytest.raises(DomainError):
        funding.set_schedule(agreement=contract, tranches=[(100, "")], actor=kind_staff)
    with pytest.raises(DomainError):
        funding.sign_agreement(
            agreement=contract, signed_on=today(), uploaded=pdf(), actor=kind_staff
        )


def test_planning_grant_agreement_may_be_signed_without_a_budget(project, kind_staff, partner):
    grant = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=today(),
        ends_on=today(),
        actor=kind_staff,
    )
    grant = funding.sign_agreement(
        agreement=grant, signed_on=today(), uploaded=pdf(), actor=kind_staff
    )
    assert grant.status == "signed" and not grant.tranches.exists()


@pytest.mark.parametrize("who", ["applicant", "contractor", "kaia_staff"])
def test_only_track_staff_manage_an_agreement(request, project, kind_staff, who):
    agreement = make_contract(project, kind_staff)
    actor = request.getfixturevalue(who)
    for call in (
        lambda: funding.set_budget_lines(agreement=agreement, lines={"travel": 1}, actor=actor),
        lambda: funding.set_schedule(agreement=agreement, tranches=[(100, "")], actor=actor),
        lambda: funding.sign_agreement(
            agreement=agreement, signed_on=today(), uploaded=pdf(), actor=actor
        ),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "forbidden"


# --- Payments ----------------------------------------------------------------------------------


def test_full_payment_cycle(contract, contractor, kind_staff, programme_admin, project):
    request = ask(contract, 1, contractor, note="Mobilisation")
    assert (request.status, request.amount_krw) == ("requested", 120 * M)
    assert dict(request.lines.values_list("category", "amount_krw")) == {
        "personnel": 60 * M,
        "travel": 60 * M,
    }
    told = Message.objects.filter(template="awards/payment_requested", channel="email")
    assert set(told.values_list("recipient", flat=True)) == {kind_staff.pk}

    request = funding.check_payment(request=request, actor=kind_staff)
    assert (request.status, request.checked_by) == ("checked", kind_staff)
    assert Message.objects.filter(
        template="awards/payment_checked", recipient=programme_admin, channel="email"
    ).exists()

    request = funding.approve_payment(request=request, actor=programme_admin)
    assert (request.status, request.approved_by) == ("approved", programme_admin)
    request = funding.record_payment(
        request=request, paid_on=today(), payment_reference="KEXIM-2026-0001", actor=programme_admin
    )
    assert (request.status, request.paid_on, request.payment_reference) == (
        "paid",
        today(),
        "KEXIM-2026-0001",
    )
    assert tranche(contract, 1).status == "paid"
    for template in ("awards/payment_approved", "awards/payment_paid"):
        assert set(
            Message.objects.filter(template=template, channel="email").values_list(
                "recipient", flat=True
            )
        ) == {contractor.pk}
    statuses = list(
        audit_events_for(request).filter(action="status").values_list("old_value", "new_value")
    )
    assert statuses == [("requested", "checked"), ("checked", "approved"), ("approved", "paid")]
    assert audit_events_for(tranche(contract, 1)).get().new_value == "paid"
    assert paid_total(project) == 120 * M
    line = {x.category: x for x in agreement_execution(contract).lines}
    assert (line["personnel"].planned, line["personnel"].paid) == (200 * M, 60 * M)


def test_payment_mail_is_rendered_in_the_readers_language(contract, contractor, kind_staff):
    kind_staff.language = "ko"
    kind_staff.save()
    ask(contract, 1, contractor)
    message = Message.objects.get(template="awards/payment_requested", channel="in_app")
    assert "2026-PL-007" in message.subject and "KCN-SC-2026-PL-007" in message.body


def test_payment_before_its_deliverable_is_accepted_is_refused(contract, contractor, project):
    with pytest.raises(DomainError) as exc:
        ask(contract, 2, contractor)
    assert exc.value.code == "not_due"
    assert "interim report" in exc.value.message
    accept(project, Deliverable.Kind.INTERIM)
    assert ask(contract, 2, contractor).status == "requested"


def test_over_budget_line_claim_is_refused(contract, contractor):
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, contractor, lines={"workshops": 100 * M + 1})
    assert (exc.value.code, exc.value.field) == ("over_line", "line_workshops")
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, contractor, lines={"equipment": 1})  # no plan on that line
    assert exc.value.field == "line_equipment"
    assert not PaymentRequest.objects.exists()


def test_claim_over_the_tranche_is_refused(contract, contractor):
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, contractor, lines={"personnel": 100 * M, "travel": 20 * M + 1})
    assert (exc.value.code, exc.value.field) == ("over_tranche", "lines")


def test_line_remaining_counts_earlier_claims(
    contract, contractor, kind_staff, programme_admin, project
):
    paid(ask(contract, 1, contractor, lines={"travel": 100 * M}), kind_staff, programme_admin)
    accept(project, Deliverable.Kind.INTERIM)
    with pytest.raises(DomainError) as exc:
        ask(contract, 2, contractor, lines={"travel": 1})
    assert exc.value.field == "line_travel"
    assert "KRW 0 left" in exc.value.message


def test_claim_over_the_award_is_refused(contract, contractor, project):
    # A smaller award than the budget (e.g. an award reduced after the contract): the award
    # still caps what is claimed.
    Award.objects.filter(project=project).update(amount=100 * M)
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, contractor, lines={"personnel": 100 * M + 1})
    assert exc.value.code == "over_award"


def test_payment_on_an_unsigned_agreement_is_refused(project, kind_staff, contractor):
    agreement = make_contract(project, kind_staff)
    with pytest.raises(DomainError) as exc:
        ask(agreement, 1, contractor)
    assert exc.value.code == "not_signed"


def test_payment_of_an_inactive_project_is_refused(contract, contractor, project):
    Project.objects.filter(pk=project.pk).update(status=Project.Status.COMPLETED)
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, contractor)
    assert exc.value.code == "inactive"


@pytest.mark.parametrize("who", ["applicant", "kind_staff", "programme_admin", "reviewer"])
def test_only_the_party_requests_a_payment(request, contract, who):
    # The partner (applicant) is not the service contract's party; staff check, never ask.
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, request.getfixturevalue(who))
    assert exc.value.code == "forbidden"


def test_other_company_cannot_request(contract, role_groups):
    other = UserFactory(
        email="pm@other.example",
        roles=[roles.CONTRACTOR],
        organizations=[OrganizationFactory(name="Other Co", kind="korean_company")],
    )
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, other)
    assert exc.value.code == "forbidden"


def test_evidence_is_required_and_checked(contract, contractor):
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, contractor, evidence=False)
    assert exc.value.field == "evidence"
    program = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"0" * 40)
    with pytest.raises(DomainError) as exc:
        funding.request_payment(
            tranche=tranche(contract, 1),
            lines={"personnel": 1},
            uploaded_evidence=program,
            actor=contractor,
        )
    assert exc.value.field == "evidence"
    assert not PaymentRequest.objects.exists()


def test_one_live_request_per_tranche(contract, contractor):
    ask(contract, 1, contractor)
    with pytest.raises(DomainError) as exc:
        ask(contract, 1, contractor)
    assert exc.value.code == "exists"


def test_returned_request_is_sent_again_with_its_evidence(contract, contractor, kind_staff):
    first = ask(contract, 1, contractor)
    evidence = first.evidence.name
    returned = funding.return_payment(
        request=first, feedback="The travel invoice is missing.", actor=kind_staff
    )
    assert (returned.status, returned.feedback) == ("returned", "The travel invoice is missing.")
    mail = Message.objects.get(template="awards/payment_returned", channel="email")
    assert mail.recipient == contractor and mail.context["feedback"].startswith("The travel")
    again = ask(contract, 1, contractor, lines={"personnel": 90 * M}, evidence=False)
    assert again.pk == first.pk
    assert (again.status, again.amount_krw, again.evidence.name) == ("requested", 90 * M, evidence)
    assert dict(again.lines.values_list("category", "amount_krw")) == {"personnel": 90 * M}
    event = audit_events_for(again).filter(action="status").last()
    assert (event.old_value, event.new_value, event.detail["resubmitted"]) == (
        "returned",
        "requested",
        True,
    )


def test_rejected_request_frees_the_tranche(contract, contractor, kind_staff):
    first = ask(contract, 1, contractor)
    funding.reject_payment(request=first, feedback="Costs outside the contract.", actor=kind_staff)
    assert Message.objects.filter(template="awards/payment_rejected", recipient=contractor).exists()
    second = ask(contract, 1, contractor)
    assert second.pk != first.pk


def test_return_and_reject_need_feedback(contract, contractor, kind_staff):
    request = ask(contract, 1, contractor)
    for service in (funding.return_payment, funding.reject_payment):
        with pytest.raises(DomainError) as exc:
            service(request=request, feedback="  ", actor=kind_staff)
        assert exc.value.field == "feedback"


def test_check_approve_and_record_need_the_right_role(
    contract, contractor, kind_staff, kaia_staff, programme_admin, applicant
):
    request = ask(contract, 1, contractor)
    for actor in (contractor, kaia_staff, applicant):
        with pytest.raises(DomainError) as exc:
            funding.check_payment(request=request, actor=actor)
        assert exc.value.code == "forbidden"
    request = funding.check_payment(request=request, actor=kind_staff)
    with pytest.raises(DomainError) as exc:
        funding.approve_payment(request=request, actor=kind_staff)  # secretariat staff
    assert exc.value.code == "forbidden"
    request = funding.approve_payment(request=request, actor=programme_admin)
    with pytest.raises(DomainError) as exc:
        funding.record_payment(
            request=request, paid_on=today(), payment_reference="X", actor=kind_staff
        )
    assert exc.value.code == "forbidden"


def test_four_eyes_the_checker_does_not_approve(
    contract, contractor, programme_admin, second_admin
):
    request = funding.check_payment(request=ask(contract, 1, contractor), actor=programme_admin)
    with pytest.raises(DomainError) as exc:
        funding.approve_payment(request=request, actor=programme_admin)
    assert exc.value.code == "four_eyes"
    assert funding.approve_payment(request=request, actor=second_admin).status == "approved"


def test_steps_out_of_order_are_refused(contract, contractor, kind_staff, programme_admin):
    request = ask(contract, 1, contractor)
    with pytest.raises(DomainError):
        funding.approve_payment(request=request, actor=programme_admin)
    with pytest.raises(DomainError):
        funding.record_payment(
            request=request, paid_on=today(), payment_reference="X", actor=programme_admin
        )
    request = paid(request, kind_staff, programme_admin)
    with pytest.raises(DomainError):
        funding.return_payment(request=request, feedback="late", actor=kind_staff)


def test_record_payment_needs_date_and_reference(contract, contractor, kind_staff, programme_admin):
    request = funding.approve_payment(
        request=funding.check_payment(request=ask(contract, 1, contractor), actor=kind_staff),
        actor=programme_admin,
    )
    cases = [
        ({"paid_on": None, "payment_reference": "X"}, "paid_on"),
        ({"paid_on": today() + datetime.timedelta(days=2), "payment_reference": "X"}, "paid_on"),
        ({"paid_on": today(), "payment_reference": " "}, "payment_reference"),
        ({"paid_on": today(), "payment_reference": "X" * 65}, "payment_reference"),
    ]
    for values, field in cases:
        with pytest.raises(DomainError) as exc:
            funding.record_payment(request=request, actor=programme_admin, **values)
        assert exc.value.field == field
    request.refresh_from_db()
    assert request.status == "approved"


def test_withhold_the_final_tranche_decides_the_final_payment(
    contract, contractor, kind_staff, programme_admin, project
):
    assert funding.final_tranche(project) == tranche(contract, 3)
    assert not funding.final_payment_decided(project)
    accept(project, Deliverable.Kind.FINAL)
    request = ask(contract, 3, contractor, lines={"workshops": 50 * M})
    with pytest.raises(DomainError) as exc:
        funding.withhold_tranche(tranche=tranche(contract, 3), reason="x", actor=kind_staff)
    assert exc.value.code == "forbidden"
    with pytest.raises(DomainError) as exc:
        funding.withhold_tranche(tranche=tranche(contract, 3), reason=" ", actor=programme_admin)
    assert exc.value.field == "reason"
    withheld = funding.withhold_tranche(
        tranche=tranche(contract, 3),
        reason="Final report short of the plan.",
        actor=programme_admin,
    )
    assert (withheld.status, withheld.decision_note) == (
        "withheld",
        "Final report short of the plan.",
    )
    request.refresh_from_db()
    assert request.status == "cancelled"
    assert funding.final_payment_decided(project)
    assert Message.objects.filter(template="awards/tranche_withheld", recipient=contractor).exists()
    with pytest.raises(DomainError) as exc:
        ask(contract, 3, contractor)
    assert exc.value.code == "tranche_closed"


def test_amounts_paid_never_exceed_the_award(
    contract, contractor, kind_staff, programme_admin, project
):
    accept(project, Deliverable.Kind.INTERIM)
    accept(project, Deliverable.Kind.FINAL)
    for number, lines in (
        (1, {"personnel": 120 * M}),
        (2, {"personnel": 80 * M, "travel": 80 * M}),
        (3, {"travel": 20 * M, "workshops": 100 * M}),
    ):
        paid(
            ask(contract, number, contractor, lines=lines),
            kind_staff,
            programme_admin,
            f"R{number}",
        )
    assert paid_total(project) == 400 * M == project.award.amount
    execution = agreement_execution(contract)
    assert (execution.planned, execution.claimed, execution.approved, execution.paid) == (
        400 * M,
        400 * M,
        400 * M,
        400 * M,
    )
    assert all(isinstance(v, int) for v in (execution.paid, execution.claimed))
    assert funding.final_payment_decided(project)


def test_execution_warns_past_the_share(contract, contractor, settings):
    settings.KCITY_BUDGET_LINE_WARNING_PERCENT = 50
    ask(contract, 1, contractor, lines={"travel": 60 * M, "personnel": 60 * M})
    lines = {line.category: line for line in agreement_execution(contract).lines}
    assert lines["travel"].warning and lines["travel"].claimed_share == 60
    assert not lines["personnel"].warning
    assert [line.category for line in agreement_execution(contract).warnings] == ["travel"]


def test_stop_future_payments_cancels_open_requests(
    contract, contractor, kind_staff, programme_admin, project
):
    paid(ask(contract, 1, contractor), kind_staff, programme_admin)
    accept(project, Deliverable.Kind.INTERIM)
    open_request = ask(contract, 2, contractor, lines={"personnel": 100 * M})
    assert (
        funding.stop_future_payments(project=project, actor=programme_admin, reason="Cancelled")
        == 2
    )
    open_request.refresh_from_db()
    assert open_request.status == "cancelled"
    assert list(contract.tranches.values_list("status", flat=True)) == [
        "paid",
        "cancelled",
        "cancelled",
    ]


# --- Amendments -------------------------------------------------------------------------------


def test_dates_amendment_keeps_previous_values_and_versions(
    contract, contractor, programme_admin, kind_staff
):
    amendment = funding.request_amendment(
        agreement=contract,
        kind=Amendment.Kind.DATES,
        changes={"ends_on": "2027-09-30"},
        reason="The rainy season delayed the survey.",
        actor=contractor,
    )
    assert (amendment.status, amendment.changes) == ("requested", {"ends_on": "2027-09-30"})
    told = set(
        Message.objects.filter(template="awards/amendment_requested", channel="email").values_list(
            "recipient", flat=True
        )
    )
    assert told == {programme_admin.pk, kind_staff.pk}
    amendment = funding.decide_amendment(
        amendment=amendment, approve=True, note="Agreed.", actor=programme_admin
    )
    contract.refresh_from_db()
    assert (contract.ends_on, contract.version) == (datetime.date(2027, 9, 30), 2)
    assert (amendment.status, amendment.version, amendment.previous) == (
        "approved",
        2,
        {"ends_on": "2027-06-30"},
    )
    event = audit_events_for(contract).get(action="amended")
    assert (event.old_value, event.new_value) == ("1", "2")
    assert event.detail["previous"] == {"ends_on": "2027-06-30"}
    assert Message.objects.filter(
        template="awards/amendment_decided", recipient=contractor, context__status="approved"
    ).exists()


def test_signing_and_a_dates_amendment_move_the_deliverables_due_dates(
    project, kind_staff, contractor, programme_admin
):
    """The work agreement's dates give the deliverables' due dates: signed, the open
    deliverables follow it; an approved dates amendment moves them again; an accepted one stays."""
    from awards.contractor_selection import deliverable_due_dates

    Deliverable.objects.filter(project=project).update(due_on=datetime.date(2030, 1, 1))
    agreement = funding.sign_agreement(
        agreement=make_contract(project, kind_staff),
        signed_on=today(),
        uploaded=pdf(),
        actor=kind_staff,
    )
    due = dict(Deliverable.objects.filter(project=project).values_list("kind", "due_on"))
    assert due == deliverable_due_dates(project, agreement)
    assert due[Deliverable.Kind.FINAL] <= datetime.date(2027, 6, 30)
    accepted = Deliverable.objects.get(project=project, kind=Deliverable.Kind.INTERIM)
    Deliverable.objects.filter(pk=accepted.pk).update(status=Deliverable.Status.ACCEPTED)

    amendment = funding.request_amendment(
        agreement=agreement,
        kind=Amendment.Kind.DATES,
        changes={"ends_on": "2027-12-31"},
        reason="The survey moved to the dry season.",
        actor=contractor,
    )
    funding.decide_amendment(amendment=amendment, approve=True, note="", actor=programme_admin)
    agreement.refresh_from_db()
    moved = dict(Deliverable.objects.filter(project=project).values_list("kind", "due_on"))
    expected = deliverable_due_dates(project, agreement)
    assert moved[Deliverable.Kind.FINAL] == expected[Deliverable.Kind.FINAL]
    assert moved[Deliverable.Kind.FINAL] > due[Deliverable.Kind.FINAL]
    assert moved[Deliverable.Kind.INTERIM] == accepted.due_on  # accepted: unchanged
    rescheduled = audit_events_for(Deliverable.objects.get(pk=accepted.pk))
    assert not rescheduled.filter(action="rescheduled", actor=programme_admin).exists()


def test_budget_amendment_moves_money_between_lines(contract, contractor, programme_admin):
    ask(contract, 1, contractor, lines={"travel": 80 * M})
    with pytest.raises(DomainError) as exc:  # the total changes
        funding.request_amendment(
            agreement=contract,
            kind=Amendment.Kind.BUDGET,
            changes={"lines": {"personnel": 250 * M, "travel": 100 * M, "workshops": 100 * M}},
            reason="More staff.",
            actor=contractor,
        )
    assert exc.value.field == "lines"
    with pytest.raises(DomainError) as exc:  # below what is claimed on travel
        funding.request_amendment(
            agreement=contract,
            kind=Amendment.Kind.BUDGET,
            changes={"lines": {"personnel": 230 * M, "travel": 70 * M, "workshops": 100 * M}},
            reason="Less travel.",
            actor=contractor,
        )
    assert exc.value.field == "line_travel"
    amendment = funding.request_amendment(
        agreement=contract,
        kind=Amendment.Kind.BUDGET,
        changes={"lines": {"personnel": 220 * M, "travel": 80 * M, "workshops": 100 * M}},
        reason="Fewer trips, more local staff.",
        actor=contractor,
    )
    amendment = funding.decide_amendment(
        amendment=amendment, approve=True, note="", actor=programme_admin
    )
    assert dict(contract.budget_lines.values_list("category", "planned_krw")) == {
        "personnel": 220 * M,
        "travel": 80 * M,
        "workshops": 100 * M,
    }
    assert amendment.previous == {
        "lines": {"personnel": 200 * M, "travel": 100 * M, "workshops": 100 * M}
    }
    assert list(contract.tranches.values_list("amount_krw", flat=True)) == [
        120 * M,
        160 * M,
        120 * M,
    ]


def test_scope_amendment_refused_with_a_note(contract, contractor, programme_admin):
    amendment = funding.request_amendment(
        agreement=contract,
        kind=Amendment.Kind.SCOPE,
        changes={"scope": "Add a second river."},
        reason="The city asked.",
        actor=contractor,
    )
    with pytest.raises(DomainError) as exc:
        funding.decide_amendment(amendment=amendment, approve=False, note="", actor=programme_admin)
    assert exc.value.field == "note"
    amendment = funding.decide_amendment(
        amendment=amendment, approve=False, note="Outside the award.", actor=programme_admin
    )
    contract.refresh_from_db()
    assert (amendment.status, amendment.version, contract.version, contract.scope) == (
        "refused",
        None,
        1,
        "",
    )
    with pytest.raises(DomainError) as exc:
        funding.decide_amendment(amendment=amendment, approve=True, note="", actor=programme_admin)
    assert exc.value.code == "decided"


def test_amendment_refusals(contract, contractor, kind_staff, applicant, project):
    def request_amendment(**kw):
        args = {
            "agreement": contract,
            "kind": Amendment.Kind.DATES,
            "changes": {"ends_on": "2027-12-31"},
            "reason": "Delay.",
            "actor": contractor,
            **kw,
        }
        with pytest.raises(DomainError) as exc:
            funding.request_amendment(**args)
        return exc.value

    assert request_amendment(actor=applicant).code == "forbidden"  # the partner reads only
    assert request_amendment(reason=" ").field == "reason"
    assert request_amendment(changes={"ends_on": "2026-01-01"}).field == "ends_on"
    assert request_amendment(changes={"ends_on": "someday"}).field == "ends_on"
    assert request_amendment(changes={}).field == "ends_on"
    assert request_amendment(kind=Amendment.Kind.SCOPE, changes={"scope": ""}).field == "scope"
    assert request_amendment(kind="price").field == "kind"
    funding.request_amendment(
        agreement=contract,
        kind=Amendment.Kind.DATES,
        changes={"ends_on": "2027-12-31"},
        reason="Delay.",
        actor=kind_staff,
    )
    assert request_amendment().code == "pending"


def test_draft_agreement_is_not_amended(project, kind_staff):
    agreement = make_contract(project, kind_staff)
    with pytest.raises(DomainError) as exc:
        funding.request_amendment(
            agreement=agreement,
            kind=Amendment.Kind.SCOPE,
            changes={"scope": "x"},
            reason="y",
            actor=kind_staff,
        )
    assert exc.value.code == "not_signed"


@pytest.mark.parametrize("who", ["kind_staff", "contractor", "applicant"])
def test_only_programme_admins_decide_amendments(request, contract, contractor, who):
    amendment = funding.request_amendment(
        agreement=contract,
        kind=Amendment.Kind.SCOPE,
        changes={"scope": "More sensors."},
        reason="Budget allows.",
        actor=contractor,
    )
    with pytest.raises(DomainError) as exc:
        funding.decide_amendment(
            amendment=amendment, approve=True, note="", actor=request.getfixturevalue(who)
        )
    assert exc.value.code == "forbidden"


# --- Reads -----------------------------------------------------------------------------------


def test_who_reads_which_agreement(
    contract,
    contractor,
    applicant,
    kind_staff,
    kaia_staff,
    programme_admin,
    reviewer,
    other_applicant,
):
    readers = {
        user: list(funding.agreements_for_user(user))
        for user in (
            contractor,
            applicant,
            kind_staff,
            kaia_staff,
            programme_admin,
            reviewer,
            other_applicant,
        )
    }
    assert readers[contractor] == [contract]
    assert readers[applicant] == [contract]  # the partner follows it
    assert readers[kind_staff] == [contract] and readers[programme_admin] == [contract]
    assert readers[kaia_staff] == readers[reviewer] == readers[other_applicant] == []
    assert applicant.has_perm(funding.READ_AGREEMENT, contract)
    assert not applicant.has_perm(funding.DOWNLOAD_SIGNED_AGREEMENT, contract)
    assert not other_applicant.has_perm(funding.READ_AGREEMENT, contract)


def test_who_reads_which_payment_request(
    contract, contractor, applicant, kind_staff, kaia_staff, programme_admin
):
    request = ask(contract, 1, contractor)
    assert list(funding.payment_requests_for_user(contractor)) == [request]
    assert list(funding.payment_requests_for_user(kind_staff)) == [request]
    assert list(funding.payment_requests_for_user(programme_admin)) == [request]
    assert list(funding.payment_requests_for_user(applicant)) == []
    assert list(funding.payment_requests_for_user(kaia_staff)) == []
    assert list(funding.payment_requests_to_handle(kind_staff)) == [request]
    assert funding.next_payment_steps(kind_staff, request) == ["check", "return", "reject"]
    assert funding.next_payment_steps(contractor, request) == []


def test_requestable_tranches_follow_the_rules(contract, contractor, applicant, project):
    assert [t.number for t in funding.requestable_tranches(contractor, contract)] == [1]
    assert funding.requestable_tranches(applicant, contract) == []
    ask(contract, 1, contractor)
    accept(project, Deliverable.Kind.INTERIM)
    assert [t.number for t in funding.requestable_tranches(contractor, contract)] == [2]


RULES = {
    # permission: (the object it is asked about, who may)
    funding.CREATE_AGREEMENT: ("project", {"kind_staff", "programme_admin"}),
    funding.READ_AGREEMENT: (
        "agreement",
        {"contractor", "applicant", "kind_staff", "programme_admin"},
    ),
    funding.MANAGE_AGREEMENT: ("agreement", {"kind_staff", "programme_admin"}),
    funding.DOWNLOAD_SIGNED_AGREEMENT: (
        "agreement",
        {"contractor", "kind_staff", "programme_admin"},
    ),
    funding.REQUEST_AMENDMENT: ("agreement", {"contractor", "kind_staff", "programme_admin"}),
    funding.DECIDE_AMENDMENT: ("amendment", {"programme_admin"}),
    funding.REQUEST_PAYMENT: ("tranche", {"contractor"}),
    funding.WITHHOLD_TRANCHE: ("tranche", {"programme_admin"}),
    funding.READ_PAYMENT_REQUEST: ("payment", {"contractor", "kind_staff", "programme_admin"}),
    funding.DOWNLOAD_PAYMENT_EVIDENCE: ("payment", {"contractor", "kind_staff", "programme_admin"}),
    funding.CHECK_PAYMENT: ("payment", {"kind_staff", "programme_admin"}),
    funding.RETURN_PAYMENT: ("payment", {"kind_staff", "programme_admin"}),
    funding.APPROVE_PAYMENT: ("payment", {"programme_admin"}),
    funding.RECORD_PAYMENT: ("payment", {"programme_admin"}),
}
PEOPLE = (
    "contractor",
    "applicant",
    "kind_staff",
    "programme_admin",
    "kaia_staff",
    "reviewer",
    "other_applicant",
)


@pytest.mark.parametrize("permission", sorted(RULES))
def test_each_funding_rule_allows_its_people_and_denies_the_others(
    request, permission, contract, contractor, project
):
    objects = {
        "project": project,
        "agreement": contract,
        "tranche": tranche(contract, 1),
        "payment": ask(contract, 1, contractor),
        "amendment": funding.request_amendment(
            agreement=contract,
            kind=Amendment.Kind.SCOPE,
            changes={"scope": "More"},
            reason="Why",
            actor=contractor,
        ),
    }
    subject, allowed = RULES[permission]
    answers = {
        who: request.getfixturevalue(who).has_perm(permission, objects[subject]) for who in PEOPLE
    }
    assert {who for who, yes in answers.items() if yes} == allowed


# --- Personal data ----------------------------------------------------------------------------


def test_personal_data_export_holds_the_requests_and_evidence_the_user_sent(
    contract, contractor, kind_staff
):
    import io
    import json
    import zipfile

    from accounts import privacy

    request = ask(contract, 1, contractor, note="First tranche, on signature.")
    archive = privacy.export_personal_data(user=contractor, actor=contractor)
    bundle = zipfile.ZipFile(io.BytesIO(archive))
    rows = json.loads(bundle.read("data.json"))["kinds"]["awards.payment_request"]["rows"]
    assert [(r["agreement"], r["tranche"], r["amount_krw"], r["note"]) for r in rows] == [
        (contract.reference, 1, 120 * M, "First tranche, on signature.")
    ]
    evidence = f"files/payment-requests/{request.pk}-invoice.pdf"
    assert evidence in bundle.namelist() and bundle.read(evidence).startswith(b"%PDF")
    # Staff who checked it do not get the contractor's request in their own download.
    staff_archive = privacy.export_personal_data(user=kind_staff, actor=kind_staff)
    staff_rows = json.loads(zipfile.ZipFile(io.BytesIO(staff_archive)).read("data.json"))
    assert staff_rows["kinds"]["awards.payment_request"]["rows"] == []


def test_a_project_cancelled_by_itself_pays_nothing_more(
    contract, contractor, kind_staff, programme_admin, second_admin
):
    """A project from before the portal is cancelled on its own (no award to cancel, so
    nothing stops its tranches): an approved request must still not be paid, nor a checked
    one approved."""
    request = funding.check_payment(request=ask(contract, 1, contractor), actor=kind_staff)
    request = funding.approve_payment(request=request, actor=programme_admin)
    Project.objects.filter(pk=contract.project_id).update(status=Project.Status.CANCELLED)
    with pytest.raises(DomainError) as exc:
        funding.record_payment(
            request=request, paid_on=today(), payment_reference="KEXIM-9", actor=second_admin
        )
    assert exc.value.code == "inactive"
    request.refresh_from_db()
    assert request.status == "approved"


def test_a_budget_too_small_for_its_tranches_is_refused_not_a_500(project, kind_staff):
    agreement = new_contract(project, kind_staff)
    with pytest.raises(DomainError) as exc:
        funding.set_budget_lines(agreement=agreement, lines={"personnel": 2}, actor=kind_staff)
    assert (exc.value.code, exc.value.field) == ("tranche_empty", "lines")
    assert not agreement.budget_lines.exists()


def test_a_draft_agreements_tranche_is_not_withheld(project, kind_staff, programme_admin):
    """Withholding decides a tranche without paying it; a draft's tranches are only a plan
    (the final one withheld would have let the award complete)."""
    draft = make_contract(project, kind_staff)
    with pytest.raises(DomainError) as exc:
        funding.withhold_tranche(
            tranche=tranche(draft, 3), reason="Work fell short.", actor=programme_admin
        )
    assert exc.value.code == "not_signed"
    assert tranche(draft, 3).status == "scheduled"


def test_a_cancelled_projects_budget_is_not_rewritten(project, kind_staff):
    draft = make_contract(project, kind_staff)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CANCELLED)
    with pytest.raises(DomainError) as exc:
        funding.set_budget_lines(agreement=draft, lines={"personnel": 300 * M}, actor=kind_staff)
    assert exc.value.code == "inactive"
