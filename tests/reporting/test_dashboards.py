"""Dashboards: permissions, query counts, the SVG map and charts, figures from the data."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from reporting import dashboards
from tests.factories import CityFactory, CountryFactory, ProjectFactory, SubmittedApplicationFactory


def call_url(call):
    return reverse("staff_reporting:call_dashboard", args=[call.slug])


def test_decode_arcs_undoes_delta_and_quantisation():
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [-180, -90]},
        "arcs": [[[0, 0], [2, 4], [2, -4]]],
    }
    assert dashboards.decode_arcs(topology) == [[(-180, -90), (-179, -89), (-178, -90)]]


def test_project_equirectangular_corners():
    assert dashboards.project(-180, dashboards.MAP_NORTH) == (0, 0)
    assert dashboards.project(180, dashboards.MAP_SOUTH) == (
        dashboards.MAP_WIDTH,
        dashboards.MAP_HEIGHT,
    )


def test_land_path_draws_every_country():
    path = dashboards.land_path()
    countries = json.loads(dashboards.MAP_FILE.read_text())["objects"]["countries"]["geometries"]
    assert path.count("M") >= len(countries) - 5  # a few geometries are null at 110m
    assert "http" not in path


def test_world_map_svg_places_cities_and_escapes_names():
    svg = dashboards.world_map_svg(
        applicants=[("<b>Klang</b>", 3.04, 101.45)], funded=[("Madiun", -7.63, 111.52)]
    )
    assert svg.count("<circle") == 2
    assert "&lt;b&gt;Klang" in svg and "<b>" not in svg
    x, y = dashboards.project(101.45, 3.04)
    assert f'cx="{x}" cy="{y}"' in svg


def test_bar_chart_svg_has_text_alternative():
    svg = dashboards.bar_chart_svg([("2020", 12), ("2021", 11)], second=[12, 23])
    assert 'role="img"' in svg and "2020: 12 / 12; 2021: 11 / 23" in svg
    assert dashboards.bar_chart_svg([]) == ""


@pytest.fixture
def call_with_data(planning_track, demonstration_track):
    my = CountryFactory()
    bd = CountryFactory(
        code="BD", iso3="BGD", name="Bangladesh", name_ko="방글라데시", region="south_asia"
    )
    for country in (my, my, bd):
        SubmittedApplicationFactory(track=planning_track, country=country, title="Leaky PL plan")
    SubmittedApplicationFactory(track=demonstration_track, country=bd, title="Leaky DM plan")
    return planning_track.call


def test_call_dashboard_counts_for_admin(call_with_data, programme_admin):
    data = dashboards.call_dashboard(call_with_data, programme_admin)
    assert data["total"] == 4 and data["countries"] == 2
    assert [t["applications"] for t in data["tracks"]] == [3, 1]
    chart = data["country_chart"].svg
    assert "Malaysia: 2" in chart and "Bangladesh: 2" in chart


def test_call_dashboard_secretariat_sees_own_track_only(call_with_data, kaia_staff, client):
    data = dashboards.call_dashboard(call_with_data, kaia_staff)
    assert data["total"] == 1 and [t["track"].code for t in data["tracks"]] == ["DM"]
    client.force_login(kaia_staff)
    page = client.get(call_url(call_with_data)).content.decode()
    assert "Smart City Planning (PL)" not in page


def test_call_dashboard_page_allowed_for_staff(call_with_data, kind_staff, programme_admin, client):
    for user in (kind_staff, programme_admin):
        client.force_login(user)
        assert client.get(call_url(call_with_data)).status_code == 200


def test_call_dashboard_denied_to_applicant_and_reviewer(
    call_with_data, applicant, reviewer, client
):
    for user in (applicant, reviewer):
        client.force_login(user)
        response = client.get(call_url(call_with_data))
        assert response.status_code == 404
        assert b"Leaky" not in response.content
        assert client.get(reverse("staff_reporting:dashboards")).status_code == 404


def test_call_dashboard_query_count_independent_of_rows(planning_track, programme_admin, client):
    SubmittedApplicationFactory(track=planning_track)
    client.force_login(programme_admin)
    with CaptureQueriesContext(connection) as one:
        client.get(call_url(planning_track.call))
    for i in range(6):
        letter = "ABCDEF"[i]
        country = CountryFactory(
            code=f"Q{letter}", iso3=f"QQ{letter}", name=f"Country {i}", region="europe"
        )
        SubmittedApplicationFactory(track=planning_track, country=country)
    with CaptureQueriesContext(connection) as many:
        client.get(call_url(planning_track.call))
    assert len(one.captured_queries) == len(many.captured_queries)


def test_programme_dashboard_public_shows_funded_not_applicant_cities(db, client, planning_track):
    funded_city = CityFactory(name="Madiun", latitude=-7.63, longitude=111.52)
    ProjectFactory(year=2022, city=funded_city, country=funded_city.country)
    SubmittedApplicationFactory(
        track=planning_track,
        city=CityFactory(name="Secret Applicant Town", latitude=10, longitude=10),
    )
    page = client.get(reverse("reporting:programme")).content.decode()
    assert "Madiun" in page and "Secret Applicant Town" not in page
    assert "<script" not in page.split("</head>")[1]


def test_programme_dashboard_staff_shows_applicant_cities(client, planning_track, kind_staff):
    SubmittedApplicationFactory(
        track=planning_track, city=CityFactory(name="Applicant Town", latitude=10, longitude=10)
    )
    client.force_login(kind_staff)
    page = client.get(reverse("staff_reporting:dashboards")).content.decode()
    assert "Applicant Town" in page


def test_programme_dashboard_query_count_independent_of_rows(db, client):
    ProjectFactory(year=2021)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reporting:programme"))
    for i in range(5):
        city = CityFactory(name=f"Town {i}", latitude=i, longitude=i)
        ProjectFactory(year=2021, city=city, country=city.country)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("reporting:programme"))
    assert len(one.captured_queries) == len(many.captured_queries)


def _pseudo_korean(monkeypatch):
    """Stand-in catalogue: marks every string the dashboards translate while Korean is active,
    so a test sees which texts reach the reader through gettext (and in whose language)."""

    def gettext(message):
        return f"[ko]{message}" if translation.get_language() == "ko" else message

    def ngettext(singular, plural, number):
        return gettext(singular if number == 1 else plural)

    monkeypatch.setattr(dashboards, "_", gettext)
    monkeypatch.setattr(dashboards, "ngettext", ngettext)


def test_programme_dashboard_legends_and_map_label_are_translated(db, client, monkeypatch):
    _pseudo_korean(monkeypatch)
    for i in range(2):
        city = CityFactory(name=f"Town {i}", latitude=i, longitude=i)
        ProjectFactory(year=2021, city=city, country=city.country)
    url = reverse("reporting:programme")
    korean = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    for legend in (
        "selected that year",
        "cumulative",
        "countries (cumulative)",
        "cities (cumulative)",
    ):
        assert f"</span>[ko]{legend}</li>" in korean
        assert f"</span>{legend}</li>" not in korean
    assert 'aria-label="[ko]World map: [ko]2 funded cities"' in korean
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "</span>selected that year</li>" in english and "[ko]" not in english
    assert 'aria-label="World map: 2 funded cities"' in english


def test_world_map_label_counts_singular_and_plural(monkeypatch):
    svg = dashboards.world_map_svg(
        applicants=[("Klang", 3.04, 101.45), ("Khulna", 22.8, 89.55)],
        funded=[("Madiun", -7.63, 111.52)],
    )
    assert 'aria-label="World map: 1 funded city, 2 applicant cities"' in svg
    _pseudo_korean(monkeypatch)
    with translation.override("ko"):
        svg = dashboards.world_map_svg(applicants=[], funded=[("Madiun", -7.63, 111.52)])
    assert 'aria-label="[ko]World map: [ko]1 funded city"' in svg


def test_call_dashboard_names_countries_in_reader_language(call_with_data, programme_admin):
    with translation.override("ko"):
        data = dashboards.call_dashboard(call_with_data, programme_admin)
    chart = data["country_chart"].svg
    assert "말레이시아: 2" in chart and ">말레이시아</text>" in chart
    # Tied counts in the reader's alphabetical order.
    assert 'aria-label="국가별 신청서: 말레이시아: 2; 방글라데시: 2"' in chart
    assert "Malaysia" not in chart and "Bangladesh" not in chart and data["countries"] == 2
    with translation.override("en"):
        english = dashboards.call_dashboard(call_with_data, programme_admin)["country_chart"].svg
    assert "Bangladesh: 2; Malaysia: 2" in english and "말레이시아" not in english


def test_call_dashboard_page_in_korean_names_countries_in_korean(
    call_with_data, programme_admin, client
):
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"  # a logged-in user's own language otherwise wins
    page = client.get(call_url(call_with_data)).content.decode()
    assert ">말레이시아</text>" in page and ">Malaysia</text>" not in page


def test_programme_map_names_cities_in_reader_language(db, client, planning_track, kind_staff):
    funded = CityFactory(name="Madiun", name_ko="마디운", latitude=-7.63, longitude=111.52)
    ProjectFactory(year=2022, city=funded, country=funded.country)
    SubmittedApplicationFactory(
        track=planning_track,
        city=CityFactory(name="Applicant Town", name_ko="신청 도시", latitude=10, longitude=10),
    )
    url = reverse("reporting:programme")
    korean = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "<title>마디운</title>" in korean and "Madiun" not in korean
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Madiun</title>" in english and "마디운" not in english
    client.force_login(kind_staff)
    client.cookies["django_language"] = "ko"
    staff = client.get(reverse("staff_reporting:dashboards")).content.decode()
    assert "<title>신청 도시</title>" in staff and "Applicant Town" not in staff
