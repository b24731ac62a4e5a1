"""Track staff in a real browser: screening, start of review, automatic assignment with the
htmx progress panel, and the review board; axe on each staff page."""

import pytest
from playwright.sync_api import expect

from accounts import roles
from applications.models import Application
from reviews.models import Assignment, CommitteeMember
from tests.browser.conftest import assert_accessible, close_context, log_in, open_context
from tests.factories import CriterionFactory, SubmittedApplicationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_screen_start_assign_and_monitor(page, live_server, kind_staff, planning_track):
    planning_track.min_reviewers = 2
    planning_track.save()
    for i in range(5):
        CriterionFactory(track=planning_track, code=f"c{i}", max_points=20, order=i)
    apps = [
        SubmittedApplicationFactory(track=planning_track, reference=f"2026-PL-00{i}")
        for i in range(1, 4)
    ]
    for i in range(3):
        reviewer = UserFactory(
            email=f"panel{i}@expert.example.net", name=f"Panel {i}", roles=[roles.REVIEWER]
        )
        CommitteeMember.objects.create(track=planning_track, reviewer=reviewer)
    log_in(page, live_server, kind_staff)

    page.goto(f"/staff/applications/tracks/{planning_track.pk}/screening/")
    assert_accessible(page)
    page.get_by_label(f"{apps[0].reference}").check()
    page.get_by_label(f"{apps[1].reference}").check()
    page.get_by_label("Eligible", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_selector("text=2 application(s) screened.")

    page.get_by_role("link", name=apps[2].reference).click()
    page.get_by_label("Ineligible", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    # The click reloads the page: wait for the message instead of reading the page at once.
    expect(page.get_by_text("Give the reason the application is ineligible").first).to_be_visible()
    page.get_by_label("Reason (shown to the applicant)").fill("Outside the eligible countries")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_selector("text=Screening decision recorded.")
    apps[2].refresh_from_db()
    assert (apps[2].status, apps[2].status_reason) == (
        "ineligible",
        "Outside the eligible countries",
    )

    page.goto(f"/staff/reviews/tracks/{planning_track.pk}/")
    page.get_by_role("button", name="Start review").click()
    page.wait_for_selector("text=2 application(s) now under review")
    assert Application.objects.filter(status="under_review").count() == 2

    page.get_by_role("navigation", name="Track review steps").get_by_role(
        "link", name="Assignments"
    ).click()
    page.get_by_role("button", name="Assign automatically").click()
    page.wait_for_selector("progress")
    page.wait_for_selector("text=every application has at least 2 reviewers")
    assert_accessible(page)
    assert Assignment.objects.count() == 4

    page.goto(f"/staff/reviews/tracks/{planning_track.pk}/board/")
    assert_accessible(page)
    assert page.locator("table.board tbody tr").count() == 2
    assert page.locator("table.board .badge-invited").count() == 4


def test_job_panel_polls_until_the_job_finishes_under_csp(
    browser, live_server, kind_staff, planning_track
):
    """With the portal's CSP enforced (no bypass), htmx polls every second and the panel shows
    the final message once the job row changes."""
    from reviews.models import Job

    job = Job.objects.create(
        track=planning_track, kind="assign", status="running", total=10, done=3
    )
    context = open_context(browser, base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        log_in(page, live_server, kind_staff)
        page.goto(f"/staff/reviews/jobs/{job.pk}/")
        assert page.locator("progress").get_attribute("value") == "3"
        Job.objects.filter(pk=job.pk).update(
            status="failed", done=7, message="2026-PL-009 lacks 2 reviewer(s): no time."
        )
        page.wait_for_selector("text=2026-PL-009 lacks 2 reviewer(s)")
        assert page.locator("progress").get_attribute("value") == "7"
        assert page.get_by_role("alert").count() == 1
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        close_context(context)
