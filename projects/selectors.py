"""Reads for calls, tracks and the portfolio, with visibility applied."""

from django.db.models import Q, QuerySet

from accounts import roles

from .models import Call, Track


def staff_tracks(user) -> QuerySet[Track]:
    """Tracks a staff member works on: all for programme admins, their secretariat's for staff."""
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return Track.objects.all()
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        return Track.objects.filter(secretariat__memberships__user=user).distinct()
    return Track.objects.none()


def is_staff_of_track(user, track: Track) -> bool:
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return True
    if not roles.has_role(user, roles.SECRETARIAT_STAFF) or track is None:
        return False
    return track.secretariat.memberships.filter(user=user).exists()


def public_calls() -> QuerySet[Call]:
    """Calls the public may see (not drafts), with their tracks."""
    return (
        Call.objects.exclude(status=Call.Status.DRAFT)
        .filter(~Q(kind=Call.Kind.CONTRACTOR_SELECTION) | Q(status__in=[Call.Status.OPEN]))
        .prefetch_related("tracks")
        .order_by("-year", "-opens_at")
    )
