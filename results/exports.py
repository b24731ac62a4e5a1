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
from projects.models import Track
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


def ranking_rows(track: Track) -> tuple[list[Column], Iterable[list]]:
    # The board's wording of flags and tie-breaks, so the file says what the page says
    # (imported here: the views import this module).
    from results.views import flag_label, tiebreak_label

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
        for r in sel.ranking_for_track(track).iterator(chunk_size=2000):
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


def register_export(kind: str, label, rows) -> None:
    """Offer ``kind`` on the board's download buttons; ``rows(user, track)`` answers
    ``(columns, rows)`` (``core.exports.Column``s, raw values). Registering a kind again
    replaces it."""
    EXPORTERS[kind] = (label, rows)


register_export("rankings", gettext_lazy("Rankings"), lambda user, track: ranking_rows(track))
register_export("applications", gettext_lazy("Applications"), application_rows)


def export_title(track: Track, now) -> str:
    """The title row: which call and track, and when the file was made (KST)."""
    return _("%(call)s — %(track)s — exported %(time)s KST") % {
        "call": track.call.display_name,
        "track": track.display_name,
        "time": in_seoul(now).strftime("%Y-%m-%d %H:%M"),
    }


def export_language(requested: str | None) -> str:
    """The language of a file: ``requested`` (the ``lang`` parameter, e.g. a Korean file for
    the ministry from an English session) when the portal speaks it, else the reader's own."""
    if requested in dict(settings.LANGUAGES):
        return requested
    return translation.get_language() or settings.LANGUAGE_CODE


def export_track(
    *, user, track: Track, kind: str, fmt: str, lang: str | None = None, now=None
) -> tuple[bytes, str, str]:
    """(content, content type, file name) for one export in ``export_language(lang)``; the
    caller has checked that the user may see the track (``results_track_for_user``)."""
    if kind not in EXPORTERS:
        raise ValueError(kind)
    with translation.override(export_language(lang)):
        return _export(user=user, track=track, kind=kind, fmt=fmt, now=now)


def _export(*, user, track: Track, kind: str, fmt: str, now) -> tuple[bytes, str, str]:
    label, rows_for = EXPORTERS[kind]
    columns, rows = rows_for(user, track)
    table = Table(
        title=export_title(track, now or timezone.now()),
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
