"""Reads of awards and deliverables, with visibility applied once for pages, API and exports."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import roles
from awards.models import Award, Deliverable
from projects.models import Track
from projects.selectors import staff_tracks


def deliverables_for_user(user) -> QuerySet[Deliverable]:
    """Deliverables the user may see: programme admins all; secretariat staff those of
    projects awarded on their tracks; contractors those of their organisations' projects.
    Used by the deliverable pages and the API."""
    qs = Deliverable.objects.select_related(
        "project__country", "project__city", "project__contractor"
    )
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return qs
    condition = Q(project__contractor__memberships__user=user)
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        condition |= Q(project__award__application__track__in=staff_tracks(user))
    return qs.filter(condition).distinct()


def awards_for_track(track: Track) -> QuerySet[Award]:
    return (
        Award.objects.filter(application__track=track)
        .select_related(
            "application__country", "application__city", "application__organization", "project"
        )
        .order_by("application__result__rank", "id")
    )


def awards_for_user(user) -> QuerySet[Award]:
    return (
        Award.objects.filter(application__track__in=staff_tracks(user))
        .select_related(
            "application__track__call",
            "application__country",
            "application__city",
            "application__organization",
            "project",
        )
        .order_by("-application__call__year", "application__track", "id")
    )
