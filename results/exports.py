"""Exports of rankings, applications and awards as CSV and XLSX, built from the same selectors
(and so the same visibility) as the pages.

Each export's rows function answers ``(columns, rows)``: typed ``core.exports.Column``s with
headers in the active language (a criterion by its name, its code in the key row) and rows of
raw values; ``core.exports`` converts them (money, scores, KST times, neutralised text) and
writes the file. See docs/exports.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Question
from applications.questions import label as answer_label
from applications.selectors import answer_cells, question_columns
from core.exports import Column, Kind, Table, in_seoul, to_csv, to_xlsx
from projects.models import Country, Track
from results import selectors as sel
from results.models import Decision


def place_columns() -> list[Column]:
    """Reference, title, applicant, country and city: the first columns of every export."""
    return [
        Column("reference", _("Reference")),
        Column("title", _("Title")),
        Column("applicant", _("Applicant")),
        Column("country", _("Country")),
        Column("city", _("City")),
    ]


def place_values(application) -> list:
    """The values of ``place_columns`` for ``application``, names in the reader's language."""
    return [
        application.reference,
        application.title,
        application.organization.display_name,
        application.country.display_name if application.country else "",
        application.city.display_name if application.city else "",
    ]


def choice_label(choices, value) -> str:
    """A stored choice (``selected``) as the reader's words (“Selected”, “선정”)."""
    return str(dict(choices.choices).get(value, value)) if value else ""


def ranking_rows(track: Track, filters: dict | None = None) -> tuple[list[Column], Iterable[list]]:
    """The ranking as the board lists it: under the board's ``filters`` (``q``, ``flag``,
    ``sort``, ``country``: ``board_filters``), every page of it."""
    # The board's wording of flags and tie-breaks, so the file says what the page says
    # (imported here: the views import this module).
    from results.views import flag_label, tiebreak_label

    filters = filters or {}
    criteria = sel.criteria_for_track(track)
    names = {c.code: c.display_name for c in criteria}
    columns = [
        Column("rank", _("Rank"), Kind.COUNT),
        *place_columns(),
        Column("reviewers", _("Reviewers"), Kind.COUNT),
        Column("official_score", _("Official score"), Kind.SCORE),
        Column("mean", _("Mean"), Kind.SCORE),
        Column("trimmed_mean", _("Trimmed mean"), Kind.SCORE),
        Column("median", _("Median"), Kind.SCORE),
        Column("normalised", _("Normalised"), Kind.SCORE),
        Column("spread", _("Spread"), Kind.SCORE),
        Column("std_dev", _("Standard deviation"), Kind.SCORE),
        *[Column(f"criterion.{c.code}", c.display_name, Kind.SCORE) for c in criteria],
        Column("flags", _("Flags")),
        Column("tiebreak", _("Tie-break")),
        Column("decision", _("Decision")),
    ]

    def rows():
        ranking = sel.ranking_for_track(
            track,
            sort=filters.get("sort") or "rank",
            flag=filters.get("flag") or "",
            q=filters.get("q") or "",
            country=filters.get("country") or "",
        )
        for r in ranking.iterator(chunk_size=2000):
            a = r.application
            decision = getattr(a, "decision", None)
            yield [
                r.rank,
                *place_values(a),
                r.reviewer_count,
                r.official_score,
                r.mean,
                r.trimmed_mean,
                r.median,
                r.normalised,
                r.spread,
                r.std_dev,
                *[r.criterion_means.get(c.code) for c in criteria],
                "; ".join(flag_label(flag, names) for flag in r.flags),
                tiebreak_label(r.tiebreak, names),
                choice_label(Decision.Outcome, decision.outcome) if decision else "",
            ]

    return columns, rows()


def application_rows(user, track: Track) -> tuple[list[Column], Iterable[list]]:
    # One column per question of the track's form (its code in the key row), after the
    # fixed fields; each answer read with the question as it was answered.
    questions = question_columns(track)
    columns = [
        Column("reference", _("Reference")),
        Column("status", _("Status")),
        *place_columns()[1:],
        Column("budget_requested", _("Budget requested (KRW)"), Kind.MONEY),
        Column("co_financing", _("Co-financing (KRW)"), Kind.MONEY),
        Column("submitted_at", _("Submitted at (KST)"), Kind.DATETIME),
        *[
            Column(
                f"question.{x.code}",
                answer_label(x),
                Kind.MONEY if x.type == Question.Type.AMOUNT_KRW else Kind.TEXT,
            )
            for x in questions
        ],
    ]

    def rows():
        listed = sel.applications_for_export(user, track).prefetch_related("answers__question")
        for a in listed.iterator(chunk_size=2000):
            yield [
                a.reference,
                choice_label(Application.Status, a.status),
                *place_values(a)[1:],
                a.budget_requested,
                a.co_financing,
                a.submitted_at,
                *answer_cells(a, questions),
            ]

    return columns, rows()


# The exports of a track, by kind: (button label, rows function taking the user and the track).
# Results registers its own two; a later app adds its export through ``register_export`` (the
# awards app adds "awards" when it is ready), so results never imports it.
EXPORTERS: dict[str, tuple] = {}
# The kinds whose rows follow the board's filters: their rows function takes them as a third
# argument, their links on the board carry them, and their title row names them.
BOARD_FILTERED: set[str] = set()


def register_export(kind: str, label, rows, *, board_filters: bool = False) -> None:
    """Offer ``kind`` on the board's download buttons; ``rows(user, track)`` answers
    ``(columns, rows)`` (``core.exports.Column``s, raw values); with ``board_filters``,
    ``rows(user, track, filters)`` lists what the board lists under the same filters.
    Registering a kind again replaces it."""
    EXPORTERS[kind] = (label, rows)
    if board_filters:
        BOARD_FILTERED.add(kind)
    else:
        BOARD_FILTERED.discard(kind)


register_export(
    "rankings",
    gettext_lazy("Rankings"),
    lambda user, track, filters: ranking_rows(track, filters),
    board_filters=True,
)
register_export("applications", gettext_lazy("Applications"), application_rows)


def filters_label(filters: dict) -> str:
    """The board's filters in words (“search “Lima”, a criterion below its threshold”), or ""
    when none narrows or reorders the list."""
    from results.views import FLAG_LABELS, BoardFilterForm  # the views import this module

    parts = []
    if filters.get("q"):
        parts.append(_("search “%(text)s”") % {"text": filters["q"]})
    if filters.get("flag"):
        parts.append(str(FLAG_LABELS.get(filters["flag"], filters["flag"])))
    if filters.get("country"):
        country = Country.objects.filter(code=filters["country"]).first()
        parts.append(str(country.display_name) if country else filters["country"])
    if filters.get("sort") and filters["sort"] != "rank":
        orders = dict(BoardFilterForm.base_fields["sort"].choices)
        parts.append(
            _("sorted by %(order)s") % {"order": orders.get(filters["sort"], filters["sort"])}
        )
    return ", ".join(parts)


def export_title(track: Track, now, filters: dict | None = None) -> str:
    """The title row: which call and track (and the board's filters, when the export follows
    them), and when the file was made (KST)."""
    what = track.display_name
    narrowed = filters_label(filters or {})
    if narrowed:
        what = f"{what} ({narrowed})"
    return _("%(call)s — %(track)s — exported %(time)s KST") % {
        "call": track.call.display_name,
        "track": what,
        "time": in_seoul(now).strftime("%Y-%m-%d %H:%M"),
    }


def export_language(requested: str | None) -> str:
    """The language of a file: ``requested`` (the ``lang`` parameter, e.g. a Korean file for
    the ministry from an English session) when the portal speaks it, else the reader's own."""
    if requested in dict(settings.LANGUAGES):
        return requested
    return translation.get_language() or settings.LANGUAGE_CODE


def export_track(
    *,
    user,
    track: Track,
    kind: str,
    fmt: str,
    lang: str | None = None,
    now=None,
    filters: dict | None = None,
) -> tuple[bytes, str, str]:
    """(content, content type, file name) for one export in ``export_language(lang)``; the
    caller has checked that the user may see the track (``results_track_for_user``).
    ``filters`` are the board's (``results.views.board_filters``), followed by the kinds
    registered with ``board_filters`` and ignored by the others."""
    if kind not in EXPORTERS:
        raise ValueError(kind)
    with translation.override(export_language(lang)):
        return _export(user=user, track=track, kind=kind, fmt=fmt, now=now, filters=filters)


def _export(
    *, user, track: Track, kind: str, fmt: str, now, filters: dict | None
) -> tuple[bytes, str, str]:
    label, rows_for = EXPORTERS[kind]
    if kind in BOARD_FILTERED:
        filters = filters or {}
        columns, rows = rows_for(user, track, filters)
    else:
        filters = None
        columns, rows = rows_for(user, track)
    table = Table(
        title=export_title(track, now or timezone.now(), filters),
        sheet=str(label),
        columns=columns,
        rows=rows,
    )
    name = f"{track.call.year}-{track.code}-{kind}"
    if fmt == "xlsx":
        return (
            to_xlsx(table),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{name}.xlsx",
        )
    return to_csv(table), "text/csv; charset=utf-8", f"{name}.csv"
