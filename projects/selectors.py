"""Reads for calls, tracks and the portfolio, with visibility applied."""

from django.db.models import Q, QuerySet

from accounts import roles
from projects.models import Call, Event, Project, Track


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


def events(*, upcoming: bool | None = None, queryset: QuerySet[Event] | None = None):
    """The programme's events; ``upcoming`` True keeps those not over yet on today's date in
    Korea (the programme's clock, not the visitor's), False those already over."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    queryset = Event.objects.select_related("city__country") if queryset is None else queryset
    if upcoming is None:
        return queryset
    today = timezone.now().astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE)).date()
    return queryset.filter(ends_on__gte=today) if upcoming else queryset.filter(ends_on__lt=today)


def projects_for_staff(user) -> QuerySet[Project]:
    """Funded projects the user may follow: programme admins all; secretariat staff those
    awarded on their tracks; nobody else any."""
    qs = Project.objects.select_related(
        "country", "city", "contractor", "partner", "award__application__track"
    )
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return qs
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        return qs.filter(award__application__track__in=staff_tracks(user))
    return qs.none()
