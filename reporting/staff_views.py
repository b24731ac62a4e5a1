"""Staff home, programme statistics and system status (programme admins and secretariat staff)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Min
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.rules import VIEW_STAFF_AREA
from applications import selectors as application_queues
from awards import selectors as award_queues
from core.health import HEARTBEAT_STALE_AFTER_SECONDS
from core.views import require_perm
from projects.models import Track
from projects.selectors import staff_tracks
from reporting.statistics import programme_stats_by_year
from reporting.system_status import STUCK_AFTER, UNCERTAIN_DAYS, system_status_for_user
from results import selectors as result_queues
from reviews import selectors as review_queues


@dataclass(frozen=True)
class Queue:
    """One kind of work waiting on a track: how many, the nearest due date, where to act."""

    key: str
    label: str
    count: int
    nearest_due: datetime.datetime | datetime.date | None
    url: str


@dataclass
class TrackWork:
    track: Track | None  # None: projects funded before the portal (programme admins only)
    queues: list[Queue] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(queue.count for queue in self.queues)


@dataclass(frozen=True)
class QueueSpec:
    """How the home reads one queue: the owning app's selector, the ORM paths from its rows to
    their track and due date, and the page (per track) where staff act on it."""

    key: str
    label: str
    rows: Callable
    track_path: str
    due_path: str | None
    url: Callable[[int], str] | None


def _url(name: str, query: str = "") -> Callable[[int | None], str]:
    """A per-track page (none for rows without a track)."""
    return lambda track_id: (
        reverse(name, kwargs={"track_id": track_id}) + query if track_id is not None else ""
    )


# The staff home's work queues, in the order of the programme (screening → review → results →
# awards); each selector lives in the app that owns the data and applies the track scope.
QUEUES = (
    QueueSpec(
        "to_screen",
        _("Applications to screen"),
        application_queues.screening_queue,
        "track_id",
        None,
        _url("staff_applications:screening", "?status=submitted"),
    ),
    QueueSpec(
        "to_rescreen",
        _("Clarifications answered, to screen again"),
        application_queues.clarifications_to_rescreen,
        "track_id",
        None,
        _url("staff_applications:screening", "?status=submitted"),
    ),
    QueueSpec(
        "clarifications",
        _("Clarifications waiting for the applicant"),
        application_queues.clarifications_waiting,
        "application__track_id",
        "due_at",
        None,
    ),
    QueueSpec(
        "awaiting_declaration",
        _("Assignments not yet accepted (no conflict declaration)"),
        review_queues.assignments_awaiting_declaration,
        "application__track_id",
        "due",
        _url("staff_reviews:board", "?state=invited"),
    ),
    QueueSpec(
        "overdue",
        _("Reviews overdue"),
        review_queues.overdue_assignments,
        "application__track_id",
        "due",
        _url("staff_reviews:board", "?state=overdue"),
    ),
    QueueSpec(
        "jobs",
        _("Background jobs running or failed"),
        review_queues.jobs_needing_attention,
        "track_id",
        None,
        None,  # the system-status page lists them for every track (linked in the heading)
    ),
    QueueSpec(
        "to_confirm",
        _("Decisions to confirm (programme admin)"),
        result_queues.decisions_to_confirm,
        "track_id",
        None,
        _url("staff_results:selection"),
    ),
    QueueSpec(
        "to_release",
        _("Decisions to release"),
        result_queues.decisions_to_release,
        "track_id",
        None,
        _url("staff_results:selection"),
    ),
    QueueSpec(
        "to_award",
        _("Selected applications to award"),
        award_queues.selections_to_award,
        "track_id",
        None,
        _url("staff_awards:awards"),
    ),
    QueueSpec(
        "awards",
        _("Awards to advance"),
        award_queues.awards_to_advance,
        "application__track_id",
        None,
        _url("staff_awards:awards"),
    ),
    QueueSpec(
        "deliverables",
        _("Deliverables to accept"),
        award_queues.deliverables_to_accept,
        "project__award__application__track_id",
        "due_on",
        lambda track_id: reverse("awards:deliverables"),
    ),
)


def _count_by_track(spec: QueueSpec, user) -> dict[int | None, tuple[int, object]]:
    """One query: the queue's rows counted per track, with the nearest due date."""
    aggregates = {"n": Count("pk", distinct=True)}
    if spec.due_path:
        aggregates["due"] = Min(spec.due_path)
    rows = spec.rows(user).order_by().values(spec.track_path).annotate(**aggregates)
    return {row[spec.track_path]: (row["n"], row.get("due")) for row in rows}


def work_for_user(user) -> list[TrackWork]:
    """What waits on each of the user's tracks, only the tracks with something waiting, in the
    tracks' order; projects from before the portal (no track) last. A fixed number of queries
    (one per queue and one for the tracks), whatever the amount of data."""
    counts = {spec.key: _count_by_track(spec, user) for spec in QUEUES}
    track_ids = {track_id for per_track in counts.values() for track_id in per_track}
    tracks = (
        staff_tracks(user)
        .filter(pk__in=[t for t in track_ids if t is not None])
        .select_related("call", "secretariat")
        .order_by("-call__year", "call__name", "order", "id")
    )
    work = [TrackWork(track) for track in tracks]
    if None in track_ids:
        work.append(TrackWork(None))
    for item in work:
        track_id = item.track.pk if item.track else None
        for spec in QUEUES:
            count, due = counts[spec.key].get(track_id, (0, None))
            if not count:
                continue
            url = spec.url(track_id) if spec.url else ""
            item.queues.append(Queue(spec.key, str(spec.label), count, due, url))
    return [item for item in work if item.queues]


@login_required
def index(request):
    """The staff home: what waits on the user's tracks (counts, nearest due dates, links to the
    filtered lists), then the staff screens, the user's tracks and the programme's figures."""
    require_perm(request, VIEW_STAFF_AREA)
    tracks = (
        staff_tracks(request.user)
        .select_related("call", "secretariat")
        .order_by("-call__year", "order", "id")
    )
    work = work_for_user(request.user)
    return render(
        request,
        "reporting/staff/index.html",
        {
            "tracks": tracks,
            "work": work,
            "work_total": sum(item.total for item in work),
            "stats": programme_stats_by_year(),
        },
    )


@login_required
def statistics(request):
    """The programme's figures for every year, computed from the database."""
    require_perm(request, VIEW_STAFF_AREA)
    return render(request, "reporting/staff/statistics.html", {"stats": programme_stats_by_year()})


@login_required
@never_cache
def system_status(request):
    """Is the background machinery keeping up: the outbox, stuck jobs on the user's tracks,
    the worker's heartbeat and the readiness checks (with their details, for staff only)."""
    require_perm(request, VIEW_STAFF_AREA)
    status = system_status_for_user(request.user)
    return render(
        request,
        "reporting/staff/system_status.html",
        {
            "status": status,
            "stuck_after_minutes": int(STUCK_AFTER.total_seconds() // 60),
            "heartbeat_stale_minutes": HEARTBEAT_STALE_AFTER_SECONDS // 60,
            "uncertain_days": UNCERTAIN_DAYS,
            "can_see_messages": request.user.has_perm("notifications.view_message"),
            "can_see_jobs": request.user.has_perm("reviews.view_job"),
        },
    )
