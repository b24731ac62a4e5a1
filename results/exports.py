"""Exports of rankings, applications and awards as CSV and XLSX, built from the same selectors
(and so the same visibility) as the pages.

XLSX is written directly (a zip of SpreadsheetML parts with inline strings): the workbooks are
single-sheet tables, and this keeps the portal free of a spreadsheet library dependency.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Track
from results import selectors as sel


def ranking_rows(track: Track) -> tuple[list[str], Iterable[list]]:
    criteria = sel.criteria_for_track(track)
    header = [
        _("Rank"),
        _("Reference"),
        _("Title"),
        _("Applicant"),
        _("Country"),
        _("City"),
        _("Reviewers"),
        _("Official score"),
        _("Mean"),
        _("Trimmed mean"),
        _("Median"),
        _("Normalised"),
        _("Spread"),
        _("Standard deviation"),
        *[c.code for c in criteria],
        _("Flags"),
        _("Tie-break"),
        _("Decision"),
    ]

    def rows():
        for r in sel.ranking_for_track(track).iterator(chunk_size=2000):
            a = r.application
            decision = getattr(a, "decision", None)
            yield [
                r.rank,
                a.reference,
                a.title,
                a.organization.name,
                a.country.name if a.country else "",
                a.city.name if a.city else "",
                r.reviewer_count,
                r.official_score,
                r.mean,
                r.trimmed_mean,
                r.median,
                r.normalised,
                r.spread,
                r.std_dev,
                *[r.criterion_means.get(c.code, "") for c in criteria],
                " ".join(r.flags),
                r.tiebreak.get("rule", ""),
                decision.outcome if decision else "",
            ]

    return header, rows()


def application_rows(user, track: Track) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Reference"),
        _("Status"),
        _("Title"),
        _("Applicant"),
        _("Country"),
        _("City"),
        _("Budget requested (KRW)"),
        _("Co-financing (KRW)"),
        _("Submitted at"),
    ]

    def rows():
        for a in sel.applications_for_export(user, track).iterator(chunk_size=2000):
            yield [
                a.reference,
                a.status,
                a.title,
                a.organization.name,
                a.country.name if a.country else "",
                a.city.name if a.city else "",
                a.budget_requested,
                a.co_financing,
                a.submitted_at.isoformat() if a.submitted_at else "",
            ]

    return header, rows()


# A text cell starting with one of these is read as a formula by Excel, LibreOffice or Google
# Sheets (tab and carriage return too, as some importers drop them before parsing the rest).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it but never evaluates it: a leading quote before a
    formula trigger (applicants write titles and names; opening an export must not run them)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(value) -> str:
    """A CSV cell: a number as written (a negative amount stays a number), anything else as
    neutralised text."""
    if value is None:
        return ""
    if _is_number(value):
        return str(value)
    return neutralise(str(value))


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Korean text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(map(_cell, header))
    for row in rows:
        writer.writerow(map(_cell, row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def to_xlsx(header: Sequence, rows: Iterable[Sequence], *, sheet: str = "Sheet1") -> bytes:
    """A one-sheet workbook: numbers as numbers, everything else as inline strings (neutralised
    like the CSV's)."""
    lines = []
    for r, row in enumerate([header, *rows], start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_column(c)}{r}"
            if _is_number(value):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value not in (None, ""):
                # Inline strings are never evaluated, but a user who edits the cell or saves
                # the sheet as CSV would turn a leading "=" into a formula: neutralised too.
                text = escape(neutralise(str(value)))
                cells.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# The exports of a track, by kind: (button label, rows function taking the user and the track).
# Results registers its own two; a later app adds its export through ``register_export`` (the
# awards app adds "awards" when it is ready), so results never imports it.
EXPORTERS: dict[str, tuple] = {}


def register_export(kind: str, label, rows) -> None:
    """Offer ``kind`` on the board's download buttons; ``rows(user, track)`` answers
    ``(header, rows)``. Registering a kind again replaces it."""
    EXPORTERS[kind] = (label, rows)


register_export("rankings", gettext_lazy("Rankings"), lambda user, track: ranking_rows(track))
register_export("applications", gettext_lazy("Applications"), application_rows)


def export_track(*, user, track: Track, kind: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) for one export; the caller has checked that the
    user may see the track (``results_track_for_user``)."""
    if kind not in EXPORTERS:
        raise ValueError(kind)
    header, rows = EXPORTERS[kind][1](user, track)
    name = f"{track.call.year}-{track.code}-{kind}"
    if fmt == "xlsx":
        return (
            to_xlsx(header, rows, sheet=kind),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{name}.xlsx",
        )
    return to_csv(header, rows), "text/csv; charset=utf-8", f"{name}.csv"
