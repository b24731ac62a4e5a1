"""The exports a ministry can use: opened with openpyxl (and the CSV module) and checked cell by
cell — names not codes, numbers as numbers, times as KST date-times, Korean headers and
statuses in the Korean file, a title row, a frozen header and fitted widths."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from applications.models import Application
from awards.models import Award
from core.exports import Column, Kind, Table, convert, to_csv, to_xlsx
from results.exports import export_track
from results.models import ApplicationResult, Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from reviews.models import Criterion
from tests.results.test_views import build_track

pytestmark = pytest.mark.django_db

M = 1_000_000
SEOUL = ZoneInfo("Asia/Seoul")
# 15:30 UTC on 31 March is half past midnight on 1 April in Seoul: the date itself moves.
SUBMITTED_UTC = datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC)
SUBMITTED_KST = datetime.datetime(2026, 4, 1, 0, 30)
NOW = datetime.datetime(2026, 5, 4, 23, 15, tzinfo=datetime.UTC)  # 08:15 on 5 May in Seoul


def export_url(track, kind, fmt, **query):
    url = reverse("staff_results:export", args=[track.pk, kind, fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def column(rows: list[list], key: str) -> int:
    """The index of the column whose key (third row) is ``key``."""
    return rows[2].index(key)


def decided_track(track, staff, admin, n=2):
    """A ranked track with released decisions and one award, the last one proposed."""
    from awards.services import award_funding

    apps = build_track(track, n)
    propose_funding_line(track=track, actor=staff)
    confirm_decisions(track=track, actor=admin)
    release_decisions(track=track, actor=admin)
    decision = Decision.objects.filter(track=track, outcome="selected").first()
    award_funding(application=decision.application, amount=400 * M, actor=staff)
    return apps


def test_rankings_workbook_names_criteria_and_types_every_cell(planning_track, kind_staff):
    build_track(planning_track, 2)
    first = ApplicationResult.objects.get(track=planning_track, rank=1)
    with translation.override("en"):
        content, content_type, name = export_track(
            user=kind_staff, track=planning_track, kind="rankings", fmt="xlsx", now=NOW
        )
    assert content_type.endswith("spreadsheetml.sheet") and name.endswith("-PL-rankings.xlsx")
    sheet = sheet_of(content)
    rows = rows_of(sheet)

    # Title row: the call, the track and the time of export in KST.
    title = rows[0][0]
    assert str(planning_track.call.name) in title and str(planning_track.name) in title
    assert "2026-05-05 08:15 KST" in title
    # Headers are names; the key row carries the codes.
    assert rows[1][:3] == ["Rank", "Reference", "Title"]
    assert "Feasibility" in rows[1] and "Site" in rows[1]
    assert "feasibility" not in rows[1]
    assert rows[2][:3] == ["rank", "reference", "title"]
    assert rows[2][rows[1].index("Feasibility")] == "criterion.feasibility"

    data = {row[1]: row for row in rows[3:]}
    row = data[first.application.reference]
    assert row[column(rows, "rank")] == 1 and type(row[column(rows, "rank")]) is int
    assert type(row[column(rows, "reviewers")]) is int and row[column(rows, "reviewers")] == 3
    score = row[column(rows, "official_score")]
    # A number (a whole score such as 73.00 reads back as int: the format shows the places).
    assert type(score) in (int, float) and score == pytest.approx(float(first.official_score))
    mean = row[column(rows, "criterion.feasibility")]
    # Stored as the text "41.67" in JSON, written as a number Excel can sum.
    assert type(mean) in (int, float)
    assert mean == pytest.approx(float(first.criterion_means["feasibility"]))
    cell = sheet.cell(row=4, column=column(rows, "official_score") + 1)
    assert cell.number_format == "0.00" and cell.data_type == "n"


def test_workbook_has_a_frozen_header_and_fitted_widths(planning_track, kind_staff):
    build_track(planning_track, 1, title="A rather long title for a smart-city master plan")
    content, *_ = export_track(user=kind_staff, track=planning_track, kind="rankings", fmt="xlsx")
    sheet = sheet_of(content)
    assert sheet.freeze_panes == "A4"  # title, headers and keys stay in view
    assert sheet["A1"].font.b and sheet["A2"].font.b
    widths = {letter: sheet.column_dimensions[letter].width for letter in ("A", "B", "C", "D", "E")}
    # Rank is narrow, the title column grows to its longest value (within the cap).
    assert 8 <= widths["A"] < 12
    assert widths["C"] >= len("A rather long title for a smart-city master plan 0")
    assert all(8 <= width <= 60 for width in widths.values())


def test_applications_workbook_money_is_int_and_submission_a_kst_datetime(
    planning_track, kind_staff
):
    apps = build_track(planning_track, 1)
    Application.objects.filter(pk=apps[0].pk).update(
        submitted_at=SUBMITTED_UTC, co_financing=25 * M
    )
    with translation.override("en"):
        content, *_ = export_track(
            user=kind_staff, track=planning_track, kind="applications", fmt="xlsx"
        )
    sheet = sheet_of(content)
    rows = rows_of(sheet)
    assert rows[1][column(rows, "submitted_at")] == "Submitted at (KST)"
    row = rows[3]
    assert row[column(rows, "budget_requested")] == 400 * M
    assert type(row[column(rows, "budget_requested")]) is int
    assert row[column(rows, "co_financing")] == 25 * M
    assert row[column(rows, "status")] == "Under review"  # the label, not "under_review"
    submitted = sheet.cell(row=4, column=column(rows, "submitted_at") + 1)
    assert submitted.is_date and submitted.value == SUBMITTED_KST
    assert submitted.number_format == "yyyy-mm-dd hh:mm:ss"
    money = sheet.cell(row=4, column=column(rows, "budget_requested") + 1)
    assert money.number_format == "#,##0"


def test_applications_csv_has_the_same_rows_as_text(client, planning_track, kind_staff):
    apps = build_track(planning_track, 1)
    Application.objects.filter(pk=apps[0].pk).update(submitted_at=SUBMITTED_UTC)
    client.force_login(kind_staff)
    response = client.get(export_url(planning_track, "applications", "csv", lang="en"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.content)
    assert str(planning_track.name) in rows[0][0] and rows[0][0].endswith(" KST")
    assert rows[1][:2] == ["Reference", "Status"]
    row = rows[3]
    assert row[column(rows, "reference")] == apps[0].reference
    assert row[column(rows, "status")] == "Under review"
    assert row[column(rows, "budget_requested")] == "400000000"
    # ISO 8601 with the Seoul offset: the same instant, readable without guessing the zone.
    submitted = row[column(rows, "submitted_at")]
    assert submitted == "2026-04-01T00:30:00+09:00"
    assert datetime.datetime.fromisoformat(submitted) == SUBMITTED_UTC


def test_rankings_csv_names_decisions_flags_and_criteria(
    client, planning_track, kind_staff, programme_admin
):
    decided_track(planning_track, kind_staff, programme_admin)
    ApplicationResult.objects.filter(track=planning_track, rank=1).update(
        flags=["below_overall_threshold"], tiebreak={"rule": "submitted_at"}
    )
    client.force_login(kind_staff)
    rows = csv_rows(client.get(export_url(planning_track, "rankings", "csv", lang="en")).content)
    first = next(row for row in rows[3:] if row[0] == "1")
    assert first[column(rows, "decision")] == "Selected"
    assert first[column(rows, "flags")] == "Below the overall threshold"
    assert first[column(rows, "tiebreak")] == "Tie broken by earlier submission"
    assert "Feasibility" in rows[1] and "criterion.feasibility" in rows[2]
    mean = first[column(rows, "criterion.feasibility")]
    assert Decimal(mean) == Decimal(mean).quantize(Decimal("0.01"))  # two places, a number


def test_korean_file_translates_headers_statuses_and_names(
    client, planning_track, kind_staff, programme_admin
):
    """``?lang=ko`` from an English session, and the reader's own Korean without it."""
    decided_track(planning_track, kind_staff, programme_admin)
    Criterion.objects.filter(track=planning_track, code="feasibility").update(name_ko="실현 가능성")
    planning_track.name_ko = "스마트시티 계획"
    planning_track.save(update_fields=["name_ko"])
    statuses = set(
        Application.objects.filter(track=planning_track).values_list("status", flat=True)
    )
    with translation.override("ko"):
        status_labels = {str(Application.Status(status).label) for status in statuses}
        selected = str(Decision.Outcome.SELECTED.label)
        proposed = str(Award.Status.PROPOSED.label)
    assert statuses and not statuses & status_labels
    assert selected != "Selected" and proposed != "Proposed"

    client.force_login(kind_staff)
    client.cookies["django_language"] = "en"
    rankings = rows_of(
        sheet_of(client.get(export_url(planning_track, "rankings", "xlsx", lang="ko")).content)
    )
    assert "스마트시티 계획" in rankings[0][0]
    assert rankings[1][:3] == ["순위", "접수번호", "제목"]
    assert "실현 가능성" in rankings[1] and "Feasibility" not in rankings[1]
    assert rankings[2][:3] == ["rank", "reference", "title"]  # the keys never change
    assert selected in [row[column(rankings, "decision")] for row in rankings[3:]]

    client.cookies["django_language"] = "ko"
    awards = rows_of(sheet_of(client.get(export_url(planning_track, "awards", "xlsx")).content))
    assert awards[1][column(awards, "status")] == "상태"
    assert [row[column(awards, "status")] for row in awards[3:]] == [proposed]
    assert type(awards[3][column(awards, "amount")]) is int
    assert type(awards[3][column(awards, "awarded_at")]) is datetime.datetime

    # An unknown language is not an error: the reader's own.
    applications = csv_rows(
        client.get(export_url(planning_track, "applications", "csv", lang="xx")).content
    )
    assert applications[1][1] == "상태"
    assert {row[1] for row in applications[3:]} == status_labels


def test_convert_keeps_one_rule_per_kind():
    naive = datetime.datetime(2026, 1, 1, 0, 0)
    assert convert(Kind.SCORE, "12.5") == Decimal("12.50")
    assert convert(Kind.SCORE, "n/a") is None  # never text in a number column
    assert convert(Kind.MONEY, Decimal("400000000")) == 400 * M
    assert convert(Kind.COUNT, None) is None
    assert convert(Kind.DATETIME, naive) == datetime.datetime(2026, 1, 1, 9, 0, tzinfo=SEOUL)
    assert convert(Kind.TEXT, "=1+1") == "'=1+1"
    assert convert(Kind.TEXT, 5) == "5"


def test_sheet_name_is_one_excel_accepts():
    table = Table(
        title="t",
        sheet="Rankings: [2026] / final? " * 3,
        columns=[Column("a", "A")],
        rows=[["x"]],
    )
    name = load_workbook(io.BytesIO(to_xlsx(table))).sheetnames[0]
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
    assert csv_rows(to_csv(table))[3] == ["x"]
