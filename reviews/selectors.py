"""Reads for the review work, with visibility applied once (pages, exports and the API)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ReviewerProfile
from applications.models import Application
from applications.selectors import applications_for_user, declared_no_conflict
from projects.models import Track
from projects.selectors import is_staff_of_track, staff_tracks
from reviews.models import Assignment, CommitteeMember, ConflictDeclaration, Criterion, Job, Score

A = Assignment.Status
BOARD_STATUSES = (
    Application.Status.ELIGIBLE,
    Application.Status.UNDER_REVIEW,
    Application.Status.REVIEWED,
)


def assignments_for_reviewer(user) -> QuerySet[Assignment]:
    """The reviewer's own assignments they may still see, with due dates and declarations.

    Uses ``applications_for_user`` so a declined or conflicted application (declared or
    detected) never comes back. Annotates ``declared`` (a no-conflict declaration exists).
    Never exposes other reviewers.
    """
    if not user.is_authenticated:
        return Assignment.objects.none()
    visible = applications_for_user(user).values("pk")
    return (
        Assignment.objects.filter(reviewer=user, application__in=visible)
        .exclude(status__in=[A.DECLINED, A.CONFLICT])
        .select_related("application__track__call", "application__country", "application__city")
        .annotate(declared=declared_no_conflict(user))
        .order_by("application__track__review_deadline", "due_at", "application__reference")
    )


def tracks_for_staff(user) -> QuerySet[Track]:
    """Tracks whose review work the user may run, with the counts the index shows."""
    return (
        staff_tracks(user)
        .select_related("call", "secretariat")
        .annotate(
            submitted_count=Count(
                "applications",
                filter=Q(applications__status=Application.Status.SUBMITTED),
                distinct=True,
            ),
            committee_count=Count("committee", distinct=True),
            criteria_count=Count("criteria", distinct=True),
        )
        .order_by("-call__year", "call__name", "order")
    )


def criteria_for_track(track: Track) -> QuerySet[Criterion]:
    return track.criteria.order_by("order", "id")


def expertise_labels(profile) -> list[str]:
    """The translated names of a reviewer profile's expertise areas."""
    labels = dict(ReviewerProfile.Expertise.choices)
    return [str(labels.get(code, code)) for code in (profile.expertise if profile else [])]


def committee_for_track(track: Track) -> QuerySet[CommitteeMember]:
    """Committee members with their profile and active load in the track."""
    return (
        track.committee.select_related("reviewer", "reviewer__reviewer_profile")
        .annotate(
            load=Count(
                "reviewer__assignments",
                filter=Q(
                    reviewer__assignments__application__track=track,
                    reviewer__assignments__status__in=Assignment.ACTIVE_STATUSES,
                ),
            )
        )
        .order_by("reviewer__name", "reviewer__email")
    )


def latest_assignment_job(track: Track) -> Job | None:
    return track.jobs.filter(kind=Job.Kind.ASSIGN).order_by("-created_at", "-pk").first()


@dataclass
class BoardCell:
    assignment: Assignment | None
    state: str  # invited, accepted, declined, conflicted, in_progress, submitted, overdue, ""

    @property
    def label(self) -> str:
        return str(BOARD_STATE_LABELS.get(self.state, ""))


@dataclass
class BoardRow:
    application: Application
    cells: list[BoardCell]
    counts: dict[str, int] = field(default_factory=dict)
    active: int = 0


@dataclass
class Board:
    reviewers: list
    rows: list[BoardRow]
    reviewer_counts: dict[int, dict[str, int]]
    totals: dict[str, int]

    @property
    def columns(self) -> list[tuple]:
        """(reviewer, [(state label, count)] without zeros) in column order, for the table foot."""
        return [
            (r, [(BOARD_STATE_LABELS[k], v) for k, v in self.reviewer_counts[r.pk].items() if v])
            for r in self.reviewers
        ]

    @property
    def total_items(self) -> list[tuple]:
        """(state, label, count) for every state, for the summary at the top."""
        return [(k, BOARD_STATE_LABELS[k], v) for k, v in self.totals.items()]


BOARD_STATE_LABELS = {
    "invited": _("Invited"),
    "accepted": _("Accepted"),
    "declined": _("Declined"),
    "conflicted": _("Conflicted"),
    "in_progress": _("In progress"),
    "submitted": _("Submitted"),
    "overdue": _("Overdue"),
}
BOARD_STATES = tuple(BOARD_STATE_LABELS)


def _state(assignment: Assignment, now) -> str:
    if assignment.status == A.CONFLICT:
        return "conflicted"
    if assignment.is_overdue_at(now):
        return "overdue"
    return assignment.status


def review_board(track: Track, *, state: str = "", reviewer_id: int | None = None) -> Board:
    """The applications × reviewers matrix of a track for staff, in a fixed number of queries.

    ``state`` keeps the rows with at least one cell in that state; ``reviewer_id`` keeps one
    reviewer's column. Detected or declared conflicts without an assignment show as conflicted.
    """
    now = timezone.now()
    members = list(committee_for_track(track))
    reviewers = [m.reviewer for m in members]
    if reviewer_id:
        reviewers = [r for r in reviewers if r.pk == reviewer_id]
    applications = list(
        track.applications.filter(status__in=BOARD_STATUSES)
        .select_related("organization", "country", "track")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("application__track", "reviewer"),
            )
        )
        .order_by("reference", "pk")
    )
    conflicts = set(
        ConflictDeclaration.objects.filter(application__track=track, has_conflict=True).values_list(
            "application_id", "reviewer_id"
        )
    )
    reviewer_counts = {r.pk: dict.fromkeys(BOARD_STATES, 0) for r in reviewers}
    totals = dict.fromkeys(BOARD_STATES, 0)
    rows = []
    for application in applications:
        by_reviewer = {a.reviewer_id: a for a in application.assignments.all()}
        cells, counts = [], dict.fromkeys(BOARD_STATES, 0)
        for reviewer in reviewers:
            assignment = by_reviewer.get(reviewer.pk)
            if assignment is not None:
                cell_state = _state(assignment, now)
            elif (application.pk, reviewer.pk) in conflicts:
                cell_state = "conflicted"
            else:
                cell_state = ""
            if cell_state:
                counts[cell_state] += 1
                reviewer_counts[reviewer.pk][cell_state] += 1
                totals[cell_state] += 1
            cells.append(BoardCell(assignment=assignment, state=cell_state))
        active = sum(
            1 for a in application.assignments.all() if a.status in Assignment.ACTIVE_STATUSES
        )
        if state and not counts.get(state):
            continue
        rows.append(BoardRow(application=application, cells=cells, counts=counts, active=active))
    return Board(reviewers=reviewers, rows=rows, reviewer_counts=reviewer_counts, totals=totals)


def assignable_applications(track: Track) -> QuerySet[Application]:
    """Applications of the track that can get reviewers, with their active reviewer count."""
    return (
        track.applications.filter(
            status__in=[Application.Status.ELIGIBLE, Application.Status.UNDER_REVIEW]
        )
        .select_related("organization", "country")
        .annotate(
            reviewer_count=Count(
                "assignments", filter=Q(assignments__status__in=Assignment.ACTIVE_STATUSES)
            )
        )
        .order_by("reference", "pk")
    )


def review_content_is_visible(user, assignment: Assignment) -> bool:
    """Whether ``user`` may read the review written in ``assignment`` (its scores, comment,
    recommendation, confidence and total): its reviewer always; staff of its track
    (programme admins included) once it is submitted. A review being written, or reopened,
    is its author's alone."""
    if not user.is_authenticated:
        return False
    if assignment.reviewer_id == user.pk:
        return True
    return assignment.status == A.SUBMITTED and is_staff_of_track(
        user, assignment.application.track
    )


def review_content_visible_q(user) -> Q:
    """SQL twin of ``review_content_is_visible`` on assignments of tracks the user works on
    (the caller narrows to those): the user's own, or submitted."""
    return Q(reviewer_id=user.pk) | Q(status=A.SUBMITTED)


def scores_for_user(user) -> QuerySet[Score]:
    """The scores ``user`` may read: their own, and those of submitted reviews on the tracks
    they work on (every track for programme admins). Never another reviewer's draft."""
    if not user.is_authenticated:
        return Score.objects.none()
    return Score.objects.filter(
        Q(assignment__reviewer=user)
        | Q(assignment__status=A.SUBMITTED, assignment__application__track__in=staff_tracks(user))
    )
