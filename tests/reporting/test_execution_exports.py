"""The execution table's downloads: the same rows as the page, through ``core.exports`` (money
as whole won, the share as a number, keys under the headers, formulas neutralised), in the
reader's language or the one asked for."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reporting.execution import export_execution
from tests.reporting.execution_data import programme

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 23, 15, tzinfo=datetime.UTC)  # 08:15 on 5 May in Seoul


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def sheet_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def data(planning_track, demonstration_track):
    return programme(planning_track, demonstration_track)


def test_execution_csv_has_title_headers_keys_and_the_tables_rows(data, programme_admin):
    content, content_type, name = export_execution(
        user=programme_admin, filters={"group": "detail"}, fmt="csv", lang="en", now=NOW
    )
    assert content_type == "text/csv; charset=utf-8"
    assert name == "budget-execution-detail-20260505.csv"
    rows = csv_rows(content)
    assert rows[0] == ["Budget execution — exported 2026-05-05 08:15 KST"]
    assert rows[2] == [
        "year",
        "track",
        "country",
        "country_code",
        "projects",
        "awarded",
        "planned",
        "claimed",
        "approved",
        "paid",
        "paid_share",
    ]
    assert rows[1][:4] == ["Year", "Track", "Country", "Country code"]
    assert rows[3:] == [
        ["2023", "Smart City Planning", "Malaysia", "MY", "1"]
        + ["500000000", "500000000", "150000000", "150000000", "150000000", "30.00"],
        ["2022", "Smart City Planning", "Bangladesh", "BD", "1"]
        + ["300000000", "0", "0", "0", "0", "0.00"],
        ["2022", "Smart City Planning", "Malaysia", "MY", "1"]
        + ["400000000", "400000000", "400000000", "280000000", "120000000", "30.00"],
        ["2022", "Smart Solution Overseas Demonstration", "Thailand", "TH", "1"]
        + ["400000000", "400000000", "120000000", "0", "0", "0.00"],
    ]


def test_execution_xlsx_types_money_as_whole_won_and_the_share_as_a_number(data, programme_admin):
    content, content_type, name = export_execution(
        user=programme_admin, filters={"group": "year"}, fmt="xlsx", lang="en", now=NOW
    )
    assert content_type.endswith("spreadsheetml.sheet") and name.endswith(".xlsx")
    sheet, rows = sheet_rows(content)
    assert rows[2] == [
        "year",
        "projects",
        "awarded",
        "planned",
        "claimed",
        "approved",
        "paid",
        "paid_share",
    ]
    assert rows[3] == [2023, 1, 500_000_000, 500_000_000, 150_000_000, 150_000_000, 150_000_000, 30]
    assert rows[4][:7] == [
        2022,
        3,
        1_100_000_000,
        800_000_000,
        520_000_000,
        280_000_000,
        120_000_000,
    ]
    assert Decimal(str(rows[4][7])) == Decimal("10.9")
    assert sheet.freeze_panes == "A4"
    assert sheet["C4"].number_format == "#,##0"
    assert sheet["H5"].number_format == "0.00"


def test_execution_export_by_project_neutralises_formulas_in_titles(data, programme_admin):
    data["p2"].name = '=HYPERLINK("http://x.example","click")'
    data["p2"].save(update_fields=["name"])
    data["p3"].name = "-5"
    data["p3"].save(update_fields=["name"])
    content, _type, _name = export_execution(
        user=programme_admin, filters={"group": "project"}, fmt="csv", lang="en"
    )
    rows = csv_rows(content)
    assert rows[2][:3] == ["project_code", "project", "status"]
    titles = {row[0]: row[1] for row in rows[3:]}
    assert titles[data["p2"].code] == '\'=HYPERLINK("http://x.example","click")'
    assert titles[data["p3"].code] == "'-5"
    assert titles[data["p1"].code] == "Klang master plan"
    _sheet, xlsx = sheet_rows(
        export_execution(user=programme_admin, filters={"group": "project"}, fmt="xlsx")[0]
    )
    cells = {row[0]: row[1] for row in xlsx[3:]}
    assert cells[data["p2"].code].startswith("'=")


def test_execution_download_carries_the_pages_filters(data, programme_admin, client):
    client.force_login(programme_admin)
    response = client.get(
        reverse("staff_reporting:execution_export", args=["csv"]),
        {"year": "2023", "group": "country", "lang": "en"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="budget-execution-country-'
    )
    rows = csv_rows(response.content)
    assert rows[0][0].startswith("Budget execution (2023) — exported ")
    assert [row[:3] for row in rows[3:]] == [["Malaysia", "MY", "1"]]


def test_execution_download_in_korean_names_countries_in_korean(data, programme_admin, client):
    client.force_login(programme_admin)
    response = client.get(
        reverse("staff_reporting:execution_export", args=["csv"]),
        {"group": "country", "lang": "ko"},
    )
    rows = csv_rows(response.content)
    assert [row[0] for row in rows[3:]] == sorted(["방글라데시", "말레이시아", "태국"])
    assert rows[2][0] == "country"  # the keys never change


def test_execution_download_of_an_unknown_format_is_not_found(data, programme_admin, client):
    client.force_login(programme_admin)
    response = client.get(reverse("staff_reporting:execution_export", args=["pdf"]))
    assert response.status_code == 404
