"""CSV and XLSX exports never hand a spreadsheet a formula: a text cell that starts with
= + - @, a tab or a carriage return is prefixed with a quote; numbers stay numbers."""

import csv
import io
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from results.exports import to_csv, to_xlsx
from tests.results.test_views import build_track

NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _xlsx_cells(content: bytes) -> list[list[tuple[str | None, str]]]:
    """Each row's cells as (type, text): type "inlineStr" for text, None for a number."""
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    rows = []
    for row in ElementTree.fromstring(sheet).iterfind(".//s:row", NS):
        cells = []
        for cell in row.iterfind("s:c", NS):
            if cell.get("t") == "inlineStr":
                cells.append(("inlineStr", cell.find("s:is/s:t", NS).text))
            else:
                cells.append((cell.get("t"), cell.find("s:v", NS).text))
        rows.append(cells)
    return rows


@pytest.mark.parametrize("trigger", TRIGGERS, ids=repr)
def test_csv_text_cell_starting_with_a_formula_trigger_is_quoted(trigger):
    text = f'{trigger}HYPERLINK("https://evil.example","x")'
    rows = _csv_rows(to_csv(["Title"], [[text]]))
    assert rows[1] == ["'" + text]


@pytest.mark.parametrize("trigger", TRIGGERS, ids=repr)
def test_xlsx_text_cell_starting_with_a_formula_trigger_is_quoted(trigger):
    text = f"{trigger}cmd|' /C calc'!A0"
    rows = _xlsx_cells(to_xlsx(["Title"], [[text]]))
    # XML turns a carriage return into a line feed on reading; the quote comes first either way.
    assert rows[1] == [("inlineStr", "'" + text.replace("\r", "\n"))]


def test_csv_and_xlsx_keep_numbers_as_numbers_and_plain_text_unchanged():
    row = [-5, Decimal("-12.50"), 3.25, 0, "Smart city - phase 2", "a=b", "", None]
    assert _csv_rows(to_csv(["h"] * len(row), [row]))[1] == [
        "-5",
        "-12.50",
        "3.25",
        "0",
        "Smart city - phase 2",
        "a=b",
        "",
        "",
    ]
    assert _xlsx_cells(to_xlsx(["h"] * len(row), [row]))[1] == [
        (None, "-5"),
        (None, "-12.50"),
        (None, "3.25"),
        (None, "0"),
        ("inlineStr", "Smart city - phase 2"),
        ("inlineStr", "a=b"),
    ]


def test_a_negative_number_written_as_text_is_quoted():
    """Only the type tells a number from text: "-5" typed into a title stays text."""
    assert _csv_rows(to_csv(["h"], [["-5"]]))[1] == ["'-5"]
    assert _xlsx_cells(to_xlsx(["h"], [["-5"]]))[1] == [("inlineStr", "'-5")]


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
        titles = [row[2] for row in _csv_rows(response.content)[1:]]
    else:
        titles = [row[2][1] for row in _xlsx_cells(response.content)[1:]]
    assert titles == ["'-2+3+cmd|' /C calc'!A0 plan 0"]
