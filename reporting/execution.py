"""The programme's budget execution for staff: what was awarded, planned, claimed, approved and
paid, by year, track kind and country (or project by project), with the share of the award
paid so far. Read by the execution table, its CSV and XLSX exports and the dashboards.

The figures are summed in the database, one grouped query per source (awards, budget lines,
payment-request lines), so the table costs the same few queries whatever the number of
projects; which requests count as claimed, approved and paid is ``awards.execution``'s rule
(``CLAIMED``, ``APPROVED``, ``PAID``), and the money sits where ``awards.execution`` reads it
(budget lines, payment-request lines), so a project's row here equals its
``project_execution``. What a cancelled award counts as awarded is what it still commits
(``awards.services.budget_left``): only what was paid before it was cancelled.

Only projects funded through the portal are counted: the payments of the projects of the years
before it (2020, 2021) were made outside it, and a paid share of nought would misstate them.
Visibility is ``projects.selectors.projects_for_staff``: programme admins every project,
secretariat staff those awarded on their tracks. Writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from awards.execution import APPROVED, CLAIMED, PAID, TERMINATED
from awards.models import Award, BudgetLine, PaymentRequestLine
from core.exports import Column, Kind, Table, in_seoul, to_csv, to_xlsx
from projects.models import Country, Project, Track
from projects.selectors import projects_for_staff
from results.exports import choice_label, export_language

PROJECTS_PER_PAGE = 50
ONE_PLACE = Decimal("0.1")
# The kinds of funded projects (a contractor selection is a call of its own, never a project).
PROJECT_KINDS = [
    (k, label) for k, label in Track.Kind.choices if k != Track.Kind.CONTRACTOR_SELECTION
]


class Grouping:
    """How the table's rows are cut: the project fields each grouping sums by."""

    DETAIL = "detail"
    YEAR = "year"
    TRACK = "track"
    COUNTRY = "country"
    PROJECT = "project"

    FIELDS = {
        DETAIL: ("year", "track_kind", "country"),
        YEAR: ("year",),
        TRACK: ("track_kind",),
        COUNTRY: ("country",),
        PROJECT: ("pk",),
    }
    CHOICES = [
        (DETAIL, gettext_lazy("Year, track and country")),
        (YEAR, gettext_lazy("Year")),
        (TRACK, gettext_lazy("Track")),
        (COUNTRY, gettext_lazy("Country")),
        (PROJECT, gettext_lazy("Project")),
    ]


@dataclass
class Figures:
    """Won awarded, planned in budget lines, claimed, approved and paid; ``projects`` counted."""

    projects: int = 0
    awarded: int = 0
    planned: int = 0
    claimed: int = 0
    approved: int = 0
    paid: int = 0

    @property
    def paid_share(self) -> Decimal | None:
        """Paid as a percentage of the award, to one place (None when nothing is awarded)."""
        if not self.awarded:
            return None
        return (Decimal(self.paid) * 100 / self.awarded).quantize(ONE_PLACE, ROUND_HALF_UP)

    def add(self, other: Figures) -> None:
        for name in ("projects", "awarded", "planned", "claimed", "approved", "paid"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ExecutionRow(Figures):
    """One row of the table: its group (the fields the grouping names; the others None) and
    its figures."""

    year: int | None = None
    track_kind: str | None = None
    country: Country | None = None
    project: Project | None = None

    @property
    def track_label(self) -> str:
        return choice_label(Track.Kind, self.track_kind)


@dataclass
class ExecutionTable:
    rows: list[ExecutionRow]
    total: Figures
    grouping: str
    page: Page | None = None  # the page of projects, when the grouping is by project
    filters: dict = field(default_factory=dict)


# --- scope and filters -------------------------------------------------------------------------


def execution_projects_for_user(user) -> QuerySet[Project]:
    """The projects whose execution the user may read: funded through the portal, and among
    ``projects_for_staff(user)`` (all for programme admins, their tracks' for secretariat
    staff, none for anyone else)."""
    return projects_for_staff(user).filter(source=Project.Source.PORTAL)


def project_kinds_of(projects: QuerySet[Project]) -> list[tuple[str, str]]:
    """(kind, label) of the track kinds among ``projects``, in the tracks' order: the track
    filter's options, so that a secretariat's staff never read the other secretariat's kind
    (pass ``execution_projects_for_user(user)``, the rows' own scope)."""
    present = set(projects.order_by().values_list("track_kind", flat=True).distinct())
    return [(kind, label) for kind, label in PROJECT_KINDS if kind in present]


def filter_projects(projects: QuerySet[Project], filters: dict) -> QuerySet[Project]:
    """``projects`` narrowed by ``filters``: ``year``, ``track_kind``, ``country`` (ISO code)
    and ``status`` (the project's), each when given."""
    if "year" in filters:
        projects = projects.filter(year=filters["year"])
    if "track_kind" in filters:
        projects = projects.filter(track_kind=filters["track_kind"])
    if "country" in filters:
        projects = projects.filter(country__code=filters["country"])
    if "status" in filters:
        projects = projects.filter(status=filters["status"])
    return projects


# --- the figures -------------------------------------------------------------------------------


def _awarded():
    # The award's amount; a project without an award row (none in the portal today) counts its
    # recorded budget. A cancelled award commits only what was paid before it was cancelled
    # (``awards.services.budget_left``: the rest went back to the track, and to the reserve
    # offered it), added from the payment lines in ``_grouped``; counting its whole amount
    # would count that money twice.
    return Sum(
        Case(
            When(award__status=Award.Status.CANCELLED, then=Value(0)),
            default=Coalesce(F("award__amount"), F("budget_krw"), Value(0)),
            output_field=BigIntegerField(),
        )
    )


def _sums(queryset: QuerySet, group_by: list[str], **aggregates) -> list[dict]:
    """``aggregates`` of ``queryset`` per value of ``group_by`` (one query); with nothing to
    group by, one row for the whole of it."""
    queryset = queryset.order_by()
    if not group_by:
        return [queryset.aggregate(**aggregates)]
    return list(queryset.values(*group_by).annotate(**aggregates))


def _grouped(projects: QuerySet[Project], fields: tuple[str, ...]) -> dict[tuple, Figures]:
    """The figures of ``projects`` per value of ``fields`` (all together when ``fields`` is
    empty): three grouped queries, awards, budget lines and payment-request lines."""
    ids = projects.order_by().values("pk")
    figures: dict[tuple, Figures] = {}

    def at(row: dict, prefix: str) -> Figures:
        key = tuple(row[f"{prefix}{name}"] for name in fields)
        return figures.setdefault(key, Figures())

    for row in _sums(
        Project.objects.filter(pk__in=ids), list(fields), n=Count("pk"), awarded=_awarded()
    ):
        if row["n"]:
            entry = at(row, "")
            entry.projects, entry.awarded = row["n"], row["awarded"] or 0

    prefix = "agreement__project__"
    # A terminated agreement plans what it paid (``awards.execution.project_execution``),
    # added from the payment lines below.
    for row in _sums(
        BudgetLine.objects.filter(agreement__project__in=ids).exclude(agreement__status=TERMINATED),
        [prefix + name for name in fields],
        planned=Sum("planned_krw"),
    ):
        if row["planned"] is not None:
            at(row, prefix).planned = row["planned"]

    prefix = "request__tranche__agreement__project__"
    for row in _sums(
        PaymentRequestLine.objects.filter(request__tranche__agreement__project__in=ids),
        [prefix + name for name in fields],
        claimed=Sum("amount_krw", filter=Q(request__status__in=CLAIMED)),
        approved=Sum("amount_krw", filter=Q(request__status__in=APPROVED)),
        paid=Sum("amount_krw", filter=Q(request__status__in=PAID)),
        paid_terminated=Sum(
            "amount_krw",
            filter=Q(request__status__in=PAID, request__tranche__agreement__status=TERMINATED),
        ),
        paid_cancelled=Sum(
            "amount_krw",
            filter=Q(
                request__status__in=PAID,
                request__tranche__agreement__project__award__status=Award.Status.CANCELLED,
            ),
        ),
    ):
        if any(row[name] is not None for name in ("claimed", "approved", "paid")):
            entry = at(row, prefix)
            entry.claimed = row["claimed"] or 0
            entry.approved = row["approved"] or 0
            entry.paid = row["paid"] or 0
            entry.awarded += row["paid_cancelled"] or 0
            entry.planned += row["paid_terminated"] or 0
    return figures


def programme_total(projects: QuerySet[Project]) -> Figures:
    """The figures of every project of ``projects`` together (three queries)."""
    return _grouped(projects, ()).get((), Figures())


def _track_order(kind: str | None) -> int:
    kinds = [k for k, _label in PROJECT_KINDS]
    return kinds.index(kind) if kind in kinds else len(kinds)


def execution_rows(projects: QuerySet[Project], grouping: str) -> list[ExecutionRow]:
    """One row per group of ``projects`` (not the project grouping: see ``execution_table``),
    newest year first, then the tracks' order, then the country's name in the reader's language.
    Four queries (three sums and the countries' names)."""
    fields = Grouping.FIELDS[grouping]
    grouped = _grouped(projects, fields)
    country_ids = {key[fields.index("country")] for key in grouped} if "country" in fields else ()
    countries = Country.objects.in_bulk(list(country_ids)) if country_ids else {}
    rows = []
    for key, figures in grouped.items():
        values = dict(zip(fields, key, strict=True))
        rows.append(
            ExecutionRow(
                **vars(figures),
                year=values.get("year"),
                track_kind=values.get("track_kind"),
                country=countries.get(values.get("country")),
            )
        )
    rows.sort(
        key=lambda r: (
            -(r.year or 0),
            _track_order(r.track_kind),
            str(r.country.display_name) if r.country else "",
        )
    )
    return rows


def project_rows(projects: Iterable[Project], grouped: dict[tuple, Figures]) -> list[ExecutionRow]:
    rows = []
    for project in projects:
        figures = grouped.get((project.pk,), Figures(projects=1))
        rows.append(
            ExecutionRow(
                **vars(figures),
                year=project.year,
                track_kind=project.track_kind,
                country=project.country,
                project=project,
            )
        )
    return rows


def _ordered_projects(projects: QuerySet[Project]) -> QuerySet[Project]:
    return projects.select_related("country", "city").order_by("-year", "code")


def execution_table(user, filters: dict, *, page: str | int | None = 1) -> ExecutionTable:
    """The table the page shows: the user's projects (``execution_projects_for_user``) under
    ``filters``, cut by ``filters["group"]``, with the total of them all. By project, one page
    of ``PROJECTS_PER_PAGE`` projects (their figures summed for that page only). A fixed number
    of queries whatever the number of projects."""
    grouping = filters.get("group", Grouping.DETAIL)
    projects = filter_projects(execution_projects_for_user(user), filters)
    if grouping != Grouping.PROJECT:
        rows = execution_rows(projects, grouping)
        total = Figures()
        for row in rows:
            total.add(row)
        return ExecutionTable(rows=rows, total=total, grouping=grouping, filters=filters)
    paged = Paginator(_ordered_projects(projects), PROJECTS_PER_PAGE).get_page(page)
    listed = list(paged.object_list)
    grouped = _grouped(Project.objects.filter(pk__in=[p.pk for p in listed]), ("pk",))
    return ExecutionTable(
        rows=project_rows(listed, grouped),
        total=programme_total(projects),
        grouping=grouping,
        page=paged,
        filters=filters,
    )


def paid_and_awarded_by_year(user) -> list[ExecutionRow]:
    """Awarded and paid per selection year over the user's projects, oldest year first (for
    the dashboards' chart)."""
    return sorted(
        execution_rows(execution_projects_for_user(user), Grouping.YEAR), key=lambda r: r.year
    )


# --- exports -----------------------------------------------------------------------------------


FIGURE_COLUMNS = (
    # A count: in Korean not the same word as the project column of the file by project.
    ("projects", pgettext_lazy("how many, in the budget execution export", "Projects"), Kind.COUNT),
    ("awarded", gettext_lazy("Awarded (KRW)"), Kind.MONEY),
    ("planned", gettext_lazy("Planned (KRW)"), Kind.MONEY),
    ("claimed", gettext_lazy("Claimed (KRW)"), Kind.MONEY),
    ("approved", gettext_lazy("Approved (KRW)"), Kind.MONEY),
    ("paid", gettext_lazy("Paid (KRW)"), Kind.MONEY),
    ("paid_share", gettext_lazy("Paid share (%)"), Kind.SCORE),
)


def export_columns(grouping: str) -> list[Column]:
    """The group's columns (a country by name and by its ISO code), then the figures."""
    fields = Grouping.FIELDS[grouping]
    columns = []
    if grouping == Grouping.PROJECT:
        columns += [
            Column("project_code", _("Project code")),
            Column("project", _("Project")),
            Column("status", _("Project status")),
        ]
    if "year" in fields or grouping == Grouping.PROJECT:
        columns.append(Column("year", _("Year"), Kind.COUNT))
    if "track_kind" in fields or grouping == Grouping.PROJECT:
        columns.append(Column("track", _("Track")))
    if "country" in fields or grouping == Grouping.PROJECT:
        columns += [Column("country", _("Country")), Column("country_code", _("Country code"))]
    return columns + [Column(key, str(header), kind) for key, header, kind in FIGURE_COLUMNS]


def _export_values(row: ExecutionRow, grouping: str) -> list:
    fields = Grouping.FIELDS[grouping]
    values = []
    if grouping == Grouping.PROJECT:
        project = row.project
        values += [project.code, project.display_name, choice_label(Project.Status, project.status)]
    if "year" in fields or grouping == Grouping.PROJECT:
        values.append(row.year)
    if "track_kind" in fields or grouping == Grouping.PROJECT:
        values.append(row.track_label)
    if "country" in fields or grouping == Grouping.PROJECT:
        values += [
            row.country.display_name if row.country else "",
            row.country.code if row.country else "",
        ]
    return values + [getattr(row, key) for key, _header, _kind in FIGURE_COLUMNS]


def _export_rows(user, filters: dict) -> Iterable[ExecutionRow]:
    """Every row of the table under ``filters`` (all projects when by project, in chunks of a
    page each: a page's figures in three queries)."""
    grouping = filters.get("group", Grouping.DETAIL)
    projects = filter_projects(execution_projects_for_user(user), filters)
    if grouping != Grouping.PROJECT:
        yield from execution_rows(projects, grouping)
        return
    paginator = Paginator(_ordered_projects(projects), PROJECTS_PER_PAGE * 10)
    for number in paginator.page_range:
        listed = list(paginator.page(number).object_list)
        grouped = _grouped(Project.objects.filter(pk__in=[p.pk for p in listed]), ("pk",))
        yield from project_rows(listed, grouped)


def export_title(filters: dict, now: datetime.datetime) -> str:
    """The title row: what the file holds (its filters) and when it was made (KST)."""
    labels = {
        "year": lambda v: str(v),
        "track_kind": lambda v: choice_label(Track.Kind, v),
        "country": lambda v: str(
            getattr(Country.objects.filter(code=v).first(), "display_name", v)
        ),
        "status": lambda v: choice_label(Project.Status, v),
    }
    narrowed = [labels[name](filters[name]) for name in labels if name in filters]
    what = _("Budget execution")
    if narrowed:
        what = f"{what} ({', '.join(narrowed)})"
    return _("%(what)s — exported %(time)s KST") % {
        "what": what,
        "time": in_seoul(now).strftime("%Y-%m-%d %H:%M"),
    }


def export_execution(
    *, user, filters: dict, fmt: str, lang: str | None = None, now=None
) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the execution table under ``filters``, in CSV or
    XLSX (``core.exports``: money as whole won, formulas neutralised), in
    ``results.exports.export_language(lang)``. The rows are those the user's table shows."""
    grouping = filters.get("group", Grouping.DETAIL)
    now = now or timezone.now()
    with translation.override(export_language(lang)):
        table = Table(
            title=export_title(filters, now),
            sheet=_("Budget execution"),
            columns=export_columns(grouping),
            rows=(_export_values(row, grouping) for row in _export_rows(user, filters)),
        )
        name = f"budget-execution-{grouping}-{in_seoul(now):%Y%m%d}"
        if fmt == "xlsx":
            return (
                to_xlsx(table),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"{name}.xlsx",
            )
        return to_csv(table), "text/csv; charset=utf-8", f"{name}.csv"
