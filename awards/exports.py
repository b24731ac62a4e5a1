"""The awards export of a track (CSV or XLSX), written with the results' export helpers."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from awards import selectors as award_selectors
from awards.models import Award
from core.exports import Column, Kind
from projects.models import Track
from results.exports import choice_label, place_columns, place_values


def award_rows(track: Track) -> tuple[list[Column], Iterable[list]]:
    columns = [
        Column("reference", _("Reference")),
        Column("project_code", _("Project code")),
        *place_columns()[1:],
        Column("amount", _("Amount (KRW)"), Kind.MONEY),
        Column("status", _("Status")),
        Column("awarded_at", _("Awarded at (KST)"), Kind.DATETIME),
    ]

    def rows():
        for w in award_selectors.awards_for_track(track):
            a = w.application
            yield [
                a.reference,
                w.project.code if w.project else "",
                *place_values(a)[1:],
                w.amount,
                choice_label(Award.Status, w.status),
                w.created_at,
            ]

    return columns, rows()
