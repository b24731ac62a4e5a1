"""Outside review of the budget execution figures: a cancelled award and the reserve promoted
in its place, counted against a hand count, the same on the page, in the download and on the
dashboards' chart."""

import csv
import io

import pytest

from awards.execution import project_execution
from awards.models import Agreement, Award
from awards.services import budget_left
from projects.models import Project
from reporting import dashboards
from reporting.execution import Grouping, execution_table, export_execution
from tests.reporting.execution_data import (
    RS,
    M,
    agreement,
    countries,
    funded_project,
    payment,
    tranche,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled_and_promoted(planning_track):
    """2022 planning: Klang awarded 400 and paid 120 before its award was cancelled; the
    reserve promoted in its place, Khulna, awarded 400 with nothing paid yet (millions)."""
    cc = countries()
    planning_track.total_budget = 800 * M
    planning_track.save(update_fields=["total_budget"])
    klang = funded_project(planning_track, cc["MY"], amount=400 * M, name="Klang plan")
    contract = agreement(klang, lines={"personnel": 400 * M})
    payment(tranche(contract, 1, 120 * M), RS.PAID, {"personnel": 120 * M})
    payment(tranche(contract, 2, 160 * M), RS.CANCELLED, {"personnel": 160 * M})
    Award.objects.filter(project=klang).update(status=Award.Status.CANCELLED)
    Project.objects.filter(pk=klang.pk).update(status=Project.Status.CANCELLED)
    khulna = funded_project(planning_track, cc["BD"], amount=400 * M, name="Khulna plan")
    Award.objects.filter(project=khulna).update(status=Award.Status.APPROVED)
    return {"klang": klang, "khulna": khulna}


def test_execution_awarded_counts_of_a_cancelled_award_only_what_was_paid(
    cancelled_and_promoted, planning_track, programme_admin
):
    table = execution_table(programme_admin, {"group": Grouping.YEAR})
    (row,) = table.rows
    # Hand count: Khulna's live 400 + the 120 Klang was paid before its award was cancelled;
    # the 280 the cancellation freed went to the reserve. The same as the track's budget
    # says is committed (``budget_left``).
    assert (row.projects, row.awarded, row.paid) == (2, 520 * M, 120 * M)
    assert row.awarded == planning_track.total_budget - budget_left(planning_track)
    assert table.total.awarded == 520 * M


def test_execution_cancelled_project_row_and_download_agree(
    cancelled_and_promoted, programme_admin
):
    table = execution_table(programme_admin, {"group": Grouping.PROJECT})
    by_code = {row.project.code: row for row in table.rows}
    klang = by_code[cancelled_and_promoted["klang"].code]
    assert (klang.awarded, klang.paid, str(klang.paid_share)) == (120 * M, 120 * M, "100.0")
    assert table.total.awarded == 520 * M

    content, _type, _name = export_execution(
        user=programme_admin, filters={"group": Grouping.YEAR}, fmt="csv", lang="en"
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = next(r for r in rows if "Awarded (KRW)" in r)
    # The data rows are those that start with a year (after the title, headers and keys).
    awarded = {r[0]: r[header.index("Awarded (KRW)")] for r in rows if r and r[0].isdigit()}
    assert awarded == {"2022": str(520 * M)}


def test_dashboard_money_chart_counts_the_same_awarded_figure(
    cancelled_and_promoted, programme_admin, client
):
    chart = dashboards.paid_vs_awarded_chart(programme_admin)
    assert chart.rows == (("2022", 520, 120),)


@pytest.fixture
def terminated_and_replaced(planning_track):
    """Klang, awarded 400: its first service contract planned 400 and was paid 120 before it
    was terminated; the second (``-2``) plans the 280 left of the award (millions)."""
    cc = countries()
    klang = funded_project(planning_track, cc["MY"], amount=400 * M, name="Klang plan")
    first = agreement(klang, lines={"personnel": 300 * M, "travel": 100 * M})
    payment(tranche(first, 1, 120 * M), RS.PAID, {"personnel": 90 * M, "travel": 30 * M})
    payment(tranche(first, 2, 160 * M), RS.CANCELLED, {"personnel": 160 * M})
    Agreement.objects.filter(pk=first.pk).update(
        status=Agreement.Status.TERMINATED, reference=f"{first.reference}-1"
    )
    agreement(klang, lines={"personnel": 200 * M, "travel": 80 * M})
    return klang


def test_execution_planned_counts_of_a_terminated_agreement_only_what_it_paid(
    terminated_and_replaced, programme_admin
):
    """The budget of the agreements in force plus what terminated ones paid: what the award
    still has room for (docs/funding.md, "Terminating an agreement"), never more than it."""
    table = execution_table(programme_admin, {"group": Grouping.YEAR})
    (row,) = table.rows
    assert (row.awarded, row.planned, row.paid) == (400 * M, 400 * M, 120 * M)


def test_project_execution_planned_per_line_counts_a_terminated_agreement_as_paid(
    terminated_and_replaced, programme_admin
):
    lines = {line.category: line for line in project_execution(terminated_and_replaced).lines}
    assert (lines["personnel"].planned, lines["travel"].planned) == (290 * M, 110 * M)
    assert project_execution(terminated_and_replaced).planned == 400 * M
    # The project's row in the table is its own execution.
    (row,) = execution_table(programme_admin, {"group": Grouping.PROJECT}).rows
    assert row.planned == project_execution(terminated_and_replaced).planned
