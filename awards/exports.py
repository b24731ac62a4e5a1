"""The awards export of a track (CSV or XLSX), written with the results' export helpers."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from awards import selectors as award_selectors
from projects.models import Track


def award_rows(track: Track) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Reference"),
        _("Project code"),
        _("Title"),
        _("Applicant"),
        _("Country"),
        _("City"),
        _("Amount (KRW)"),
        _("Status"),
    ]

    def rows():
        for w in award_selectors.awards_for_track(track):
            a = w.application
            yield [
                a.reference,
                w.project.code if w.project else "",
                a.title,
                a.organization.name,
                a.country.name if a.country else "",
                a.city.name if a.city else "",
                w.amount,
                w.status,
            ]

    return header, rows()
