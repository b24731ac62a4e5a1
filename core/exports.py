"""Tables for people who open them in a spreadsheet: CSV and XLSX from one description.

An export is a ``Table``: a title, typed ``Column``s and rows of raw values (model fields as they
are: ``Decimal``, ``int``, aware ``datetime``, text). The conversions live here and only here,
so every export of the portal writes the same cells:

* **money** (KRW) is a whole number, shown with thousands separators in Excel;
* **scores** are decimals with two places (a criterion mean stored as the text "12.34" too);
* **counts** (rank, reviewers) are whole numbers;
* **times** are shown in Korea Standard Time (Asia/Seoul): a real date-time cell in XLSX (Excel
  has no time zones, so the header says "KST"), ISO 8601 with ``+09:00`` in CSV;
* **text** is neutralised: a cell that a spreadsheet would read as a formula gets a leading quote.

Both files have the same rows: the title (what, which track, when), the headers in the reader's
language, the columns' stable keys (``criterion.feasibility``: a header is a criterion's *name*,
which staff may rename or translate; the key row gives formulas and scripts something that does
not change), then the data. XLSX adds a frozen header, fitted column widths and number formats.
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.timezones import programme_zone

# The programme's time zone: exports are read in the ministry, whatever the server's zone.
SEOUL = programme_zone()
TWO_PLACES = Decimal("0.01")

# A text cell starting with one of these is read as a formula by Excel, LibreOffice or Google
# Sheets (tab and carriage return too, as some importers drop them before parsing the rest).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The control characters an XLSX cell cannot hold (XML 1.0 has no others than tab, line feed and
# carriage return; openpyxl refuses the whole workbook for one of them). Forms accept them, and
# text pasted from a word processor brings them (Word's manual line break is U+000B): a cell
# shows a space in their place, in both formats, and loses those it starts with.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
LEADING_CONTROL_CHARACTERS = re.compile(r"^[\x00-\x08\x0b\x0c\x0e-\x1f]+")
# The most characters Excel holds in a cell: a longer text makes it call the workbook damaged.
# An XLSX cell is cut there, with an ellipsis; the CSV keeps the whole text.
EXCEL_CELL_LIMIT = 32_767

# Rows of the sheet before the data (1-based, as spreadsheets count).
TITLE_ROW, HEADER_ROW, KEY_ROW = 1, 2, 3
FIRST_DATA_ROW = 4
# Column widths, in characters: wide enough for a short header, never wider than a screen.
MIN_WIDTH, MAX_WIDTH = 8, 60


class Kind(enum.StrEnum):
    """What a column holds, and so how its cells are written."""

    TEXT = "text"
    COUNT = "count"
    MONEY = "money"
    SCORE = "score"
    DATETIME = "datetime"


# Excel number formats by kind (text and counts keep "General").
NUMBER_FORMATS = {
    Kind.MONEY: "#,##0",
    Kind.SCORE: "0.00",
    Kind.DATETIME: "yyyy-mm-dd hh:mm:ss",
}


@dataclass(frozen=True)
class Column:
    """``key``: stable, never translated (``rank``, ``criterion.feasibility``); ``header``: the
    reader's words (already translated when the table is built)."""

    key: str
    header: str
    kind: Kind = Kind.TEXT


@dataclass
class Table:
    title: str
    sheet: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it but never evaluates it: a leading quote before a
    formula trigger (applicants write titles and names; opening an export must not run them),
    and control characters a cell cannot hold as spaces (``CONTROL_CHARACTERS``)."""
    text = CONTROL_CHARACTERS.sub(" ", LEADING_CONTROL_CHARACTERS.sub("", text))
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def in_seoul(value: datetime.datetime) -> datetime.datetime:
    """An aware time in KST; a naive one is taken as UTC, as the database stores times."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(SEOUL)


def convert(kind: Kind, value):
    """The raw ``value`` as the cell's Python value: ``int``, ``Decimal``, an aware KST
    ``datetime``, text, or ``None`` for an empty cell (a missing or unreadable number is left
    empty rather than written as text that would not add up)."""
    if value is None or value == "":
        return None
    if kind in (Kind.COUNT, Kind.MONEY):
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    if kind is Kind.SCORE:
        try:
            return Decimal(str(value)).quantize(TWO_PLACES)
        except (InvalidOperation, ValueError):
            return None
    if kind is Kind.DATETIME:
        return in_seoul(value) if isinstance(value, datetime.datetime) else None
    return neutralise(str(value))


def as_text(value) -> str:
    """A converted value as CSV text: numbers plain (no separators), times in ISO 8601 with
    their offset, text as it is (already neutralised)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _converted_rows(table: Table) -> Iterable[list]:
    kinds = [column.kind for column in table.columns]
    for row in table.rows:
        yield [convert(kind, value) for kind, value in zip(kinds, row, strict=True)]


def _title_rows(table: Table) -> list[list[str]]:
    return [
        [neutralise(table.title)],
        [neutralise(column.header) for column in table.columns],
        [neutralise(column.key) for column in table.columns],
    ]


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Korean text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_title_rows(table))
    for row in _converted_rows(table):
        writer.writerow(map(as_text, row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def display_width(value) -> int:
    """How many characters wide a cell shows ``value``: Korean (and other wide) characters
    take two; money with its separators; a time as its format."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return len("yyyy-mm-dd hh:mm:ss")
    if isinstance(value, int):
        return len(f"{value:,}")
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def to_xlsx(table: Table) -> bytes:
    """One sheet: a title row, the headers and keys frozen above the data, typed cells with
    number formats, columns fitted to their content."""
    header_rows = _title_rows(table)
    # Materialised once: fitting the widths needs every value before the first row is written
    # (a write-only sheet cannot change them afterwards); a track has thousands of rows at most.
    rows = list(_converted_rows(table))
    widths = [
        min(MAX_WIDTH, max(MIN_WIDTH, *(display_width(row[i]) + 2 for row in header_rows[1:])))
        for i in range(len(table.columns))
    ]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = min(MAX_WIDTH, max(widths[i], display_width(value) + 2))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(table.sheet))
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width

    def styled(value, **style):
        cell = WriteOnlyCell(sheet, value=_within_cell_limit(value))
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    sheet.append([styled(header_rows[0][0], font=Font(bold=True, size=13))])
    sheet.append([styled(header, font=Font(bold=True)) for header in header_rows[1]])
    sheet.append([styled(key, font=Font(italic=True, color="666666")) for key in header_rows[2]])
    formats = [NUMBER_FORMATS.get(column.kind) for column in table.columns]
    for row in rows:
        sheet.append(
            [
                _xlsx_cell(sheet, value, number_format)
                for value, number_format in zip(row, formats, strict=True)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value, number_format):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        # Excel stores no time zone: the KST wall-clock time, as the header says.
        value = value.replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=_within_cell_limit(value))
    if number_format:
        cell.number_format = number_format
    return cell


def _within_cell_limit(value):
    """A text no longer than Excel holds in a cell (``EXCEL_CELL_LIMIT``), cut with "…"."""
    if isinstance(value, str) and len(value) > EXCEL_CELL_LIMIT:
        return value[: EXCEL_CELL_LIMIT - 1] + "…"
    return value


def _sheet_name(name: str) -> str:
    """Excel refuses sheet names over 31 characters or with any of ``[]:*?/\\``."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in str(name)).strip()
    return (cleaned or "Sheet1")[:31]
