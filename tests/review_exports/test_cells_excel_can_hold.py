"""Every text an applicant can type reaches the ministry's spreadsheet: an export never fails,
and never writes a cell Excel cannot open, because of what was typed.

* A control character (Word's manual line break is U+000B; text pasted from PDFs and terminals
  brings others) is accepted by the forms, but an XLSX cell cannot hold it: openpyxl refuses
  the whole workbook, so one applicant's title made the track's XLSX exports a server error.
* Excel holds at most 32,767 characters in a cell; a longer text (a long answer or a table
  answer written out) makes Excel declare the workbook damaged.
"""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import Column, Table, to_csv, to_xlsx
from tests.results.test_views import build_track

DATA = 3  # title, headers and keys come first
EXCEL_CELL_LIMIT = 32_767


def _xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.django_db
@pytest.mark.parametrize("export_kind", ["applications", "rankings", "awards"])
def test_xlsx_export_survives_a_control_character_in_a_title(
    client, planning_track, kind_staff, export_kind
):
    build_track(planning_track, 1, title="Klang\x0bSmart City\x1b[31m plan")
    if export_kind == "awards":
        from applications.models import Application
        from awards.models import Award

        Award.objects.create(
            application=Application.objects.get(track=planning_track), amount=400_000_000
        )
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_results:export", args=[planning_track.pk, export_kind, "xlsx"])
    )
    assert response.status_code == 200
    cells = [value for row in _xlsx_rows(response.content)[DATA:] for value in row]
    assert "Klang Smart City [31m plan 0" in cells


def test_control_characters_become_spaces_in_both_formats_and_never_hide_a_formula():
    table = Table(
        title="Title\x07",
        sheet="Sheet",
        columns=[Column("title", "Title\x0c")],
        rows=[["Plan\x0bphase 2"], ['\x0b=HYPERLINK("https://evil.example","x")']],
    )
    expected = ["Plan phase 2", '\'=HYPERLINK("https://evil.example","x")']
    xlsx = _xlsx_rows(to_xlsx(table))
    csv_rows = _csv_rows(to_csv(table))
    assert [row[0] for row in xlsx[DATA:]] == expected
    assert [row[0] for row in csv_rows[DATA:]] == expected
    assert xlsx[0][0] == csv_rows[0][0] == "Title "
    assert xlsx[1][0] == csv_rows[1][0] == "Title "


def test_xlsx_text_cell_never_exceeds_what_excel_holds():
    long_answer = "가" * 20_000 + "a" * 20_000
    table = Table(
        title="Title", sheet="Sheet", columns=[Column("answer", "Answer")], rows=[[long_answer]]
    )
    value = _xlsx_rows(to_xlsx(table))[DATA][0]
    assert len(value) <= EXCEL_CELL_LIMIT
    # Shortened visibly, not silently: the reader sees that the cell goes on elsewhere.
    assert value.startswith("가" * 100) and value.endswith("…")
    # The CSV (no such limit) keeps the whole text.
    assert _csv_rows(to_csv(table))[DATA][0] == long_answer
