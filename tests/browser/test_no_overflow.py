"""Figures that fit: on the selection page, the programme page with its map and the staff
dashboards, nothing runs out of its box or widens the page, on a desktop (1366 px) and a phone
(390 px), in English and in Korean; chart text is at least 12 px on screen; the map's list names
every city."""

import pytest
from django.conf import settings

from results.aggregation import aggregate_track
from results.services import propose_funding_line
from tests.browser.conftest import close_context, log_in, open_context
from tests.factories import (
    CityFactory,
    CountryFactory,
    ProjectFactory,
    SubmittedApplicationFactory,
    UserFactory,
)
from tests.factories.results import make_criteria, review_totals, reviewed_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
M = 1_000_000

# (country code, iso3, English, Korean, city, Korean city, latitude, longitude): funded sites of
# the programme, several of them close together in Southeast Asia (the map must group them).
SITES = [
    ("ID", "IDN", "Indonesia", "인도네시아", "Jakarta", "자카르타", -6.2, 106.85),
    ("ID", "IDN", "Indonesia", "인도네시아", "Madiun", "마디운", -7.63, 111.52),
    ("TH", "THA", "Thailand", "태국", "Mukdahan", "묵다한", 16.54, 104.72),
    ("TH", "THA", "Thailand", "태국", "Khon Kaen", "콘깬", 16.43, 102.84),
    ("LA", "LAO", "Laos", "라오스", "Vientiane", "비엔티안", 17.97, 102.63),
    ("VN", "VNM", "Viet Nam", "베트남", "Ho Chi Minh City", "호찌민", 10.82, 106.63),
    ("MY", "MYS", "Malaysia", "말레이시아", "Klang", "클랑", 3.04, 101.45),
    ("BO", "BOL", "Bolivia", "볼리비아", "Warnes", "와르네스", -17.51, -63.17),
    ("KG", "KGZ", "Kyrgyzstan", "키르기스스탄", "Issyk-Kul", "이식쿨", 42.45, 77.2),
    ("FJ", "FJI", "Fiji", "피지", "Suva", "수바", -18.14, 178.44),
]

# Elements that stick out of their parent, or whose content is wider than they are, outside a
# box meant to scroll sideways (a table or chart wrapper). Visually hidden text is left out.
OVERFLOWS = """() => {
    const problems = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) {
        problems.push(`page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
    }
    const scrolls = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const o = getComputedStyle(a).overflowX;
            if (o === 'auto' || o === 'scroll') return true;
        }
        return false;
    };
    const name = (el) => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
        ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '');
    for (const el of document.querySelectorAll('main *')) {
        if (el.closest('.visually-hidden') || el.closest('svg') && el.tagName !== 'svg') continue;
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.position === 'absolute' || style.position === 'fixed') continue;
        if (scrolls(el)) continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        const parent = el.parentElement.getBoundingClientRect();
        if (box.right > parent.right + 1 || box.left < parent.left - 1) {
            problems.push(`${name(el)} "${el.textContent.trim().slice(0, 40)}" leaves its parent`);
        }
        const inline = style.display === 'inline';
        if (!inline && style.overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1) {
            problems.push(`${name(el)} "${el.textContent.trim().slice(0, 40)}" overflows itself`);
        }
    }
    return problems;
}"""

# The smallest on-screen font size of the charts' text (SVG user units × the SVG's scale).
SMALLEST_CHART_TEXT = """() => {
    let smallest = Infinity;
    for (const text of document.querySelectorAll('svg.chart text')) {
        const size = parseFloat(getComputedStyle(text).fontSize);
        const scale = text.ownerSVGElement.getScreenCTM().a;
        smallest = Math.min(smallest, size * scale);
    }
    return smallest;
}"""


@pytest.fixture
def figures(planning_track, kind_staff, applicant):
    """A planning track of KRW 3.4 bn with a proposed funding line (the tiles' long amounts), a
    portfolio of funded projects with cities close together, and applications from several
    countries for the call dashboard."""
    planning_track.total_budget = 3_400 * M
    planning_track.budget_floor = 300 * M
    planning_track.budget_ceiling = 500 * M
    planning_track.min_reviewers = 3
    planning_track.save()
    (criterion,) = make_criteria(planning_track, ("feasibility", 100, None, 1))
    panel = [UserFactory(name=f"Expert {i}") for i in range(3)]
    org = applicant.organizations.first()
    for i, totals in enumerate(([88, 90, 92], [80, 84, 85], [75, 78, 79])):
        app = reviewed_application(
            planning_track,
            title=f"Integrated smart-city master plan and feasibility study {i}",
            budget_requested=450 * M,
            organization=org,
        )
        review_totals(app, criterion, totals, panel)
    aggregate_track(track=planning_track, actor=None)
    propose_funding_line(track=planning_track, actor=kind_staff)
    for code, iso3, name, name_ko, city, city_ko, lat, lon in SITES:
        country = CountryFactory(code=code, iso3=iso3, name=name, name_ko=name_ko)
        place = CityFactory(
            country=country, name=city, name_ko=city_ko, latitude=lat, longitude=lon
        )
        ProjectFactory(year=2022, country=country, city=place)
        SubmittedApplicationFactory(track=planning_track, country=country, city=place)
    return planning_track


def _pages(track) -> list[tuple[str, bool]]:
    """(address, needs the staff log-in)."""
    return [
        (f"/staff/reviews/results/{track.pk}/selection/", True),
        ("/calls/programme/", False),
        ("/staff/dashboards/", True),
        (f"/staff/dashboards/calls/{track.call.slug}/", True),
    ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_figures_fit_their_boxes(viewport, browser, live_server, figures, kind_staff):
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
            for url, _staff in _pages(figures):
                response = page.goto(url)
                assert response is not None and response.status == 200, (language, url)
                for problem in page.evaluate(OVERFLOWS):
                    problems.append((viewport, language, url, problem))
                smallest = page.evaluate(SMALLEST_CHART_TEXT)
                if smallest < 12 - 0.01:
                    problems.append((viewport, language, url, f"chart text of {smallest:.1f}px"))
        finally:
            close_context(context)
    assert problems == [], "\n".join(map(repr, problems))


def test_selection_tiles_show_compact_amounts_with_the_full_figure(
    page, live_server, figures, kind_staff
):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, kind_staff)
    page.goto(f"/staff/reviews/results/{figures.pk}/selection/")
    tile = page.locator(".stat").first
    assert tile.locator(".amount-compact").inner_text() == "KRW 3.4\u00a0bn"
    assert tile.locator(".amount-compact").get_attribute("title") == "KRW 3,400,000,000"
    assert "KRW 3,400,000,000" in tile.locator(".visually-hidden").inner_text()


def test_programme_map_lists_every_city_first_on_a_phone(page, live_server, figures):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/calls/programme/")
    listed = page.locator(".map-key-city").all_inner_texts()
    for _code, _iso3, country, _ko, city, *_rest in SITES:
        assert any(item.startswith(city) and country in item for item in listed), city
    # On a phone the list comes before the map (it carries the names the map cannot show).
    list_top = page.locator(".map-list").bounding_box()["y"]
    map_top = page.locator(".map-figure").bounding_box()["y"]
    assert list_top < map_top
    page.set_viewport_size({"width": 1366, "height": 900})
    assert (
        page.locator(".map-figure").bounding_box()["y"]
        <= page.locator(".map-list").bounding_box()["y"]
    )


def test_a_table_scrolling_inside_its_box_on_a_phone_is_reachable_by_keyboard(
    page, live_server, figures, kind_staff
):
    """On a phone the staff home's statistics table scrolls sideways inside its box; the box is
    then a named region in the tab order (axe's scrollable-region-focusable), and on a desktop,
    where it does not scroll, it is not a tab stop."""
    from tests.browser.conftest import assert_accessible

    log_in(page, live_server, kind_staff)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/staff/")
    scrolling = page.locator(".table-wrap[data-scroll-focus]")
    assert scrolling.count() >= 1
    assert scrolling.first.get_attribute("tabindex") == "0"
    assert scrolling.first.get_attribute("aria-label")
    assert_accessible(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_function(
        "() => [...document.querySelectorAll('.table-wrap')]"
        ".every(w => w.scrollWidth > w.clientWidth + 1 || !w.hasAttribute('tabindex'))"
    )
