"""Reads of awards and deliverables, with visibility applied once for pages, API and exports."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import roles
from applications.models import Application
from awards.models import Award, Deliverable
from awards.services import AWARD_TRANSITIONS
from projects.models import Track
from projects.selectors import staff_tracks
from results.models import Decision


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


# --- Work waiting for the secretariat (the staff home's queues) -------------------------

# Awards whose next move is the secretariat's (approve, contract, start): every status with a
# move other than cancelling, except "in progress", which ends when the project is completed.
AWARD_STATUSES_TO_ADVANCE = tuple(
    status
    for status, targets in AWARD_TRANSITIONS.items()
    if targets - {Award.Status.CANCELLED} and status != Award.Status.IN_PROGRESS
)


def awards_to_advance(user) -> QuerySet[Award]:
    """Awards on the user's tracks waiting for approval, a contract or the project's start."""
    return Award.objects.filter(
        application__track__in=staff_tracks(user), status__in=AWARD_STATUSES_TO_ADVANCE
    )


def selections_to_award(user) -> QuerySet[Application]:
    """Applications on the user's tracks selected by a released decision and without an award
    yet: the funding still has to be awarded."""
    return Application.objects.filter(
        track__in=staff_tracks(user),
        status=Application.Status.SELECTED,
        decision__released_at__isnull=False,
        award__isnull=True,
    )


def deliverables_to_accept(user) -> QuerySet[Deliverable]:
    """Submitted deliverables the user may accept or return: those of projects funded on
    their tracks; for programme admins every one, projects from before the portal included
    (the rule of ``awards.contractor_selection.can_review_deliverable``)."""
    submitted = Deliverable.objects.filter(status=Deliverable.Status.SUBMITTED)
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return submitted
    return submitted.filter(project__award__application__track__in=staff_tracks(user))


def next_reserve_decision(track: Track):
    """The released reserve decision that cancelling an award of the track would promote (the
    same order as ``awards.services.promote_reserve``), with its application; None when the
    reserve list is empty. Read only: the confirm page says who would be offered the money."""
    return (
        Decision.objects.select_related("application")
        .filter(track=track, outcome=Decision.Outcome.RESERVE, released_at__isnull=False)
        .order_by("reserve_rank", "id")
        .first()
    )
