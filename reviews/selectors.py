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
from django.utils.translation import pgettext_lazy

from accounts.models import ReviewerProfile
from applications.models import Answer, Application, Document
from applications.selectors import applications_for_user, declared_no_conflict
from projects.models import Track
from projects.selectors import is_staff_of_track, staff_tracks
from reviews.conflicts import detect_conflicts
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    Job,
    ReviewSettings,
    Score,
)

A = Assignment.Status
BOARD_STATUSES = (
    Application.Status.ELIGIBLE,
    Application.Status.UNDER_REVIEW,
    Application.Status.REVIEWED,
)


def review_open_q(prefix: str = "application__") -> Q:
    """SQL: the application at ``prefix`` is still being reviewed, so its reviews may be
    written, submitted, reopened and reminded of: it is on the board (``BOARD_STATUSES``)
    and its funding decision, if any, is not confirmed yet (a proposal may still be redone).
    The decision is read through the reverse relation ``decision``: reviews never imports
    results. Asked by ``services.refuse_if_review_closed`` and the reminders."""
    return Q(**{f"{prefix}status__in": BOARD_STATUSES}) & ~Q(
        **{f"{prefix}decision__confirmed_at__isnull": False}
    )


def assignments_for_reviewer(user) -> QuerySet[Assignment]:
    """The reviewer's own assignments they may still see, with due dates and declarations.

    Uses ``applications_for_user`` so a declined or conflicted application (declared or
    detected) never comes back. A review not yet submitted is listed only while its
    application is still reviewed (``BOARD_STATUSES``): one withdrawn, or screened ineligible
    again, since the assignment leaves the queue (a submitted review stays among the
    finished). Annotates ``declared`` (a no-conflict declaration exists). Never exposes other
    reviewers.
    """
    if not user.is_authenticated:
        return Assignment.objects.none()
    visible = applications_for_user(user).values("pk")
    return (
        Assignment.objects.filter(reviewer=user, application__in=visible)
        .exclude(status__in=[A.DECLINED, A.CONFLICT])
        .exclude(
            Q(status__in=Assignment.OPEN_STATUSES) & ~Q(application__status__in=BOARD_STATUSES)
        )
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
    "accepted": pgettext_lazy("reviewer", "Accepted"),
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
            review_open_q(),
            application__track=track,
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
    ``due`` (the effective due date). Only reviews that can still be done (``review_open_q``),
    as the reminders count: not those of an application decided or left the review."""
    return Assignment.objects.filter(
        overdue_q(now or timezone.now()),
        review_open_q(),
        application__track__in=staff_tracks(user),
    ).annotate(due=effective_due_expression())


def assignments_awaiting_declaration(user) -> QuerySet[Assignment]:
    """Open assignments on the user's tracks whose reviewer has neither accepted nor declared
    no conflict yet: the review cannot start. Annotated with ``due``. Only reviews that can
    still be done (``review_open_q``)."""
    declared = ConflictDeclaration.objects.filter(
        reviewer=OuterRef("reviewer"), application=OuterRef("application")
    )
    return (
        Assignment.objects.filter(
            review_open_q(),
            status__in=Assignment.OPEN_STATUSES,
            application__track__in=staff_tracks(user),
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
    Each assignment carries ``due`` (``effective_due``) and ``overdue`` at ``now``. A review not
    submitted whose application's review is over (``review_open_q``: its funding decision
    confirmed) waits for nobody and is left out; its score page still says why."""
    now = now or timezone.now()
    to_declare, to_score, finished = [], [], []
    assignments = assignments_for_reviewer(user)
    closed = set(
        assignments.filter(status__in=Assignment.OPEN_STATUSES)
        .exclude(review_open_q())
        .values_list("pk", flat=True)
    )
    for assignment in assignments:
        if not assignment.is_locked and assignment.pk in closed:
            continue
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


# --- What reviewers may see: a track's ReviewSettings, applied here once ------------------
#
# The pages (reviews.views), the API (reviews.api and, through the hook registered in
# ReviewsConfig.ready, the application resource of applications.api) and the rules
# (reviews.rules) ask these functions; none of them restates who sees what.


def review_settings_for(track: Track) -> ReviewSettings:
    """The track's reviewer-visibility settings. A track nobody configured has no row yet and
    gets an unsaved one with the defaults, which are the portal's behaviour before settings
    existed: no other scores, the applicant named, only the reviewer's own assignments. The
    service creates the row on the first change, so a read never writes."""
    try:
        return track.review_settings
    except ReviewSettings.DoesNotExist:
        return ReviewSettings(track=track)


def reviewer_can_see_other_scores(assignment: Assignment) -> bool:
    """Whether the reviewer of ``assignment`` may read the other reviewers' submitted reviews
    of the same application, by the track's setting: never; after submitting their own (a
    reopened review hides them again until it is submitted anew); or always. Conflicted and
    declined assignments never do; the declaration of no conflict is the rule's part
    (``reviews.see_other_scores``)."""
    if assignment.status in (A.DECLINED, A.CONFLICT):
        return False
    mode = review_settings_for(assignment.application.track).other_scores
    if mode == ReviewSettings.OtherScores.ALWAYS:
        return True
    if mode == ReviewSettings.OtherScores.AFTER_OWN:
        return assignment.status == A.SUBMITTED
    return False


@dataclass
class OtherReview:
    """Another reviewer's submitted review as a fellow reviewer sees it: numbered, never
    named (the committee does not learn who gave which score)."""

    label: str
    total: object
    recommendation: str
    scores: list[tuple[str, object, object]]  # (criterion name, points, max points)
    comment: str


def other_reviews_for(assignment: Assignment) -> list[OtherReview]:
    """The other submitted reviews of the assignment's application (never a draft, never the
    reader's own), in the order they were submitted. Two queries whatever the number of
    reviewers. The caller checks ``reviews.see_other_scores`` first."""
    others = (
        Assignment.objects.filter(application_id=assignment.application_id, status=A.SUBMITTED)
        .exclude(pk=assignment.pk)
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=Score.objects.select_related("criterion").order_by(
                    "criterion__order", "criterion_id"
                ),
            )
        )
        .order_by("submitted_at", "pk")
    )
    return [
        OtherReview(
            label=str(_("Reviewer %(number)s") % {"number": number}),
            total=other.total,
            recommendation=other.get_recommendation_display(),
            scores=[(s.criterion.display_name, s.points, s.max_points) for s in other.scores.all()],
            comment=other.overall_comment,
        )
        for number, other in enumerate(others, start=1)
    ]


# The applicant's identity in an application as the API represents it: withheld from reviewers
# of an anonymised track. Document file names are replaced (``neutral_document_name``) rather
# than removed, so the reviewer still has every document.
WITHHELD_API_FIELDS = (
    "organization",
    "contact_name",
    "contact_position",
    "contact_email",
    "contact_phone",
)


def identity_is_withheld(application: Application, user) -> bool:
    """Whether ``user`` reads ``application`` without the applicant's identity: the track's
    review is anonymised and the user reads it as a reviewer, not as its applicant nor as
    staff of its track (who always see who applied)."""
    if not review_settings_for(application.track).anonymised:
        return False
    if is_staff_of_track(user, application.track):
        return False
    return not application.organization.memberships.filter(user_id=user.pk).exists()


def withheld_application_ids(user) -> set[int]:
    """Ids of the applications ``user`` may read only without the applicant's identity (the
    SQL twin of ``identity_is_withheld`` over the applications assigned to them): one query,
    for the API's lists. Filled into ``applications.selectors.APPLICATION_DATA_FILTERS``."""
    if not user.is_authenticated:
        return set()
    return set(
        Assignment.objects.filter(
            reviewer=user, application__track__review_settings__anonymised=True
        )
        .exclude(application__organization__memberships__user=user)
        .exclude(application__track__in=staff_tracks(user))
        .values_list("application_id", flat=True)
    )


def neutral_document_name(*, reference: str | None, kind: str, original_name: str) -> str:
    """A document's file name that says nothing of who uploaded it: the application's reference
    and the document's kind, with the original extension (``2026-PL-001-site_map.pdf``).
    A file name often carries the applicant's name, so anonymised review never shows it."""
    suffix = ""
    if "." in original_name:
        extension = original_name.rsplit(".", 1)[1].lower()
        if extension.isalnum() and len(extension) <= 5:
            suffix = f".{extension}"
    return f"{reference or 'application'}-{kind}{suffix}"


def redact_application_data(data: dict, identifying_codes=()) -> dict:
    """An application's API representation without the applicant's identity (organisation,
    contact person, position, e-mail, telephone, consortium members; document file names made
    neutral; the answers to the questions that may identify the applicant,
    ``identifying_codes``, made null)."""
    data = dict(data)
    if isinstance(data.get("answers"), dict) and identifying_codes:
        data["answers"] = {
            code: None if code in identifying_codes else value
            for code, value in data["answers"].items()
        }
    for name in WITHHELD_API_FIELDS:
        if name in data:
            data[name] = None if name == "organization" else ""
    if "consortium_members" in data:  # the consortium names the applicant's partners
        data["consortium_members"] = []
    if isinstance(data.get("documents"), list):
        data["documents"] = [
            {
                **document,
                "original_name": neutral_document_name(
                    reference=data.get("reference"),
                    kind=document.get("kind", "document"),
                    original_name=document.get("original_name") or "",
                ),
            }
            for document in data["documents"]
        ]
    return data


def application_data_filter(user):
    """The hook ``applications.api`` applies to every application it represents for ``user``:
    ``(application id, data) -> data`` blanking the identity of those read in anonymised
    review, or None when the user reads none that way (two queries per request)."""
    withheld = withheld_application_ids(user)
    if not withheld:
        return None
    identifying: dict[int, set[str]] = {}
    for application_id, code in Answer.objects.filter(
        application_id__in=withheld, question__identifying=True
    ).values_list("application_id", "question__code"):
        identifying.setdefault(application_id, set()).add(code)

    def apply(application_id: int, data: dict) -> dict:
        if application_id not in withheld:
            return data
        return redact_application_data(data, identifying.get(application_id, ()))

    return apply


@dataclass
class ShownMember:
    """A consortium member as the reader may see it (numbered when the identity is withheld)."""

    name: str
    role: str

    def get_role_display(self) -> str:  # the template partial asks members this
        return self.role


@dataclass
class ShownDocument:
    document: Document
    name: str


@dataclass
class ReviewerApplicationView:
    """What a reviewer's page shows of an application: the application (its project content),
    whether the applicant's identity is withheld, and the consortium and documents named as
    the reader may see them. Templates print the names from here, never from the models, so
    an anonymised page cannot leak them by accident."""

    application: Application
    withheld: bool
    consortium: list[ShownMember]
    documents: list[ShownDocument]


def reviewer_application_view(application: Application, reviewer) -> ReviewerApplicationView:
    """The application as ``reviewer`` may read it (``identity_is_withheld``): with the track
    anonymised, consortium members become "Member 1…" and documents get neutral file names;
    the organisation, contact person, e-mail and telephone are not in the result's names (the
    templates show "withheld" in their place). Who uploaded a document is never shown to
    reviewers. Two queries (consortium, documents)."""
    withheld = identity_is_withheld(application, reviewer)
    members = application.consortium_members.all()
    consortium = [
        ShownMember(
            name=str(_("Member %(number)s") % {"number": number}) if withheld else m.name,
            role=m.get_role_display(),
        )
        for number, m in enumerate(members, start=1)
    ]
    documents = [
        ShownDocument(
            document=d,
            name=neutral_document_name(
                reference=application.reference, kind=d.kind, original_name=d.original_name
            )
            if withheld
            else d.original_name,
        )
        for d in application.documents.all()
    ]
    return ReviewerApplicationView(
        application=application, withheld=withheld, consortium=consortium, documents=documents
    )


# --- Browsing the track's applications beyond one's assignments -------------------------


def browsable_tracks(user) -> QuerySet[Track]:
    """Tracks whose every eligible application ``user`` may read as a committee member (the
    track's settings say so); scoring still needs an assignment."""
    if not user.is_authenticated:
        return Track.objects.none()
    return (
        Track.objects.filter(
            committee__reviewer=user, review_settings__scope=ReviewSettings.Scope.ALL
        )
        .select_related("call")
        .distinct()
        .order_by("-call__year", "order", "pk")
    )


def browse_applications(track: Track, user) -> QuerySet[Application]:
    """The applications of ``track`` a committee member may read without an assignment: those
    the board lists (eligible, under review, reviewed), less any the member has a conflict with
    (declared, on record or found by the portal's detection now) and less their own
    assignments, which they open from their workspace after the conflict declaration (browsing
    never skips that step). Empty unless the track allows browsing and ``user`` sits on its
    committee."""
    if not (
        user.is_authenticated
        and review_settings_for(track).allows_browsing
        and CommitteeMember.objects.filter(track=track, reviewer_id=user.pk).exists()
    ):
        return Application.objects.none()
    declared = ConflictDeclaration.objects.filter(
        application=OuterRef("pk"), reviewer_id=user.pk, has_conflict=True
    )
    assigned = Assignment.objects.filter(application=OuterRef("pk"), reviewer_id=user.pk)
    candidates = (
        track.applications.filter(status__in=BOARD_STATUSES)
        .exclude(Exists(declared))
        .exclude(Exists(assigned))
        .select_related("track__call", "organization", "country", "city")
        .order_by("reference", "pk")
    )
    detected = detect_conflicts(reviewers=[user], applications=candidates)
    return candidates.exclude(pk__in=[app_id for _reviewer, app_id in detected])
