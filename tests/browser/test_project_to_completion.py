"""Issue 15 end to end, in Chromium: a planning project from its award to its completion.

KIND's staff approve the award, make and sign the grant agreement with the partner city and move
the award to contracted; they record the winner of the contractor selection (whose proposals and
scores are set up through the services: the selection has its own browser test), make, budget
and sign the service contract with that company and start the project. Completing it is refused
while the final report and the final payment are missing, with the reasons shown. The contractor
asks for the first tranche with its evidence, staff check it and a programme admin approves and
records it paid; the interim report is returned once with comments and sent again, accepted, and
the second tranche paid; the final report is accepted and the final payment made; the project is
completed and its page offers no contractor selection any more."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from awards.contractor_selection import open_contractor_selection
from awards.models import Agreement, Award, Deliverable, PaymentRequest
from projects.models import Call, Project
from projects.services import transition_call
from results.aggregation import aggregate_track
from reviews.models import Criterion
from tests.browser.conftest import accept_confirmations, log_in
from tests.factories import (
    CityFactory,
    CountryFactory,
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.factories.applications import PDF_BYTES
from tests.factories.results import reviewed_application, submit_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

M = 1_000_000
PDF = {"name": "document.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
INTERIM_FEEDBACK = "Chapter 3 lacks the traffic survey of the town centre: add it."


@pytest.fixture
def funded(planning_track, kind_staff):
    """A KRW 400 million award on KIND's planning track, proposed, for Klang: the project has
    its partner (the city that applied) and no contractor yet."""
    malaysia = CountryFactory()
    klang = CityFactory(country=malaysia, name="Klang")
    city = OrganizationFactory(
        name="Klang Municipal Council", kind="city_government", country_code="MY"
    )
    application = reviewed_application(
        planning_track, status="awarded", organization=city, country=malaysia, city=klang
    )
    today = timezone.localdate()
    project = ProjectFactory(
        code="2026-PL-001",
        name="Klang smart city master plan",
        country=malaysia,
        city=klang,
        partner=city,
        budget_krw=400 * M,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=300),
    )
    award = Award.objects.create(application=application, project=project, amount=400 * M)
    return award


@pytest.fixture
def company(role_groups):
    """Hanul Urban Planning and its project manager, who will carry out the plan."""
    org = OrganizationFactory(name="Hanul Urban Planning", kind="korean_company", country_code="KR")
    member = UserFactory(
        email="pm@hanul.example",
        roles=[roles.CONTRACTOR],
        organizations=[org],
        email_verified_at=timezone.now(),
    )
    return org, member


def scored_selection(project, company, staff) -> Call:
    """The contractor selection of ``project``, closed, with one proposal (the company's) scored
    by three reviewers and aggregated: what is left is to record the winner. It opens while
    its closing time is ahead (a call past it does not open), then closes once it passed."""
    now = timezone.now()
    call = open_contractor_selection(
        project=project,
        actor=staff,
        opens_at=now - datetime.timedelta(days=20),
        closes_at=now + datetime.timedelta(hours=1),
    )
    for status in (Call.Status.PUBLISHED, Call.Status.OPEN):
        call = transition_call(call=call, to=status, actor=staff)
    Call.objects.filter(pk=call.pk).update(closes_at=now - datetime.timedelta(hours=1))
    call = transition_call(call=call, to=Call.Status.CLOSED, actor=staff)
    track = call.tracks.get()
    technical, local, network = Criterion.objects.filter(track=track).order_by("order")
    proposal = reviewed_application(track, organization=company, budget_requested=400 * M)
    for reviewer in (UserFactory() for _ in range(3)):
        submit_review(proposal, reviewer, {technical: 45, local: 27, network: 18})
    aggregate_track(track=track, actor=staff)
    return call


def expect_message(page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def project_page(page, project) -> None:
    page.goto(f"/staff/projects/{project.code}/")


def move_award(page, project, status: str) -> None:
    """Staff take the award's next step from the project page."""
    project_page(page, project)
    page.get_by_role("button", name=f"Move to “{status}”").click()
    expect_message(page, "The award has been updated.")


def create_agreement(page, project) -> None:
    """Staff make the next agreement the agreements page proposes (its kind and party are
    the defaults: the grant agreement with the partner, then the contract with the company)."""
    page.goto(f"/staff/projects/{project.code}/agreements/")
    page.get_by_role("button", name="Create the agreement").click()
    expect_message(page, "has been created as a draft")


def sign_agreement(page) -> None:
    page.locator("#id_signed_on").fill(timezone.localdate().isoformat())
    page.locator("#id_file").set_input_files(PDF)
    page.get_by_role("button", name="Record as signed").click()
    expect_message(page, "The agreement is recorded as signed.")


def request_tranche(page, contract, number: int, lines: dict[str, int]) -> None:
    """The contractor asks for a tranche from its agreement page with the costs per line and
    the evidence."""
    page.goto(f"/calls/agreements/{contract.pk}/")
    tranche = contract.tranches.get(number=number)
    page.locator(
        f"a[href='/calls/agreements/{contract.pk}/tranches/{tranche.pk}/request/']"
    ).click()
    for category, amount in lines.items():
        page.locator(f"#id_line_{category}").fill(str(amount))
    page.locator("#id_evidence").set_input_files(PDF)
    page.get_by_role("button", name="Send the request").click()
    expect_message(page, f"Your request for tranche {number} has been sent to the secretariat.")


def check_request(page, contract, number: int) -> None:
    """Track staff open the request from their queue and check it."""
    request = PaymentRequest.objects.get(tranche__agreement=contract, tranche__number=number)
    page.goto("/staff/payments/")
    page.locator(f"a[href='/staff/payments/{request.pk}/']").first.click()
    page.get_by_role("button", name="Mark as checked").click()
    expect_message(page, "The request is checked; a programme admin approves it.")


def approve_and_pay(page, contract, number: int, reference: str) -> None:
    """A programme admin approves the checked request and records its payment."""
    request = PaymentRequest.objects.get(tranche__agreement=contract, tranche__number=number)
    page.goto(f"/staff/payments/{request.pk}/")
    page.get_by_role("button", name="Approve the payment").click()
    expect_message(page, "The payment is approved.")
    page.locator("#id_paid_on").fill(timezone.localdate().isoformat())
    page.locator("#id_payment_reference").fill(reference)
    page.get_by_role("button", name="Record as paid").click()
    expect_message(page, "The payment is recorded as paid.")
    expect(page.locator("dl.facts")).to_contain_text(reference)


def hand_in(page, deliverable, *, version: int) -> None:
    """The contractor uploads the deliverable and submits it."""
    page.goto(f"/calls/deliverables/{deliverable.pk}/")
    page.locator("#id_file").set_input_files({**PDF, "name": f"{deliverable.kind}-v{version}.pdf"})
    page.get_by_role("button", name="Submit the deliverable").click()
    expect_message(page, "The deliverable has been submitted.")


def review(page, deliverable, *, accept: bool, feedback: str = "") -> None:
    page.goto(f"/calls/deliverables/{deliverable.pk}/")
    page.get_by_label("Accept" if accept else "Return for changes", exact=True).check()
    if feedback:
        page.locator("#id_feedback").fill(feedback)
    page.get_by_role("button", name="Save the review").click()
    expect_message(page, "The deliverable has been reviewed.")


def test_planning_project_from_award_to_completion(
    page, live_server, funded, company, kind_staff, programme_admin
):
    accept_confirmations(page)
    award, project = funded, funded.project
    company_org, contractor = company

    # Staff approve the award; contracting waits for the signed grant agreement.
    log_in(page, live_server, kind_staff)
    move_award(page, project, "Approved")
    project_page(page, project)
    expect(page.locator(".problems")).to_contain_text(
        "The grant agreement with the partner is not signed yet."
    )

    # The grant agreement with Klang, signed; the award is contracted.
    create_agreement(page, project)
    expect(page.locator("h1")).to_contain_text("Grant agreement")
    sign_agreement(page)
    move_award(page, project, "Contracted")

    # Starting needs a contractor: staff record the winner of the contractor selection.
    project_page(page, project)
    expect(page.locator(".problems")).to_contain_text("The project has no Korean contractor yet")
    call = scored_selection(project, company_org, kind_staff)
    page.goto(f"/staff/projects/{project.code}/contractor/{call.pk}/")
    page.get_by_role("button", name="Record the winner").click()
    expect_message(page, f"Hanul Urban Planning is now the contractor of {project.code}")
    project.refresh_from_db()
    assert project.contractor == company_org

    # The service contract with Hanul: budget by line (the default schedule comes with it),
    # signed; the project starts.
    project_page(page, project)
    expect(page.locator(".problems")).to_contain_text(
        "The service contract with the contractor is not signed yet."
    )
    create_agreement(page, project)
    expect(page.locator("h1")).to_contain_text("Service contract")
    budget = {"personnel": 250 * M, "travel": 50 * M, "workshops": 50 * M, "other": 50 * M}
    for category, amount in budget.items():
        page.locator(f"#id_line_{category}").fill(str(amount))
    page.get_by_role("button", name="Save the budget").click()
    expect_message(page, "The budget has been saved")
    sign_agreement(page)
    contract = Agreement.objects.get(project=project, kind=Agreement.Kind.SERVICE)
    assert list(contract.tranches.order_by("number").values_list("amount_krw", flat=True)) == [
        120 * M,
        160 * M,
        120 * M,
    ]
    move_award(page, project, "In progress")

    # Completing now is refused, and the page says why.
    page.goto(f"/staff/reviews/results/{award.application.track_id}/awards/")
    page.get_by_role("button", name="Move to “Completed”").click()
    refusal = page.locator(".message-error")
    expect(refusal).to_contain_text("The final report has not been accepted yet.")
    expect(refusal).to_contain_text("The final payment has not been decided yet")
    award.refresh_from_db()
    assert award.status == Award.Status.IN_PROGRESS

    # First tranche (on signature): requested by the contractor, checked, approved and paid.
    log_in(page, live_server, contractor)
    request_tranche(
        page,
        contract,
        1,
        {"personnel": 75 * M, "travel": 15 * M, "workshops": 15 * M, "other": 15 * M},
    )
    log_in(page, live_server, kind_staff)
    check_request(page, contract, 1)
    log_in(page, live_server, programme_admin)
    approve_and_pay(page, contract, 1, "KDB-2026-0001")

    # The interim report: returned with comments, sent again, accepted.
    interim = Deliverable.objects.get(project=project, kind=Deliverable.Kind.INTERIM)
    log_in(page, live_server, contractor)
    hand_in(page, interim, version=1)
    log_in(page, live_server, kind_staff)
    review(page, interim, accept=False, feedback=INTERIM_FEEDBACK)
    log_in(page, live_server, contractor)
    page.goto(f"/calls/deliverables/{interim.pk}/")
    expect(page.locator("main")).to_contain_text(INTERIM_FEEDBACK)
    hand_in(page, interim, version=2)
    log_in(page, live_server, kind_staff)
    review(page, interim, accept=True)
    expect(page.locator("main")).to_contain_text("interim_report-v1.pdf")
    expect(page.locator("main")).to_contain_text("interim_report-v2.pdf")

    # Second tranche, due after the interim report.
    log_in(page, live_server, contractor)
    request_tranche(
        page,
        contract,
        2,
        {"personnel": 100 * M, "travel": 20 * M, "workshops": 20 * M, "other": 20 * M},
    )
    log_in(page, live_server, kind_staff)
    check_request(page, contract, 2)
    log_in(page, live_server, programme_admin)
    approve_and_pay(page, contract, 2, "KDB-2026-0002")

    # The final report, accepted; completion still waits for the final payment.
    final = Deliverable.objects.get(project=project, kind=Deliverable.Kind.FINAL)
    log_in(page, live_server, contractor)
    hand_in(page, final, version=1)
    log_in(page, live_server, kind_staff)
    review(page, final, accept=True)
    project_page(page, project)
    problems = page.locator(".problems")
    expect(problems).to_contain_text("The final payment has not been decided yet")
    expect(problems).not_to_contain_text("The final report has not been accepted yet.")

    # The final payment.
    log_in(page, live_server, contractor)
    request_tranche(
        page,
        contract,
        3,
        {"personnel": 75 * M, "travel": 15 * M, "workshops": 15 * M, "other": 15 * M},
    )
    log_in(page, live_server, kind_staff)
    check_request(page, contract, 3)
    log_in(page, live_server, programme_admin)
    approve_and_pay(page, contract, 3, "KDB-2026-0003")

    # Completed: the award and the project together; nothing more to open on its page.
    log_in(page, live_server, kind_staff)
    move_award(page, project, "Completed")
    award.refresh_from_db()
    project.refresh_from_db()
    assert (award.status, project.status) == (Award.Status.COMPLETED, Project.Status.COMPLETED)
    project_page(page, project)
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Completed")
    expect(facts).to_contain_text("Hanul Urban Planning")
    expect(page.locator("main")).to_contain_text("The award is closed: no step is left.")
    expect(page.get_by_role("button", name="Create the contractor selection")).to_have_count(0)
    money = page.locator("#money-heading").locator("xpath=..")
    expect(money).to_contain_text("KRW 400,000,000")
    assert (
        sum(
            PaymentRequest.objects.filter(tranche__agreement=contract, status="paid").values_list(
                "amount_krw", flat=True
            )
        )
        == 400 * M
    )
