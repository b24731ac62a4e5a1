"""Staff tables that fit: the ranking board, the review board, the assignment page, the track's
application list and the awards page show their default columns without sideways scrolling on
a desktop (1366 px, a 1,168 px content box) and become stacked cards on a phone (390 px), in
English and in Korean; nothing on them leaves its box."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from awards.services import award_funding
from results.aggregation import aggregate_track
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.browser.conftest import close_context, log_in, open_context
from tests.browser.test_no_overflow import OVERFLOWS, VIEWPORTS
from tests.factories import UserFactory
from tests.factories.results import (
    ensure_email_templates,
    make_criteria,
    reviewed_application,
    submit_review,
)
from tests.factories.scale import bulk_applications, bulk_assignments, bulk_committee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
M = 1_000_000

# Tables whose box scrolls sideways (a table wider than its .table-wrap), with their widths.
SCROLLING_TABLES = """() => Array.from(document.querySelectorAll('main .table-wrap'))
    .filter((box) => box.scrollWidth > box.clientWidth + 1)
    .map((box) => `${box.querySelector('table').className}: ${box.scrollWidth}px in ${box.clientWidth}px`)"""


@pytest.fixture
def tables(planning_track, kind_staff, applicant, programme_admin, settings, tmp_path):
    """A planning track with long criterion names and flags on the ranking board, a released
    decision with an award, a committee of 12 with reviews in every state, and 30 applications
    under review (the review board and the lists have two pages)."""
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )
    planning_track.total_budget = 900 * M
    planning_track.min_reviewers = 4
    planning_track.spread_threshold = 5
    planning_track.save()
    criteria = make_criteria(
        planning_track,
        ("feasibility", 25, None, 1),
        ("site_preparation", 25, None, 2),
        ("importance_of_the_project_for_the_city", 25, None, None),
        ("cooperation_with_korean_partners", 25, None, None),
    )
    panel = [UserFactory(name=f"Expert reviewer with a long name {i}") for i in range(3)]
    org = applicant.organizations.first()
    for i, totals in enumerate(([88, 90, 60], [80, 84, 85], [75, 78, 79])):
        app = reviewed_application(
            planning_track,
            title=f"Integrated smart-city master plan and feasibility study {i}",
            budget_requested=450 * M,
            organization=org,
        )
        for reviewer, total in zip(panel, totals, strict=True):
            submit_review(app, reviewer, dict.fromkeys(criteria, total // 4))
    aggregate_track(track=planning_track, actor=None)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    selected = planning_track.decisions.filter(outcome="selected").first()
    award_funding(application=selected.application, amount=selected.amount, actor=kind_staff)
    apps = bulk_applications(planning_track, 30, title="Smart mobility and water")
    bulk_assignments(apps, bulk_committee(planning_track, 12), per_application=3)
    return planning_track


def _pages(track) -> list[str]:
    return [
        f"/staff/reviews/results/{track.pk}/",
        f"/staff/reviews/tracks/{track.pk}/board/",
        f"/staff/reviews/tracks/{track.pk}/assignments/",
        f"/staff/applications/tracks/{track.pk}/applications/",
        f"/staff/reviews/results/{track.pk}/awards/",
    ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_staff_tables_fit_without_sideways_scrolling(
    viewport, browser, live_server, tables, kind_staff
):
    width, height = VIEWPORTS[viewport]
    problems = []
    for language in ("en", "ko"):
        context = open_context(
            browser, base_url=live_server.url, viewport={"width": width, "height": height}
        )
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            log_in(page, live_server, kind_staff)
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            for url in _pages(tables):
                response = page.goto(url)
                assert response is not None and response.status == 200, (language, url)
                for problem in page.evaluate(OVERFLOWS) + page.evaluate(SCROLLING_TABLES):
                    problems.append((viewport, language, url, problem))
        finally:
            close_context(context)
    assert problems == [], "\n".join(map(repr, problems))


def test_phone_shows_ranking_rows_as_labelled_cards(page, live_server, tables, kind_staff):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, kind_staff)
    page.goto(f"/staff/reviews/results/{tables.pk}/")
    assert page.locator("table.ranking thead").bounding_box()["height"] <= 1
    first = page.locator("tbody.ranking-row").first
    rank = first.locator("td.rank")
    assert rank.evaluate("(el) => getComputedStyle(el, '::before').content") == '"Rank"'
    # Every figure is one tap away in the row's details.
    first.locator("summary").click()
    expect(first.locator(".result-figures")).to_be_visible()
    assert "Cooperation" in first.locator(".result-figures").inner_text()


def test_desktop_every_column_view_is_opt_in(page, live_server, tables, kind_staff):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, kind_staff)
    page.goto(f"/staff/reviews/results/{tables.pk}/")
    assert page.locator("table.ranking thead th").count() == 5
    page.get_by_role("link", name="Show every column").click()
    expect(page.locator("table.ranking thead th")).to_have_count(5 + 7 + 4)
