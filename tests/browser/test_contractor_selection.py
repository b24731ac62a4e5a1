"""Contractor selection in a real browser: KIND staff open the selection from the project page
(Seoul times, price weight), publish it, run the aggregation of the companies' scored
proposals on the ranking board, read the combined result and record the winner; axe on each
page. The companies' proposals and reviews are put straight into the data model (their own
pages are covered by the applicant and reviewer journeys)."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts import roles
from projects.models import Call, Project
from reviews.models import Award, Criterion
from tests.browser.conftest import run_axe
from tests.factories import OrganizationFactory, ProjectFactory, UserFactory
from tests.factories.results import reviewed_application, submit_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def page(browser, live_server):
    # bypass_csp only lets the test inject axe-core; the portal's pages are unchanged.
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/Berlin", bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def _log_in(page, live_server, user):
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _assert_accessible(page):
    violations = run_axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_staff_run_contractor_selection_end_to_end(page, live_server, kind_staff, planning_track):
    app = reviewed_application(planning_track, status="awarded")
    project = ProjectFactory(
        code="2022-PL-KLANG",
        name="Klang smart city plan",
        budget_krw=400_000_000,
        track_kind="planning",
    )
    Award.objects.create(application=app, project=project, amount=400_000_000)

    _log_in(page, live_server, kind_staff)
    page.goto("/staff/")
    page.get_by_role("link", name="Funded projects and contractor selection").click()
    page.get_by_role("link", name="2022-PL-KLANG Klang smart city plan").click()
    _assert_accessible(page)
    page.get_by_label("Opens at (Korea Standard Time)").fill("2022-06-27T09:00")
    page.get_by_label("Closes at (Korea Standard Time)").fill("2022-07-08T18:00")
    page.get_by_label("Weight of the price (0 to 1)").fill("0.2")
    page.get_by_role("button", name="Create the contractor selection").click()
    page.wait_for_selector("text=has been created as a draft")
    call = Call.objects.get(project=project)
    assert call.opens_at == datetime.datetime(2022, 6, 27, 9, 0, tzinfo=SEOUL)
    page.get_by_role("button", name="Publish the call").click()
    page.wait_for_selector("text=The call has been published.")
    _assert_accessible(page)

    track = call.tracks.get()
    tech, local, network = Criterion.objects.filter(track=track).order_by("order")
    reviewers = [UserFactory() for _ in range(3)]
    for name, price, points in (
        ("Hanul Urban Planning", 400_000_000, (45, 27, 18)),
        ("Budget Planners", 300_000_000, (35, 22, 13)),
    ):
        org = OrganizationFactory(name=name, kind="korean_company", country_code="KR")
        UserFactory(roles=[roles.CONTRACTOR], organizations=[org])
        proposal = reviewed_application(track, organization=org, budget_requested=price)
        for reviewer in reviewers:
            submit_review(
                proposal, reviewer, dict(zip((tech, local, network), points, strict=True))
            )

    page.get_by_role("link", name="Ranking board and aggregation").click()
    page.get_by_role("button", name="Run the aggregation").click()
    page.wait_for_selector("#aggregation-job >> text=Finished")

    page.goto(f"/staff/projects/{project.code}/")
    page.get_by_role("link", name="Combined result and winner").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "Hanul Urban Planning" in rows.nth(0).inner_text()
    assert "87.00" in rows.nth(0).inner_text()
    assert "76.00" in rows.nth(1).inner_text()
    _assert_accessible(page)
    page.get_by_role("button", name="Record the winner").click()
    page.wait_for_selector("text=is now the contractor of 2022-PL-KLANG")
    assert Project.objects.get(pk=project.pk).contractor.name == "Hanul Urban Planning"

    page.get_by_role("link", name="2022-PL-KLANG Klang smart city plan").click()
    assert page.locator("section[aria-labelledby='deliverables-heading'] tbody tr").count() == 4
    _assert_accessible(page)
