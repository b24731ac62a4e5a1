"""Figures that read right: the map without date-line stripes, with numbered markers that a
list of cities names (near cities grouped); charts at 12 px or more, with titles, legends and a
table of their figures."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reporting import dashboards
from tests.factories import CityFactory, CountryFactory, ProjectFactory, SubmittedApplicationFactory

HALF_MAP = dashboards.MAP_WIDTH / 2


def _segments(path: str):
    """The straight segments of an SVG path made of M…L…Z sub-paths (closing ones included)."""
    for subpath in re.findall(r"M([^MZ]+)Z", path):
        points = [tuple(map(float, p.split(","))) for p in subpath.split("L")]
        yield from zip(points, points[1:] + points[:1], strict=True)


def test_ring_crossing_the_date_line_has_no_segment_across_the_map():
    # A Chukotka-like ring: 170°E → 170°W and back, as TopoJSON stores it (−180…180).
    ring = [(170.0, 60.0), (-170.0, 60.0), (-170.0, 70.0), (170.0, 70.0)]
    pieces = dashboards.ring_pieces(ring)
    assert len(pieces) == 2  # drawn at the east edge, and again at the west edge
    path = dashboards._path(pieces)
    longest = max(abs(b[0] - a[0]) for a, b in _segments(path))
    assert longest < HALF_MAP
    # Both copies are 20° wide (about 53 px), not 340°.
    for piece in pieces:
        lons = [lon for lon, _lat in piece]
        assert max(lons) - min(lons) == pytest.approx(20.0)


def test_ring_that_does_not_cross_is_drawn_once_unchanged():
    ring = [(100.0, 0.0), (110.0, 0.0), (110.0, 10.0)]
    assert dashboards.ring_pieces(ring) == [ring]


def test_ring_around_a_pole_is_closed_along_the_pole():
    ring = [(-180.0, -70.0), (-60.0, -65.0), (60.0, -68.0), (180.0, -70.0)]
    (piece,) = dashboards.ring_pieces(ring)
    assert piece[-2:] == [(180.0, -90.0), (-180.0, -90.0)]


def test_world_land_path_has_no_stripe_across_the_map():
    """Russia and Fiji cross the date line in the bundled world-atlas: no segment of the drawn
    land may be longer than half the map's width (a stripe across the globe)."""
    longest = max(abs(b[0] - a[0]) for a, b in _segments(dashboards.land_path()))
    assert longest < HALF_MAP


def test_world_map_is_clipped_to_its_frame():
    svg = dashboards.world_map_svg(applicants=[], funded=[])
    assert '<clipPath id="world-map-frame">' in svg
    assert '<g clip-path="url(#world-map-frame)"><path class="map-land"' in svg


def test_cities_closer_than_the_cluster_distance_share_one_numbered_marker():
    markers = dashboards.map_markers(
        applicants=[("Vientiane", 17.97, 102.63, "Laos")],
        funded=[
            ("Khon Kaen", 16.43, 102.84, "Thailand"),
            ("Mukdahan", 16.54, 104.72, "Thailand"),
            ("Warnes", -17.51, -63.17, "Bolivia"),
        ],
    )
    assert [m.number for m in markers] == [1, 2]  # west to east
    warnes, mekong = markers
    assert [c["name"] for c in warnes.cities] == ["Warnes"]
    # Funded cities first, then by name; the group is funded because one of its cities is.
    assert [c["name"] for c in mekong.cities] == ["Khon Kaen", "Mukdahan", "Vientiane"]
    assert mekong.funded and mekong.names == "Khon Kaen, Mukdahan, Vientiane"


def test_markers_never_overlap():
    points = [(f"Town {i}", 10 + i * 0.7, 100 + i * 0.9) for i in range(30)]
    markers = dashboards.map_markers(applicants=points, funded=[])
    for a in markers:
        for b in markers:
            if a is not b:
                distance = ((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5
                assert distance >= 2 * dashboards.MARKER_RADIUS
    assert sum(len(m.cities) for m in markers) == 30


def test_a_city_that_applied_and_was_funded_is_one_city():
    markers = dashboards.map_markers(
        applicants=[("Klang", 3.04, 101.45)], funded=[("Klang", 3.04, 101.45)]
    )
    (marker,) = markers
    assert marker.cities == [
        {
            "name": "Klang",
            "country": "",
            "lat": 3.04,
            "lon": 101.45,
            "funded": True,
            "applied": True,
        }
    ]


def test_marker_at_the_date_line_stays_inside_the_map():
    svg = dashboards.world_map_svg(applicants=[], funded=[("Suva", -18.14, 179.9)])
    cx = float(re.search(r'<circle cx="([\d.]+)"', svg)[1])
    assert cx <= dashboards.MAP_WIDTH - dashboards.MARKER_RADIUS


@pytest.mark.django_db
def test_programme_page_lists_each_city_by_its_marker_number(client):
    thailand = CountryFactory(code="TH", iso3="THA", name="Thailand", name_ko="태국")
    bolivia = CountryFactory(code="BO", iso3="BOL", name="Bolivia", name_ko="볼리비아")
    for country, name, lat, lon in (
        (thailand, "Khon Kaen", 16.43, 102.84),
        (thailand, "Mukdahan", 16.54, 104.72),
        (bolivia, "Warnes", -17.51, -63.17),
    ):
        city = CityFactory(country=country, name=name, latitude=lat, longitude=lon)
        ProjectFactory(country=country, city=city)
    page = client.get(reverse("reporting:programme")).content.decode()
    # The map's markers carry numbers; the list names the cities of each number.
    assert '<text class="map-number" x=' in page and ">1</text>" in page and ">2</text>" in page
    key = page[page.index('<ol class="map-key">') : page.index("</ol>", page.index("map-key"))]
    assert re.search(r'<li value="1"[^>]*>.*Warnes.*\(Bolivia\)', key)
    assert re.search(r'<li value="2"[^>]*>.*Khon Kaen.*Mukdahan', key)
    assert "<title>Khon Kaen, Mukdahan</title>" in page


@pytest.mark.django_db
def test_staff_map_list_says_which_cities_were_funded_and_which_applied(
    client, planning_track, kind_staff
):
    funded = CityFactory(name="Madiun", latitude=-7.63, longitude=111.52)
    ProjectFactory(city=funded, country=funded.country)
    SubmittedApplicationFactory(
        track=planning_track, city=CityFactory(name="Applicant Town", latitude=40, longitude=10)
    )
    client.force_login(kind_staff)
    page = client.get(reverse("staff_reporting:dashboards")).content.decode()
    assert re.search(r"Madiun <span class=\"muted\">\(Malaysia\)</span> — funded", page)
    assert re.search(r"Applicant Town <span class=\"muted\">\(Malaysia\)</span> — applied", page)


# --- charts -------------------------------------------------------------------------------------

RESULTS_CSS = Path(settings.BASE_DIR, "static", "css", "results.css").read_text()


def test_chart_text_is_at_least_12_px_in_the_style_sheet():
    sizes = re.findall(r"\.chart-label\s*\{[^}]*font-size:\s*([\d.]+)px", RESULTS_CSS)
    assert sizes and all(float(size) >= 12 for size in sizes)
    assert dashboards.CHART_FONT_PX >= 12


@pytest.mark.parametrize("horizontal", [False, True])
def test_chart_is_drawn_at_its_displayed_size(horizontal):
    """The SVG's width and height equal its viewBox, so its text is never scaled down (the
    style sheet lets a wide chart scroll instead of shrinking)."""
    svg = dashboards.bar_chart_svg(
        [("Bosnia and Herzegovina", 3), ("Malaysia", 12)], horizontal=horizontal
    )
    _x, _y, vb_width, vb_height = re.search(r'viewBox="([-\d. ]+)"', svg)[1].split()
    assert f'width="{vb_width}" height="{vb_height}"' in svg
    assert float(vb_width) <= dashboards.CHART_MAX_WIDTH
    assert re.search(r"\.chart-scroll svg\.chart\s*\{[^}]*max-width:\s*none", RESULTS_CSS)


def test_long_labels_are_shortened_to_fit_and_kept_whole_in_the_table():
    name = "The United Kingdom of Great Britain and Northern Ireland"
    chart = dashboards.bar_chart(
        [(name, 4)],
        horizontal=True,
        title="By country",
        label_heading="Country",
        value_heading="Applications",
    )
    drawn = re.search(r'<text class="chart-label" x="0" y="14">([^<]+)</text>', chart.svg)[1]
    assert drawn.endswith("…") and dashboards._text_width(drawn) <= dashboards.CHART_MAX_WIDTH
    assert chart.rows == ((name, 4),)


@pytest.mark.django_db
def test_every_chart_has_a_title_a_legend_that_wraps_and_a_table(client):
    ProjectFactory(year=2021)
    ProjectFactory(year=2022)
    with translation.override("en"):
        page = client.get(reverse("reporting:programme"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    figures = re.findall(r'<figure class="chart-figure card">(.*?)</figure>', html, re.S)
    assert len(figures) == 3
    for figure in figures:
        assert '<figcaption class="chart-title">' in figure
        assert "<summary>Show the figures as a table</summary>" in figure
        assert '<th scope="row">2021</th>' in figure and '<th scope="row">2022</th>' in figure
    assert '<ul class="chart-legend"><li><span class="legend-swatch chart-swatch"' in figures[0]
    assert "</span>selected that year</li>" in figures[0]
    # The table of the two-series chart has one column per series.
    assert '<th scope="col" class="num">cumulative</th>' in figures[0]
    assert re.search(r"\.chart-legend\s*\{[^}]*flex-wrap:\s*wrap", RESULTS_CSS)


@pytest.mark.django_db
def test_call_dashboard_charts_have_tables(client, planning_track, programme_admin):
    SubmittedApplicationFactory(track=planning_track)
    client.force_login(programme_admin)
    url = reverse("staff_reporting:call_dashboard", args=[planning_track.call.slug])
    html = client.get(url).content.decode()
    # Track, status, country, and the official scores of the one track.
    assert html.count("<summary>Show the figures as a table</summary>") == 4
    assert '<th scope="row">Malaysia</th><td class="num">1</td>' in html
    assert '<th scope="row">90–100</th><td class="num">0</td>' in html
