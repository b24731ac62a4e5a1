"""CSV and XLSX exports never hand a spreadsheet a formula: a text cell that starts with
= + - @, a tab or a carriage return is prefixed with a quote; numbers stay numbers."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import Column, Kind, Table, to_csv, to_xlsx
from tests.results.test_views import build_track

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
DATA = 3  # index of the first data row: title, headers and keys come first


def table(columns, rows, title="Title") -> Table:
    return Table(title=title, sheet="Sheet", columns=columns, rows=rows)


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _xlsx_cells(content: bytes) -> list[list[tuple[str, object]]]:
    """Each row's cells as (openpyxl data type, value): "s" for text, "n" for a number."""
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(cell.data_type, cell.value) for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("trigger", TRIGGERS, ids=repr)
def test_csv_text_cell_starting_with_a_formula_trigger_is_quoted(trigger):
    text = f'{trigger}HYPERLINK("https://evil.example","x")'
    rows = _csv_rows(to_csv(table([Column("title", "Title")], [[text]])))
    assert rows[DATA] == ["'" + text]


@pytest.mark.parametrize("trigger", TRIGGERS, ids=repr)
def test_xlsx_text_cell_starting_with_a_formula_trigger_is_quoted(trigger):
    text = f"{trigger}cmd|' /C calc'!A0"
    rows = _xlsx_cells(to_xlsx(table([Column("title", "Title")], [[text]])))
    # XML turns a carriage return into a line feed on reading; the quote comes first either way.
    assert rows[DATA] == [("s", "'" + text.replace("\r", "\n"))]


@pytest.mark.parametrize("trigger", ["=", "-"])
def test_title_and_headers_are_neutralised_too(trigger):
    """A call or criterion name is typed by staff; it is text in the file all the same."""
    exported = table([Column("x", f"{trigger}SUM(A1)")], [], title=f"{trigger}cmd")
    for rows in (_csv_rows(to_csv(exported)), _xlsx_cells(to_xlsx(exported))):
        cells = [cell[1] if isinstance(cell, tuple) else cell for row in rows for cell in row]
        assert f"'{trigger}cmd" in cells and f"'{trigger}SUM(A1)" in cells


def test_csv_and_xlsx_keep_numbers_as_numbers_and_plain_text_unchanged():
    columns = [
        Column("a", "a", Kind.COUNT),
        Column("b", "b", Kind.SCORE),
        Column("c", "c", Kind.SCORE),
        Column("d", "d", Kind.MONEY),
        Column("e", "e"),
        Column("f", "f"),
        Column("g", "g"),
        Column("h", "h", Kind.SCORE),
    ]
    row = [-5, Decimal("-12.50"), 3.25, 0, "Smart city - phase 2", "a=b", "", None]
    assert _csv_rows(to_csv(table(columns, [row])))[DATA] == [
        "-5",
        "-12.50",
        "3.25",
        "0",
        "Smart city - phase 2",
        "a=b",
        "",
        "",
    ]
    assert _xlsx_cells(to_xlsx(table(columns, [row])))[DATA][:6] == [
        ("n", -5),
        ("n", -12.5),
        ("n", 3.25),
        ("n", 0),
        ("s", "Smart city - phase 2"),
        ("s", "a=b"),
    ]


def test_a_negative_number_written_as_text_is_quoted():
    """Only the column's kind tells a number from text: "-5" typed into a title stays text."""
    exported = table([Column("title", "Title")], [["-5"]])
    assert _csv_rows(to_csv(exported))[DATA] == ["'-5"]
    assert _xlsx_cells(to_xlsx(exported))[DATA] == [("s", "'-5")]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_track_export_neutralises_an_applicants_title(client, planning_track, kind_staff, fmt):
    build_track(planning_track, 1, title="-2+3+cmd|' /C calc'!A0 plan")
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_results:export", args=[planning_track.pk, "applications", fmt])
    )
    assert response.status_code == 200
    if fmt == "csv":
        titles = [row[2] for row in _csv_rows(response.content)[DATA:]]
    else:
        titles = [row[2][1] for row in _xlsx_cells(response.content)[DATA:]]
    assert titles == ["'-2+3+cmd|' /C calc'!A0 plan 0"]


@pytest.mark.django_db
def test_export_file_name_stays_one_header_whatever_the_track_code(
    client, planning_track, kind_staff
):
    """The track code is typed by programme admins: a quote or a Korean letter in it is
    encoded in the file name (RFC 6266), never a broken or a second header parameter."""
    from projects.models import Track

    Track.objects.filter(pk=planning_track.pk).update(code='P"계획')
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_results:export", args=[planning_track.pk, "applications", "csv"])
    )
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''")
    assert '"' not in header and "계" not in header
