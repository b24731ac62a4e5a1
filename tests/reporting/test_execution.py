"""The programme's execution table: the figures by year, track and country (and by project) on a
small programme, the same as each project's own execution, in a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.execution import project_execution
from reporting import dashboards
from reporting.execution import Grouping, execution_table
from tests.reporting.execution_data import M, agreement, funded_project, payment, programme, tranche

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(planning_track, demonstration_track):
    return programme(planning_track, demonstration_track)


def figures(row) -> tuple:
    return (
        row.projects,
        row.awarded // M,
        row.planned // M,
        row.claimed // M,
        row.approved // M,
        row.paid // M,
        row.paid_share,
    )


def test_execution_by_year_track_and_country_sums_each_group(data, programme_admin):
    table = execution_table(programme_admin, {"group": Grouping.DETAIL})
    got = [(r.year, r.track_kind, r.country.code, *figures(r)) for r in table.rows]
    assert got == [
        (2023, "planning", "MY", 1, 500, 500, 150, 150, 150, Decimal("30.0")),
        (2022, "planning", "BD", 1, 300, 0, 0, 0, 0, Decimal("0.0")),
        (2022, "planning", "MY", 1, 400, 400, 400, 280, 120, Decimal("30.0")),
        (2022, "demonstration", "TH", 1, 400, 400, 120, 0, 0, Decimal("0.0")),
    ]
    # 270 paid of 1,600 awarded: 16.875 %, shown to one place.
    assert figures(table.total) == (4, 1600, 1300, 670, 430, 270, Decimal("16.9"))


def test_execution_by_year_leaves_out_projects_from_before_the_portal(data, programme_admin):
    table = execution_table(programme_admin, {"group": Grouping.YEAR})
    assert [(r.year, *figures(r)) for r in table.rows] == [
        (2023, 1, 500, 500, 150, 150, 150, Decimal("30.0")),
        (2022, 3, 1100, 800, 520, 280, 120, Decimal("10.9")),
    ]
    assert 2021 not in {r.year for r in table.rows}


def test_execution_by_track_and_by_country(data, programme_admin):
    by_track = execution_table(programme_admin, {"group": Grouping.TRACK})
    assert [(r.track_kind, r.projects, r.paid // M) for r in by_track.rows] == [
        ("planning", 3, 270),
        ("demonstration", 1, 0),
    ]
    by_country = execution_table(programme_admin, {"group": Grouping.COUNTRY})
    assert [(r.country.name, r.projects, r.awarded // M) for r in by_country.rows] == [
        ("Bangladesh", 1, 300),
        ("Malaysia", 2, 900),
        ("Thailand", 1, 400),
    ]


def test_execution_by_project_equals_each_projects_own_execution(data, programme_admin):
    table = execution_table(programme_admin, {"group": Grouping.PROJECT})
    assert [r.project.code for r in table.rows] == [data[k].code for k in ("p4", "p1", "p2", "p3")]
    for row in table.rows:
        own = project_execution(row.project)
        assert (row.planned, row.claimed, row.approved, row.paid) == (
            own.planned,
            own.claimed,
            own.approved,
            own.paid,
        )
    assert table.page.paginator.count == 4
    assert figures(table.total) == (4, 1600, 1300, 670, 430, 270, Decimal("16.9"))


def test_execution_filters_narrow_rows_and_total(data, programme_admin):
    table = execution_table(
        programme_admin, {"group": Grouping.DETAIL, "year": 2022, "country": "MY"}
    )
    assert [(r.year, r.country.code, r.paid // M) for r in table.rows] == [(2022, "MY", 120)]
    assert table.total.projects == 1
    cancelled = execution_table(programme_admin, {"group": Grouping.YEAR, "status": "cancelled"})
    assert cancelled.rows == [] and cancelled.total.projects == 0
    assert cancelled.total.paid_share is None


def test_execution_page_shows_figures_and_filters(data, programme_admin, client):
    client.force_login(programme_admin)
    response = client.get(reverse("staff_reporting:execution"), {"year": "2022"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bangladesh" in body and "Thailand" in body
    assert "400,000,000" in body and "30.0%" in body
    assert "2023" not in [cell.strip() for cell in body.split("<td")[1:2]]
    # The downloads carry the same filters.
    assert reverse("staff_reporting:execution_export", args=["xlsx"]) + "?year=2022" in body


def test_execution_page_bad_filter_shown_next_to_its_field_and_left_out(
    data, programme_admin, client
):
    client.force_login(programme_admin)
    response = client.get(
        reverse("staff_reporting:execution"), {"year": "1999", "country": "MY", "group": "x"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"year", "group"}
    body = response.content.decode()
    assert 'id="id_year-error"' in body
    # The valid filter still applies; the bad ones are dropped (every year, the default rows).
    table = response.context["table"]
    assert table.grouping == Grouping.DETAIL
    assert {r.country.code for r in table.rows} == {"MY"}
    assert {r.year for r in table.rows} == {2022, 2023}
    # What was typed is kept in the form.
    assert form["country"].value() == "MY"


def test_execution_page_by_project_is_paginated(data, programme_admin, client, settings):
    import reporting.execution as module

    client.force_login(programme_admin)
    original = module.PROJECTS_PER_PAGE
    module.PROJECTS_PER_PAGE = 3
    try:
        first = client.get(reverse("staff_reporting:execution"), {"group": "project"})
        second = client.get(reverse("staff_reporting:execution"), {"group": "project", "page": "2"})
    finally:
        module.PROJECTS_PER_PAGE = original
    assert [r.project for r in first.context["table"].rows] == [data["p4"], data["p1"], data["p2"]]
    assert [r.project for r in second.context["table"].rows] == [data["p3"]]
    # The total is the programme's, not the page's.
    assert second.context["table"].total.projects == 4
    assert "group=project&amp;page=2" in first.content.decode()


def _more_projects(planning_track, demonstration_track, country, n: int, first_year=2024) -> None:
    for i in range(n):
        track = planning_track if i % 2 else demonstration_track
        project = funded_project(track, country, amount=400 * M, year=first_year + i % 2)
        signed = agreement(project, lines={"personnel": 300 * M, "travel": 100 * M})
        payment(tranche(signed, 1, 120 * M), "paid", {"personnel": 100 * M, "travel": 20 * M})
        payment(tranche(signed, 2, 160 * M), "requested", {"personnel": 160 * M})


@pytest.mark.parametrize("group", ["detail", "year", "country", "project"])
def test_execution_page_query_count_does_not_grow_with_projects(
    data, planning_track, demonstration_track, programme_admin, client, group
):
    client.force_login(programme_admin)
    url = reverse("staff_reporting:execution")
    client.get(url, {"group": group})  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"group": group}).status_code == 200
    _more_projects(planning_track, demonstration_track, data["TH"], 8)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"group": group})
    assert response.status_code == 200
    assert response.context["table"].total.projects == 12
    assert len(many) == len(few)


def test_dashboard_shows_paid_and_awarded_per_year(data, programme_admin, kaia_staff, client):
    chart = dashboards.paid_vs_awarded_chart(programme_admin)
    assert chart.rows == (("2022", 1100, 120), ("2023", 500, 150))
    # KAIA's staff: the demonstration project only.
    assert dashboards.paid_vs_awarded_chart(kaia_staff).rows == (("2022", 400, 0),)
    client.force_login(programme_admin)
    body = client.get(reverse("staff_reporting:dashboards")).content.decode()
    assert "Awarded and paid per year (KRW million)" in body
    assert "2022: 1100 / 120; 2023: 500 / 150" in body


def test_dashboard_query_count_does_not_grow_with_paid_projects(
    data, planning_track, demonstration_track, programme_admin, client
):
    client.force_login(programme_admin)
    url = reverse("staff_reporting:dashboards")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # The same years (the programme's figures are read year by year).
    _more_projects(planning_track, demonstration_track, data["TH"], 6, first_year=2022)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["money_chart"].rows == (("2022", 2300, 480), ("2023", 1700, 510))
    assert len(many) == len(few)
