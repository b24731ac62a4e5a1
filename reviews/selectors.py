"""Reads for the review work, with visibility applied once (pages, exports and the API)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
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


BOARD_PAGE_SIZE = 50
ASSIGNMENTS_PAGE_SIZE = 50


@dataclass
class BoardCell:
    """One reviewer of one application on the board: the assignment (None for a declared
    conflict without one) and its state."""

    assignment: Assignment | None
    state: str  # invited, accepted, declined, conflicted, in_progress, submitted, overdue
    reviewer: object = None

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
    """One page of the review board: the page's rows, each with the reviewers that application
    has (not one column per committee member), and the counts of every state over the track
    (or over one reviewer's assignments when the board is filtered on a reviewer)."""

    rows: list[BoardRow]
    totals: dict[str, int]
    page: Page | None = None

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


def _state_q(state: str, now) -> Q:
    """SQL twin of ``_state`` on assignments: the assignments whose board state is ``state``."""
    if state == "overdue":
        return overdue_q(now)
    if state == "conflicted":
        return Q(status=A.CONFLICT)
    if state in Assignment.OPEN_STATUSES:
        return Q(status=state) & ~overdue_q(now)
    return Q(status=state)


def _declared_conflicts_without_assignment(track: Track) -> QuerySet[ConflictDeclaration]:
    """Conflicts declared (or detected) by committee members on applications they were never
    assigned: the board shows them as conflicted so nobody assigns the pair by hand."""
    assigned = Assignment.objects.filter(
        application=OuterRef("application"), reviewer=OuterRef("reviewer")
    )
    return ConflictDeclaration.objects.filter(
        has_conflict=True,
        application__track=track,
        application__status__in=BOARD_STATUSES,
        reviewer__committee_seats__track=track,
    ).exclude(Exists(assigned))


def committee_reviewers(track: Track) -> QuerySet:
    """The committee's reviewers (users) in name order, for the filters of the staff pages:
    one light query, no load figures."""
    return (
        get_user_model()
        .objects.filter(committee_seats__track=track)
        .only("pk", "name", "name_ko", "email")
        .order_by("name", "email")
    )


def board_totals(track: Track, *, reviewer_id: int | None = None, now=None) -> dict[str, int]:
    """How many reviews of the track are in each board state (one reviewer's when
    ``reviewer_id`` is given), counted in SQL: two queries, whatever the size of the track."""
    now = now or timezone.now()
    assignments = Assignment.objects.filter(
        application__track=track, application__status__in=BOARD_STATUSES
    )
    conflicts = _declared_conflicts_without_assignment(track)
    if reviewer_id:
        assignments = assignments.filter(reviewer_id=reviewer_id)
        conflicts = conflicts.filter(reviewer_id=reviewer_id)
    totals = assignments.aggregate(
        **{state: Count("pk", filter=_state_q(state, now)) for state in BOARD_STATES}
    )
    totals["conflicted"] += conflicts.count()
    return {state: totals[state] for state in BOARD_STATES}


def board_applications(
    track: Track,
    *,
    state: str = "",
    reviewer_id: int | None = None,
    missing: bool = False,
    now=None,
) -> QuerySet[Application]:
    """The applications the review board lists, filtered in SQL: ``state`` keeps those with a
    review in that board state (by ``reviewer_id`` when given), ``reviewer_id`` those the
    reviewer is assigned to or declared a conflict on, ``missing`` those with fewer active
    reviewers than the track's minimum. Annotated with ``active`` (active reviewers)."""
    now = now or timezone.now()
    qs = track.applications.filter(status__in=BOARD_STATUSES).annotate(
        active=Count("assignments", filter=Q(assignments__status__in=Assignment.ACTIVE_STATUSES))
    )
    mine = Assignment.objects.filter(application=OuterRef("pk"))
    conflicts = _declared_conflicts_without_assignment(track).filter(application=OuterRef("pk"))
    if reviewer_id:
        mine = mine.filter(reviewer_id=reviewer_id)
        conflicts = conflicts.filter(reviewer_id=reviewer_id)
        if not state:
            qs = qs.filter(Exists(mine) | Exists(conflicts))
    if state == "conflicted":
        qs = qs.filter(Exists(mine.filter(_state_q(state, now))) | Exists(conflicts))
    elif state:
        qs = qs.filter(Exists(mine.filter(_state_q(state, now))))
    if missing:
        qs = qs.filter(active__lt=track.min_reviewers)
    return qs.select_related("organization", "country", "track").order_by("reference", "pk")


def _board_rows(track: Track, applications: list[Application], now) -> list[BoardRow]:
    """Rows for one page of applications: their assignments (prefetched for these ids only)
    and the conflicts declared without an assignment, in two queries."""
    ids = [a.pk for a in applications]
    conflicts = defaultdict(list)
    for declaration in (
        _declared_conflicts_without_assignment(track)
        .filter(application_id__in=ids)
        .select_related("reviewer")
    ):
        conflicts[declaration.application_id].append(declaration.reviewer)
    rows = []
    for application in applications:
        cells = [
            BoardCell(assignment=a, state=_state(a, now), reviewer=a.reviewer)
            for a in application.assignments.all()
        ]
        cells += [
            BoardCell(assignment=None, state="conflicted", reviewer=reviewer)
            for reviewer in conflicts[application.pk]
        ]
        counts = dict.fromkeys(BOARD_STATES, 0)
        for cell in cells:
            counts[cell.state] += 1
        rows.append(
            BoardRow(
                application=application,
                cells=cells,
                counts=counts,
                active=getattr(application, "active", 0),
            )
        )
    return rows


def _page_assignments() -> Prefetch:
    """The assignments of one page's applications, with their reviewers (one query for the
    page: Django runs a prefetch over the ids of the rows fetched, never the whole track)."""
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.select_related("reviewer").order_by(
            "reviewer__name", "reviewer_id"
        ),
    )


def review_board(
    track: Track,
    *,
    state: str = "",
    reviewer_id: int | None = None,
    missing: bool = False,
    page: int | str | None = 1,
    per_page: int = BOARD_PAGE_SIZE,
) -> Board:
    """One page of the track's review board for staff: the applications (filtered as in
    ``board_applications``), each with its assigned reviewers and their states, and the counts
    per state. The number of queries is the same for 10 or 10,000 applications and for 3 or
    500 committee members: nothing is built per reviewer or per row."""
    now = timezone.now()
    paginator = Paginator(
        board_applications(
            track, state=state, reviewer_id=reviewer_id, missing=missing, now=now
        ).prefetch_related(_page_assignments()),
        per_page,
    )
    current = paginator.get_page(page)
    return Board(
        rows=_board_rows(track, list(current.object_list), now),
        totals=board_totals(track, reviewer_id=reviewer_id, now=now),
        page=current,
    )


def overdue_assignments_for_track(track: Track, *, now=None) -> QuerySet[Assignment]:
    """The track's open reviews past their effective due date, on the applications the board
    lists: what "remind every reviewer with an overdue review" reminds."""
    return (
        Assignment.objects.filter(
            overdue_q(now or timezone.now()),
            application__track=track,
            application__status__in=BOARD_STATUSES,
        )
        .select_related("application__track", "reviewer")
        .order_by("application__reference", "pk")
    )


ASSIGNMENT_PAGE_STATUSES = (Application.Status.ELIGIBLE, Application.Status.UNDER_REVIEW)


def assignable_applications(track: Track) -> QuerySet[Application]:
    """Applications of the track that can get reviewers, with their active reviewer count."""
    return (
        track.applications.filter(status__in=ASSIGNMENT_PAGE_STATUSES)
        .select_related("organization", "country")
        .annotate(
            reviewer_count=Count(
                "assignments", filter=Q(assignments__status__in=Assignment.ACTIVE_STATUSES)
            )
        )
        .order_by("reference", "pk")
    )


def assignment_page(
    track: Track,
    *,
    reviewer_id: int | None = None,
    status: str = "",
    short: bool = False,
    page: int | str | None = 1,
    per_page: int = ASSIGNMENTS_PAGE_SIZE,
) -> Page:
    """One page of the applications that can get reviewers, each with its active reviewers
    (prefetched for the page only): filtered on a reviewer (assigned to them), an application
    status, or ``short`` (fewer active reviewers than the track's minimum)."""
    qs = assignable_applications(track)
    if status in ASSIGNMENT_PAGE_STATUSES:
        qs = qs.filter(status=status)
    if reviewer_id:
        qs = qs.filter(
            Exists(
                Assignment.objects.filter(
                    application=OuterRef("pk"),
                    reviewer_id=reviewer_id,
                    status__in=Assignment.ACTIVE_STATUSES,
                )
            )
        )
    if short:
        qs = qs.filter(reviewer_count__lt=track.min_reviewers)
    active = Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(status__in=Assignment.ACTIVE_STATUSES)
        .select_related("reviewer")
        .order_by("reviewer__name", "reviewer_id"),
        to_attr="active_assignments",
    )
    return Paginator(qs.prefetch_related(active), per_page).get_page(page)


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


# --- Due and overdue in SQL ---------------------------------------------------------------


def effective_due_expression() -> Coalesce:
    """SQL twin of ``Assignment.effective_due``: the assignment's own due date, else its
    track's review deadline (a test holds them equal)."""
    return Coalesce("due_at", "application__track__review_deadline")


def overdue_q(now) -> Q:
    """SQL twin of ``Assignment.is_overdue_at(now)``: open and past its effective due date
    (a test holds them equal), so counts agree with the board and the reminders."""
    return Q(status__in=Assignment.OPEN_STATUSES) & (
        Q(due_at__lt=now) | Q(due_at__isnull=True, application__track__review_deadline__lt=now)
    )


# --- Work waiting for the secretariat (the staff home's queues) -------------------------


def overdue_assignments(user, *, now=None) -> QuerySet[Assignment]:
    """Open assignments on the user's tracks past their effective due date, annotated with
    ``due`` (the effective due date)."""
    return Assignment.objects.filter(
        overdue_q(now or timezone.now()), application__track__in=staff_tracks(user)
    ).annotate(due=effective_due_expression())


def assignments_awaiting_declaration(user) -> QuerySet[Assignment]:
    """Open assignments on the user's tracks whose reviewer has neither accepted nor declared
    no conflict yet: the review cannot start. Annotated with ``due``."""
    declared = ConflictDeclaration.objects.filter(
        reviewer=OuterRef("reviewer"), application=OuterRef("application")
    )
    return (
        Assignment.objects.filter(
            status__in=Assignment.OPEN_STATUSES, application__track__in=staff_tracks(user)
        )
        .exclude(Exists(declared))
        .annotate(due=effective_due_expression())
    )


def jobs_needing_attention(user) -> QuerySet[Job]:
    """Jobs on the user's tracks that are waiting or running, or that failed and were not run
    again since (a later job of the same kind on the track supersedes a failure)."""
    later = Job.objects.filter(
        track=OuterRef("track"), kind=OuterRef("kind"), created_at__gt=OuterRef("created_at")
    )
    return Job.objects.filter(track__in=staff_tracks(user)).filter(
        Q(status__in=Job.ACTIVE_STATUSES) | (Q(status=Job.Status.FAILED) & ~Exists(later))
    )


# --- The reviewer's home ----------------------------------------------------------------


@dataclass
class ReviewerHome:
    """The reviewer's assignments grouped by what they need next, open work first."""

    to_declare: list[Assignment]
    to_score: list[Assignment]
    finished: list[Assignment]

    @property
    def open_count(self) -> int:
        return len(self.to_declare) + len(self.to_score)


def reviewer_home(user, *, now=None) -> ReviewerHome:
    """The reviewer's visible assignments (``assignments_for_reviewer``) in three groups:
    to declare a conflict of interest (and so accept), to score, and finished (submitted).
    Open groups are soonest due first (no due date last); finished ones most recent first.
    Each assignment carries ``due`` (``effective_due``) and ``overdue`` at ``now``."""
    now = now or timezone.now()
    to_declare, to_score, finished = [], [], []
    for assignment in assignments_for_reviewer(user):
        assignment.due = assignment.effective_due
        assignment.overdue = assignment.is_overdue_at(now)
        if assignment.is_locked:
            finished.append(assignment)
        elif not assignment.declared:
            to_declare.append(assignment)
        else:
            to_score.append(assignment)

    def soonest(assignment):
        return (assignment.due is None, assignment.due or now, assignment.pk)

    to_declare.sort(key=soonest)
    to_score.sort(key=soonest)
    finished.sort(key=lambda a: (a.submitted_at or a.assigned_at, a.pk), reverse=True)
    return ReviewerHome(to_declare=to_declare, to_score=to_score, finished=finished)
