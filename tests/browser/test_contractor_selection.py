"""Contractor selection in a real browser: KIND staff open the selection from the project page
(Seoul times, price weight) and publish it; the clock opens it; two companies submit their
proposals through the application services and three committee members, invited and assigned
through the review services, declare no conflict and submit their scores; the clock closes the
call; staff run the aggregation on the ranking board, read the combined result and record the
winner, which decides the call; axe on each page. (The companies' and reviewers' own pages are
covered by the applicant and reviewer journeys.)"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from accounts.audit import audit_events_for
from applications.models import Application
from applications.services import (
    save_application_section,
    screen_application,
    start_application,
    submit_application,
    upload_document,
)
from awards.models import Award
from projects.models import Call, Project
from projects.services import sync_call_statuses
from reviews.models import Criterion
from reviews.services import (
    assign_reviewer,
    declare_conflict,
    invite_reviewer,
    respond_to_invitation,
    sign_interest_declaration,
    start_review,
    submit_review,
)
from tests.browser.conftest import accept_confirmations, assert_accessible, log_in
from tests.factories import OrganizationFactory, ProjectFactory, UserFactory
from tests.factories.applications import PDF_BYTES
from tests.factories.results import reviewed_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SEOUL = ZoneInfo("Asia/Seoul")
FORM_TIME = "%Y-%m-%dT%H:%M"


def submit_proposal(track, project, *, company: str, price: int) -> Application:
    """A member of a Korean company applies to the selection the way the application pages do:
    start a draft, fill its sections, upload the required documents, submit."""
    org = OrganizationFactory(name=company, kind="korean_company", country_code="KR")
    member = UserFactory(
        roles=[roles.CONTRACTOR], organizations=[org], email_verified_at=timezone.now()
    )
    proposal = start_application(track=track, organization=org, actor=member)
    for section, data in (
        ("site", {"country": project.country, "city": project.city}),
        (
            "project",
            {
                "title": f"{project.name}: proposal of {company}",
                "summary": "Master plan, feasibility study and training for the city.",
                "objectives": "An investable plan the city adopts within the project year.",
                "requested_deliverable": Application.Deliverable.OTHER,
            },
        ),
        ("budget", {"budget_requested": price}),
    ):
        save_application_section(application=proposal, section=section, data=data, actor=member)
    for kind in track.required_documents:
        upload_document(
            application=proposal,
            kind=kind,
            uploaded_file=SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, "application/pdf"),
            actor=member,
        )
    return submit_application(application=proposal, actor=member)


def seat_committee(track, staff, count: int) -> list:
    """Invite ``count`` experts to the track's committee; each accepts and signs this year's
    declaration of interests."""
    reviewers = []
    for i in range(count):
        expert = UserFactory(
            email=f"expert{i}@university.example.net",
            name=f"Expert {i}",
            email_verified_at=timezone.now(),
        )
        invitation = invite_reviewer(track=track, email=expert.email, actor=staff)
        respond_to_invitation(invitation=invitation, accept=True, actor=expert)
        sign_interest_declaration(reviewer=expert, interests="None.", actor=expert)
        reviewers.append(expert)
    return reviewers


def score(proposal, reviewer, staff, points: dict[Criterion, int]) -> None:
    """Staff assign the reviewer; the reviewer declares no conflict and submits the scores."""
    assignment = assign_reviewer(application=proposal, reviewer=reviewer, actor=staff)
    assignment = declare_conflict(assignment=assignment, has_conflict=False, actor=reviewer)
    submit_review(
        assignment=assignment,
        scores={
            criterion.pk: (value, f"{criterion.name}: {value} points, evidenced in the proposal.")
            for criterion, value in points.items()
        },
        recommendation="fund",
        confidence=3,
        actor=reviewer,
        overall_comment="A credible team and a realistic plan.",
    )


def test_staff_run_contractor_selection_end_to_end(page, live_server, kind_staff, planning_track):
    app = reviewed_application(planning_track, status="awarded")
    project = ProjectFactory(
        code="2022-PL-KLANG",
        name="Klang smart city plan",
        budget_krw=400_000_000,
        track_kind="planning",
    )
    Award.objects.create(application=app, project=project, amount=400_000_000)
    today = timezone.now().astimezone(SEOUL).replace(second=0, microsecond=0)
    opens_at = (today - datetime.timedelta(days=1)).replace(hour=9, minute=0)
    closes_at = (today + datetime.timedelta(days=14)).replace(hour=18, minute=0)

    accept_confirmations(page)
    log_in(page, live_server, kind_staff)
    page.goto("/staff/")
    page.get_by_role("link", name="Funded projects and contractor selection").click()
    page.get_by_role("link", name="2022-PL-KLANG Klang smart city plan").click()
    assert_accessible(page)
    page.get_by_label("Opens at (Korea Standard Time)").fill(opens_at.strftime(FORM_TIME))
    page.get_by_label("Closes at (Korea Standard Time)").fill(closes_at.strftime(FORM_TIME))
    page.get_by_label("Weight of the price (0 to 1)").fill("0.2")
    page.get_by_role("button", name="Create the contractor selection").click()
    page.wait_for_selector("text=has been created as a draft")
    call = Call.objects.get(project=project)
    assert (call.opens_at, call.closes_at) == (opens_at, closes_at)
    page.get_by_role("button", name="Publish the call").click()
    page.wait_for_selector("text=The call has been published.")
    assert_accessible(page)

    # The periodic job opens the call: its opening time has passed.
    assert (call.pk, Call.Status.OPEN) in sync_call_statuses()
    call.refresh_from_db()
    track = call.tracks.get()
    proposals = [
        submit_proposal(track, project, company="Hanul Urban Planning", price=400_000_000),
        submit_proposal(track, project, company="Budget Planners", price=300_000_000),
    ]
    # The closing time comes: the same job closes the call.
    assert (call.pk, Call.Status.CLOSED) in sync_call_statuses(now=closes_at)

    for proposal in proposals:
        screen_application(application=proposal, eligible=True, actor=kind_staff)
    reviewers = seat_committee(track, kind_staff, 3)
    assert start_review(track=track, actor=kind_staff) == 2
    for proposal in proposals:
        proposal.refresh_from_db()
    tech, local, network = Criterion.objects.filter(track=track).order_by("order")
    for proposal, points in zip(proposals, ((45, 27, 18), (35, 22, 13)), strict=True):
        for reviewer in reviewers:
            score(
                proposal,
                reviewer,
                kind_staff,
                dict(zip((tech, local, network), points, strict=True)),
            )

    page.get_by_role("link", name="Ranking board and aggregation").click()
    page.get_by_role("button", name="Run the aggregation").click()
    page.wait_for_selector("#aggregation-job >> text=Finished")

    page.goto(f"/staff/projects/{project.code}/")
    page.get_by_role("link", name="Combined result and winner").click()
    rows = page.locator("table tbody tr")
    # The click starts loading the result page: wait for its rows rather than count at once.
    expect(rows).to_have_count(2)
    assert "Hanul Urban Planning" in rows.nth(0).inner_text()
    assert "87.00" in rows.nth(0).inner_text()  # 0.8 × 90 + 0.2 × 75
    assert "76.00" in rows.nth(1).inner_text()  # 0.8 × 70 + 0.2 × 100
    assert_accessible(page)
    page.get_by_role("button", name="Record the winner").click()
    page.wait_for_selector("text=is now the contractor of 2022-PL-KLANG")
    assert page.locator(".badge-decided").inner_text() == "Decided"
    assert Project.objects.get(pk=project.pk).contractor.name == "Hanul Urban Planning"
    assert [e.new_value for e in audit_events_for(call).filter(action="status")] == [
        "published",
        "open",
        "closed",
        "in_review",
        "decided",
    ]

    page.get_by_role("link", name="2022-PL-KLANG Klang smart city plan").click()
    expect(page.locator("section[aria-labelledby='deliverables-heading'] tbody tr")).to_have_count(
        4
    )
    assert "Decided" in page.locator("section[aria-labelledby='selection-heading']").inner_text()
    assert_accessible(page)
