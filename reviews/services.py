"""Writes for review, results and awards. Status changes go through the transition services."""

import datetime
import logging
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.audit import record_audit_event
from accounts.models import ReviewerProfile
from applications.models import Application
from applications.services import transition_application
from core.domain import DomainError, clean_or_refuse
from core.transitions import apply_transition
from notifications.services import in_each_language, queue_message
from projects.models import Track
from reviews import assignment as planner
from reviews.conflicts import detect_conflicts
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    InterestDeclaration,
    Job,
    ReviewerInvitation,
    Score,
)

A = Assignment.Status
# invited → accepted | declined | conflict → in_progress → submitted; staff may reopen.
ASSIGNMENT_TRANSITIONS: dict[str, set[str]] = {
    A.INVITED: {A.ACCEPTED, A.DECLINED, A.CONFLICT},
    A.ACCEPTED: {A.IN_PROGRESS, A.DECLINED, A.CONFLICT},
    A.DECLINED: {A.INVITED},
    A.CONFLICT: set(),
    A.IN_PROGRESS: {A.SUBMITTED, A.CONFLICT},
    A.SUBMITTED: {A.IN_PROGRESS},
}


@transaction.atomic
def transition_assignment(
    *, assignment: Assignment, to: str, actor, reason: str = "", detail: dict | None = None
) -> Assignment:
    """Move an assignment along its lifecycle; locks the row, audits the move.

    Does not compute totals or validate scores: ``submit_review`` does that before calling.
    """

    def prepare(row: Assignment, old: str) -> None:
        if to == A.SUBMITTED:
            row.submitted_at = timezone.now()

    return apply_transition(
        assignment,
        to=to,
        table=ASSIGNMENT_TRANSITIONS,
        actor=actor,
        refusal=_("An assignment cannot go from “%(old)s” to “%(new)s”."),
        prepare=prepare,
        reason=reason,
        detail=detail,
    )


# --- Review work: criteria, committee, conflicts, assignment, scoring, reminders ---------------
# (Everything below is the review engineer's; the transition services above stay as they are.)

logger = logging.getLogger(__name__)

# Functions called (after commit) with the assignment each time a review is submitted.
# The results engineer appends the aggregation trigger from ``ReviewsConfig.ready()``.
REVIEW_SUBMITTED_HOOKS: list[Callable[[Assignment], None]] = []

INVITATION_VALID_DAYS = 30
DECLARATION_VALID_DAYS = 365
# Assignment statuses that count towards an application's reviewers and a reviewer's load.
# Applications that can receive reviewers.
ASSIGNABLE_STATUSES = (Application.Status.ELIGIBLE, Application.Status.UNDER_REVIEW)
HALF = Decimal("0.5")


# Eligibility screening ---------------------------------------------------------------------


def criteria_total(track: Track) -> Decimal:
    """The sum of the track's criteria maximum points (must be 100 before review starts)."""
    return sum((c.max_points for c in track.criteria.all()), Decimal(0))


@transaction.atomic
def start_review(*, track: Track, actor) -> int:
    """Lock the track's criteria and move its eligible applications to under review.

    Refuses when the criteria do not add up to 100 points. Idempotent: running it again moves
    applications screened eligible since. Returns how many applications moved.
    """
    track = Track.objects.select_for_update().get(pk=track.pk)
    total = criteria_total(track)
    if not track.criteria.exists() or total != 100:
        raise DomainError(
            _(
                "The criteria add up to %(total)s points; they must add up to 100 before review starts."
            )
            % {"total": total},
            code="criteria_total",
        )
    if track.criteria_locked_at is None:
        track.criteria_locked_at = timezone.now()
        track.save(update_fields=["criteria_locked_at"])
        record_audit_event(subject=track, action="criteria_locked", actor=actor)
    moved = 0
    for application in track.applications.filter(status=Application.Status.ELIGIBLE):
        transition_application(
            application=application, to=Application.Status.UNDER_REVIEW, actor=actor
        )
        moved += 1
    return moved


REVIEW_SETTINGS_FIELDS = (
    "review_deadline",
    "min_reviewers",
    "max_reviewer_load",
    "min_justification_length",
    "overall_threshold",
    "spread_threshold",
)


@transaction.atomic
def update_review_settings(*, track: Track, actor, **values) -> Track:
    """Change a track's review settings (deadline, minimum reviewers, maximum load, minimum
    justification length, overall and spread thresholds); audited with old and new values.

    Only the fields in ``REVIEW_SETTINGS_FIELDS`` may change here; budgets and the call are
    configured elsewhere.
    """
    unknown = set(values) - set(REVIEW_SETTINGS_FIELDS)
    if unknown:
        raise DomainError(
            _("These settings cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    track = Track.objects.select_for_update().get(pk=track.pk)
    old = {name: str(getattr(track, name)) for name in values}
    for name, value in values.items():
        setattr(track, name, value)
    if track.max_reviewer_load < 1:
        raise DomainError(_("A reviewer must be able to take at least one application."))
    clean_or_refuse(track)
    track.save(update_fields=list(values))
    record_audit_event(
        subject=track,
        action="review_settings",
        actor=actor,
        detail={"old": old, "new": {name: str(getattr(track, name)) for name in values}},
    )
    return track


# Criteria ----------------------------------------------------------------------------------


def criteria_are_locked(track: Track) -> bool:
    """Criteria are locked once review starts or once anyone has scored on them."""
    return (
        track.criteria_locked_at is not None
        or Score.objects.filter(criterion__track=track).exists()
    )


def _refuse_if_locked(track: Track) -> None:
    if criteria_are_locked(track):
        raise DomainError(
            _("The criteria of this track are locked because scoring has started."),
            code="criteria_locked",
        )


@transaction.atomic
def save_criterion(*, criterion: Criterion, actor) -> Criterion:
    """Create or change a criterion of a track whose criteria are not locked; audited."""
    _refuse_if_locked(criterion.track)
    created = criterion.pk is None
    if created and not criterion.order:
        last = criterion.track.criteria.order_by("-order").values_list("order", flat=True).first()
        criterion.order = (last or 0) + 1
    clean_or_refuse(criterion)
    criterion.save()
    record_audit_event(
        subject=criterion,
        action="created" if created else "changed",
        actor=actor,
        detail={"max_points": str(criterion.max_points), "weight": str(criterion.weight)},
    )
    return criterion


@transaction.atomic
def delete_criterion(*, criterion: Criterion, actor) -> None:
    """Delete a criterion while the track's criteria are not locked; audited on the track."""
    _refuse_if_locked(criterion.track)
    record_audit_event(
        subject=criterion.track,
        action="criterion_deleted",
        actor=actor,
        detail={"code": criterion.code, "name": criterion.name},
    )
    criterion.delete()


@transaction.atomic
def move_criterion(*, criterion: Criterion, up: bool, actor) -> None:
    """Swap a criterion with its neighbour in the track's order (renumbers 1..n)."""
    _refuse_if_locked(criterion.track)
    items = list(criterion.track.criteria.select_for_update().order_by("order", "id"))
    index = next(i for i, c in enumerate(items) if c.pk == criterion.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])


# Committee ---------------------------------------------------------------------------------


def _track_names(track: Track) -> dict[str, str]:
    """The call and track as a reader names them, in each language (for message contexts)."""
    return in_each_language("track", lambda: f"{track.call.display_name} — {track.display_name}")


@transaction.atomic
def invite_reviewer(*, track: Track, email: str, name: str = "", actor) -> ReviewerInvitation:
    """Invite an expert by e-mail to the track's committee; e-mails the accept link.

    Refuses a second pending invitation to the same address, and someone already on the
    committee. Accepting needs a log-in with this e-mail address (see ``accept_invitation``).
    """
    email = (email or "").strip().lower()
    if CommitteeMember.objects.filter(track=track, reviewer__email__iexact=email).exists():
        raise DomainError(_("This expert is already on the committee."), field="email")
    if ReviewerInvitation.objects.filter(
        track=track, email__iexact=email, status=ReviewerInvitation.Status.PENDING
    ).exists():
        raise DomainError(
            _("An invitation to this address is already waiting for an answer."), field="email"
        )
    invitation = ReviewerInvitation(
        track=track,
        email=email,
        name=name,
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=INVITATION_VALID_DAYS),
    )
    clean_or_refuse(invitation)
    invitation.save()
    record_audit_event(subject=invitation, action="invited", actor=actor, new_value="pending")
    from accounts.models import User

    recipient = User.objects.filter(email__iexact=email).first()
    queue_message(
        recipient=recipient,
        to_email=email,
        template="reviews/invitation",
        context={
            "name": name,
            **_track_names(track),
            "expires_at": invitation.expires_at.isoformat(),
        },
        link=reverse("reviews:invitation", kwargs={"token": invitation.token}),
        channels=("email",) if recipient is None else ("email", "in_app"),
    )
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: ReviewerInvitation, actor) -> ReviewerInvitation:
    """Withdraw a pending invitation; its link stops working."""
    invitation = ReviewerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != ReviewerInvitation.Status.PENDING:
        raise DomainError(_("Only a pending invitation can be revoked."))
    invitation.status = ReviewerInvitation.Status.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    record_audit_event(
        subject=invitation, action="status", actor=actor, old_value="pending", new_value="revoked"
    )
    return invitation


@transaction.atomic
def respond_to_invitation(
    *, invitation: ReviewerInvitation, accept: bool, actor
) -> ReviewerInvitation:
    """Accept or decline a committee invitation as the invited person.

    The actor must be logged in with the invited e-mail address: knowing the link is not enough.
    Accepting adds the committee seat, the reviewer role and an empty reviewer profile.
    """
    invitation = ReviewerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != ReviewerInvitation.Status.PENDING:
        raise DomainError(_("This invitation has already been answered or withdrawn."))
    if invitation.expires_at <= timezone.now():
        raise DomainError(_("This invitation has expired; ask the secretariat for a new one."))
    if actor.email.lower() != invitation.email.lower():
        raise DomainError(
            _(
                "This invitation was sent to another e-mail address. Log in with the address "
                "the invitation was sent to."
            ),
            code="wrong_account",
        )
    old = invitation.status
    invitation.status = (
        ReviewerInvitation.Status.ACCEPTED if accept else ReviewerInvitation.Status.DECLINED
    )
    invitation.responded_at = timezone.now()
    invitation.accepted_by = actor if accept else None
    invitation.save(update_fields=["status", "responded_at", "accepted_by"])
    record_audit_event(
        subject=invitation, action="status", actor=actor, old_value=old, new_value=invitation.status
    )
    if accept:
        CommitteeMember.objects.get_or_create(track=invitation.track, reviewer=actor)
        actor.groups.add(Group.objects.get_or_create(name=roles.REVIEWER)[0])
        actor.__dict__.pop("_kcity_roles", None)
        ReviewerProfile.objects.get_or_create(user=actor)
    return invitation


@transaction.atomic
def remove_committee_member(*, member: CommitteeMember, actor) -> None:
    """Take a reviewer off a committee; refused while they hold open or submitted reviews."""
    if Assignment.objects.filter(
        reviewer=member.reviewer,
        application__track=member.track,
        status__in=Assignment.ACTIVE_STATUSES,
    ).exists():
        raise DomainError(_("Remove this reviewer's assignments in the track first."))
    record_audit_event(
        subject=member.track,
        action="committee_member_removed",
        actor=actor,
        detail={"reviewer": member.reviewer_id},
    )
    member.delete()


@transaction.atomic
def save_reviewer_profile(*, profile: ReviewerProfile, actor) -> ReviewerProfile:
    """Save a reviewer's own profile (expertise, affiliation, companies of the last 3 years)."""
    if profile.user_id != actor.pk:
        raise DomainError(_("You can only change your own profile."))
    valid = set(ReviewerProfile.Expertise.values)
    profile.expertise = [e for e in profile.expertise if e in valid]
    clean_or_refuse(profile)
    profile.save()
    record_audit_event(subject=profile, action="changed", actor=actor)
    return profile


def current_interest_declaration(user) -> InterestDeclaration | None:
    """The reviewer's declaration of interests that is still valid, if any."""
    return (
        InterestDeclaration.objects.filter(reviewer=user, expires_at__gt=timezone.now())
        .order_by("-signed_at")
        .first()
    )


@transaction.atomic
def sign_interest_declaration(*, reviewer, interests: str, actor) -> InterestDeclaration:
    """Sign this year's declaration of interests; valid for one year from now."""
    if reviewer.pk != actor.pk:
        raise DomainError(_("Only the reviewer can sign their own declaration."))
    now = timezone.now()
    declaration = InterestDeclaration(
        reviewer=reviewer,
        interests=interests.strip(),
        signed_at=now,
        expires_at=now + datetime.timedelta(days=DECLARATION_VALID_DAYS),
    )
    clean_or_refuse(declaration)
    declaration.save()
    record_audit_event(subject=declaration, action="signed", actor=actor)
    return declaration


# Conflicts ---------------------------------------------------------------------------------


def conflict_pairs(track: Track) -> set[tuple[int, int]]:
    """Every (reviewer id, application id) pair of the track that must never be assigned:
    declared or recorded conflicts plus those the portal detects now."""
    pairs = set(
        ConflictDeclaration.objects.filter(application__track=track, has_conflict=True).values_list(
            "reviewer_id", "application_id"
        )
    )
    reviewers = [m.reviewer for m in track.committee.select_related("reviewer")]
    applications = list(track.applications.filter(status__in=ASSIGNABLE_STATUSES))
    pairs |= set(detect_conflicts(reviewers=reviewers, applications=applications))
    return pairs


@transaction.atomic
def record_detected_conflicts(*, track: Track, actor=None) -> int:
    """Store the conflicts the portal detects in the track (source=detected); returns how many
    new rows. A pair the reviewer already declared on keeps the reviewer's declaration."""
    reviewers = [m.reviewer for m in track.committee.select_related("reviewer")]
    applications = list(track.applications.filter(status__in=ASSIGNABLE_STATUSES))
    found = detect_conflicts(reviewers=reviewers, applications=applications)
    existing = set(
        ConflictDeclaration.objects.filter(application__track=track).values_list(
            "reviewer_id", "application_id"
        )
    )
    created = 0
    for (reviewer_id, application_id), kind in sorted(found.items()):
        if (reviewer_id, application_id) in existing:
            continue
        ConflictDeclaration.objects.create(
            reviewer_id=reviewer_id,
            application_id=application_id,
            has_conflict=True,
            kind=kind,
            source=ConflictDeclaration.Source.DETECTED,
        )
        created += 1
    return created


@transaction.atomic
def declare_conflict(
    *, assignment: Assignment, has_conflict: bool, kind: str = "", details: str = "", actor
) -> Assignment:
    """The reviewer declares, before seeing the application, whether they have a conflict.

    No conflict: the declaration is recorded and an invited assignment becomes accepted.
    A conflict: recorded with its kind, the assignment moves to ``conflict`` and the reviewer
    never sees the application again. A declaration cannot be changed afterwards.
    """
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can declare on this application."))
    if ConflictDeclaration.objects.filter(
        reviewer=actor, application=assignment.application
    ).exists():
        raise DomainError(_("You have already declared on this application."), code="declared")
    if has_conflict:
        if kind not in ConflictDeclaration.Kind.values or kind == ConflictDeclaration.Kind.NONE:
            raise DomainError(_("Choose the kind of conflict."), field="kind")
    else:
        kind = ConflictDeclaration.Kind.NONE
    declaration = ConflictDeclaration(
        reviewer=actor,
        application=assignment.application,
        has_conflict=has_conflict,
        kind=kind,
        details=details.strip(),
        source=ConflictDeclaration.Source.DECLARED,
    )
    clean_or_refuse(declaration)
    declaration.save()
    if has_conflict:
        assignment = transition_assignment(
            assignment=assignment, to=A.CONFLICT, actor=actor, detail={"kind": kind}
        )
        _tell_track_staff(assignment, why="conflict")
        return assignment
    if assignment.status == A.INVITED:
        return transition_assignment(assignment=assignment, to=A.ACCEPTED, actor=actor)
    return assignment


def _tell_track_staff(assignment: Assignment, *, why: str) -> None:
    """An in-app notice to the secretariat staff of the track that a reviewer dropped out, so
    they can assign someone else. Programme admins see it on the board."""
    from accounts.models import User

    track = assignment.application.track
    staff = User.objects.filter(
        memberships__organization=track.secretariat_id, groups__name=roles.SECRETARIAT_STAFF
    ).distinct()
    for member in staff:
        queue_message(
            recipient=member,
            template="reviews/reviewer_dropped",
            context={
                "reference": assignment.application.reference or "",
                "reviewer": assignment.reviewer.name or assignment.reviewer.email,
                "why": why,
            },
            link=reverse("staff_reviews:board", kwargs={"track_id": track.pk}),
            channels=("in_app",),
        )


@transaction.atomic
def report_conflict_later(
    *, assignment: Assignment, kind: str, details: str = "", actor
) -> Assignment:
    """The reviewer discovers a conflict after declaring none (before submitting).

    The declaration becomes a conflict (audited with the change), the assignment moves to
    ``conflict``, and the application disappears from the reviewer's pages. Draft scores stay
    stored but never count: only submitted reviews are aggregated.
    """
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can report a conflict."))
    if kind not in ConflictDeclaration.Kind.values or kind == ConflictDeclaration.Kind.NONE:
        raise DomainError(_("Choose the kind of conflict."), field="kind")
    declaration = ConflictDeclaration.objects.select_for_update().get(
        reviewer=actor, application=assignment.application
    )
    old = declaration.kind
    declaration.has_conflict = True
    declaration.kind = kind
    declaration.details = details.strip()
    declaration.declared_at = timezone.now()
    clean_or_refuse(declaration)
    declaration.save()
    record_audit_event(
        subject=declaration, action="conflict_reported", actor=actor, old_value=old, new_value=kind
    )
    assignment = transition_assignment(
        assignment=assignment, to=A.CONFLICT, actor=actor, detail={"kind": kind, "late": True}
    )
    _tell_track_staff(assignment, why="conflict")
    return assignment


@transaction.atomic
def decline_assignment(*, assignment: Assignment, reason: str, note: str = "", actor) -> Assignment:
    """The reviewer declines (conflict, not my expertise, no time); audited, staff can see it.

    Declining for a conflict also records a conflict declaration, so the pair is never
    assigned again.
    """
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can decline."))
    if reason not in Assignment.DeclineReason.values:
        raise DomainError(_("Choose why you decline."), field="reason")
    assignment = transition_assignment(
        assignment=assignment, to=A.DECLINED, actor=actor, reason=reason
    )
    assignment.decline_reason = reason
    assignment.decline_note = note.strip()
    assignment.save(update_fields=["decline_reason", "decline_note"])
    _tell_track_staff(assignment, why=reason)
    if reason == Assignment.DeclineReason.CONFLICT:
        ConflictDeclaration.objects.update_or_create(
            reviewer=actor,
            application=assignment.application,
            defaults={
                "has_conflict": True,
                "kind": ConflictDeclaration.Kind.OTHER,
                "details": note.strip(),
                "source": ConflictDeclaration.Source.DECLARED,
            },
        )
    return assignment


# Assignment --------------------------------------------------------------------------------


def _load_of(reviewer, track: Track) -> int:
    return Assignment.objects.filter(
        reviewer=reviewer, application__track=track, status__in=Assignment.ACTIVE_STATUSES
    ).count()


@transaction.atomic
def assign_reviewer(
    *, application: Application, reviewer, actor, due_at=None, notify: bool = True
) -> Assignment:
    """Assign one committee member to one application (status invited); e-mails the reviewer.

    Refuses: an application not eligible or under review, a reviewer not on the track's
    committee, a conflicted pair (declared or detected), a pair already assigned, and a
    reviewer at the track's maximum load. A declined pair may be invited again.
    """
    track = application.track
    if application.status not in ASSIGNABLE_STATUSES:
        raise DomainError(_("Only eligible applications and those under review get reviewers."))
    if not CommitteeMember.objects.filter(track=track, reviewer=reviewer).exists():
        raise DomainError(_("%(name)s is not on this track's committee.") % {"name": reviewer})
    if ConflictDeclaration.objects.filter(
        reviewer=reviewer, application=application, has_conflict=True
    ).exists() or detect_conflicts(reviewers=[reviewer], applications=[application]):
        raise DomainError(
            _("%(name)s has a conflict of interest with this application.") % {"name": reviewer},
            code="conflict",
        )
    existing = Assignment.objects.filter(application=application, reviewer=reviewer).first()
    if existing is not None and existing.status != A.DECLINED:
        raise DomainError(
            _("%(name)s is already assigned to this application.") % {"name": reviewer},
            code="duplicate",
        )
    if _load_of(reviewer, track) >= track.max_reviewer_load:
        raise DomainError(
            _("%(name)s already has the maximum of %(max)s applications in this track.")
            % {"name": reviewer, "max": track.max_reviewer_load},
            code="max_load",
        )
    if existing is not None:
        assignment = transition_assignment(
            assignment=existing, to=A.INVITED, actor=actor, reason="reassigned"
        )
    else:
        assignment = Assignment(
            application=application,
            reviewer=reviewer,
            assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
            due_at=due_at,
        )
        clean_or_refuse(assignment)
        assignment.save()
        record_audit_event(subject=assignment, action="assigned", actor=actor, new_value=A.INVITED)
    if notify:
        queue_message(
            recipient=reviewer,
            template="reviews/assigned",
            context={**_track_names(track), "count": 1},
            link=reverse("reviews:workspace"),
        )
    return assignment


def assign_reviewers_bulk(
    *, applications: Iterable[Application], reviewers: Iterable, actor, due_at=None
) -> tuple[list[Assignment], list[str]]:
    """Assign every chosen reviewer to every chosen application; each pair on its own.

    Returns (created, refusal messages). A refused pair (conflict, full load…) does not stop
    the others; the reviewer gets one e-mail, not one per application.
    """
    created, refused = [], []
    reviewers = list(reviewers)
    for application in applications:
        for reviewer in reviewers:
            try:
                created.append(
                    assign_reviewer(
                        application=application,
                        reviewer=reviewer,
                        actor=actor,
                        due_at=due_at,
                        notify=False,
                    )
                )
            except DomainError as exc:
                refused.append(f"{application.reference or application.pk}: {exc.message}")
    _notify_new_assignments(created)
    return created, refused


def _notify_new_assignments(created: list[Assignment]) -> None:
    per_reviewer: dict[int, list[Assignment]] = {}
    for assignment in created:
        per_reviewer.setdefault(assignment.reviewer_id, []).append(assignment)
    for items in per_reviewer.values():
        with transaction.atomic():
            queue_message(
                recipient=items[0].reviewer,
                template="reviews/assigned",
                context={**_track_names(items[0].application.track), "count": len(items)},
                link=reverse("reviews:workspace"),
            )


@transaction.atomic
def remove_assignment(*, assignment: Assignment, actor, reason: str = "") -> None:
    """Staff take a reviewer off an application before any review work was submitted.

    Refused for a submitted review (reopen it instead) and for a conflict (kept as a record).
    The removal is audited on the application.
    """
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status in (A.SUBMITTED, A.CONFLICT):
        raise DomainError(_("A submitted review or a declared conflict cannot be removed."))
    record_audit_event(
        subject=assignment.application,
        action="assignment_removed",
        actor=actor,
        old_value=assignment.status,
        detail={"reviewer": assignment.reviewer_id, "reason": reason},
    )
    assignment.delete()


def create_assignment_job(*, track: Track, actor) -> Job:
    """Create the automatic-assignment job row and queue the Celery task after commit."""
    with transaction.atomic():
        job = Job(track=track, kind=Job.Kind.ASSIGN, created_by=actor)
        clean_or_refuse(job)
        job.save()
        record_audit_event(subject=track, action="assignment_job", actor=actor, new_value=job.pk)

        def _queue():
            from reviews.tasks import task_assign_reviewers

            try:
                task_assign_reviewers.delay(job_id=job.pk)
            except Exception as exc:  # noqa: BLE001 - the page must say so rather than wait
                logger.exception("Could not queue assignment job %s", job.pk)
                Job.objects.filter(pk=job.pk).update(
                    status=Job.Status.FAILED,
                    message=str(_("The job could not be started: %(error)s") % {"error": exc}),
                    finished_at=timezone.now(),
                )

        transaction.on_commit(_queue)
    return job


SHORTFALL_REASONS = {
    "no_reviewers_without_conflict": _(
        "only %(available)s committee members without a conflict of interest are available"
    ),
    "reviewers_at_maximum_load": _(
        "every committee member without a conflict already has the maximum of %(max)s applications"
    ),
}


def _assignment_outcome(
    *, plan: planner.AssignmentPlan, refs: dict[int, str], created: int, track: Track
) -> tuple[str, str]:
    """The summary sentence of an assignment run and the job status it ends in."""
    lines = [
        str(
            _("%(ref)s lacks %(missing)s reviewer(s): %(why)s.")
            % {
                "ref": refs[s.application_id],
                "missing": s.missing,
                "why": SHORTFALL_REASONS[s.reason]
                % {"available": s.available, "max": track.max_reviewer_load},
            }
        )
        for s in plan.shortfalls
    ]
    if plan.shortfalls:
        message = str(
            _(
                "%(count)s assignments made, but %(short)s application(s) could not reach "
                "the minimum of %(min)s reviewers:"
            )
            % {"count": created, "short": len(lines), "min": track.min_reviewers}
        )
        message = "\n".join([message, *lines])
        status = Job.Status.FAILED
    else:
        message = str(
            _("%(count)s assignments made; every application has at least %(min)s reviewers.")
            % {"count": created, "min": track.min_reviewers}
        )
        status = Job.Status.SUCCEEDED
    return message, status


def run_assignment_job(*, job_id: int) -> Job:
    """Run one automatic assignment: plan with ``assignment.plan_assignments``, then create the
    assignments one by one, updating the job's progress. Idempotent: a job that finished is
    not run again, and a second run only adds what is still missing.

    When the minimum cannot be met the job still assigns what it can and says, per application,
    how many reviewers are missing and why (``Job.message`` and ``Job.result["shortfalls"]``).
    Never raises for a business reason; an unexpected error marks the job failed with it.
    """
    job = Job.objects.select_related("track", "created_by").get(pk=job_id)
    if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        return job
    track = job.track
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    try:
        record_detected_conflicts(track=track, actor=job.created_by)
        applications = list(
            track.applications.filter(status__in=ASSIGNABLE_STATUSES).order_by("pk")
        )
        members = list(
            track.committee.select_related("reviewer", "reviewer__reviewer_profile").order_by(
                "reviewer_id"
            )
        )
        active = list(
            Assignment.objects.filter(
                application__track=track, status__in=Assignment.ACTIVE_STATUSES
            ).values_list("application_id", "reviewer_id")
        )
        declined = set(
            Assignment.objects.filter(
                application__track=track, status__in=[A.DECLINED, A.CONFLICT]
            ).values_list("reviewer_id", "application_id")
        )
        loads: dict[int, int] = {}
        assigned: dict[int, set[int]] = {}
        for app_id, rev_id in active:
            loads[rev_id] = loads.get(rev_id, 0) + 1
            assigned.setdefault(app_id, set()).add(rev_id)
        topics = _application_topics(applications)
        reviewers = []
        for member in members:
            profile = getattr(member.reviewer, "reviewer_profile", None)
            reviewers.append(
                planner.ReviewerCapacity(
                    id=member.reviewer_id,
                    load=loads.get(member.reviewer_id, 0),
                    expertise=frozenset(profile.expertise if profile else []),
                )
            )
        # A reviewer who declined an application is not asked again automatically.
        forbidden = conflict_pairs(track) | declined
        plan = planner.plan_assignments(
            applications=[
                planner.ApplicationNeed(
                    id=a.pk, assigned=frozenset(assigned.get(a.pk, ())), topics=topics[a.pk]
                )
                for a in applications
            ],
            reviewers=reviewers,
            conflicts=forbidden,
            minimum=track.min_reviewers,
            max_load=track.max_reviewer_load,
        )
        Job.objects.filter(pk=job.pk).update(total=len(plan.pairs), done=0)
        by_id_app = {a.pk: a for a in applications}
        by_id_rev = {m.reviewer_id: m.reviewer for m in members}
        created = []
        for done, (app_id, rev_id) in enumerate(plan.pairs, start=1):
            created.append(
                assign_reviewer(
                    application=by_id_app[app_id],
                    reviewer=by_id_rev[rev_id],
                    actor=job.created_by,
                    notify=False,
                )
            )
            Job.objects.filter(pk=job.pk).update(done=done)
        _notify_new_assignments(created)
        refs = {a.pk: a.reference or f"#{a.pk}" for a in applications}
        # The stored message is for the API, the admin and logs, so it is always English; the
        # staff pages write the sentence from ``result`` in the reader's language.
        with translation.override("en"):
            message, status = _assignment_outcome(
                plan=plan, refs=refs, created=len(created), track=track
            )
        Job.objects.filter(pk=job.pk).update(
            status=status,
            message=message,
            finished_at=timezone.now(),
            result={
                "created": len(created),
                "minimum": track.min_reviewers,
                "max_load": track.max_reviewer_load,
                "shortfalls": [
                    {
                        "application": s.application_id,
                        "reference": refs[s.application_id],
                        "missing": s.missing,
                        "reason": s.reason,
                        "available": s.available,
                    }
                    for s in plan.shortfalls
                ],
            },
        )
    except Exception as exc:  # noqa: BLE001 - the staff page must show the failure
        logger.exception("Assignment job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            message=str(_("The assignment failed: %(error)s") % {"error": exc}),
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


# Words in an application that point to a reviewer expertise area (for matching only).
EXPERTISE_KEYWORDS = {
    "urban_planning": ("master plan", "urban", "planning", "land use", "zoning"),
    "transport": ("transport", "mobility", "traffic", "congestion", "transit", "bus"),
    "energy": ("energy", "solar", "grid", "power"),
    "water": ("water", "flood", "waste", "environment", "sanitation"),
    "ict": ("digital", "data", "platform", "ict", "iot", "sensor"),
    "safety": ("safety", "disaster", "cctv", "emergency"),
    "finance": ("finance", "ppp", "investment", "funding"),
    "governance": ("governance", "policy", "e-government"),
    "construction": ("construction", "real estate", "housing", "building"),
    "international_development": ("development", "oda", "cooperation"),
}


def _application_topics(applications: list[Application]) -> dict[int, frozenset[str]]:
    topics = {}
    for application in applications:
        text = " ".join([application.title, application.summary, application.objectives]).casefold()
        topics[application.pk] = frozenset(
            area for area, words in EXPERTISE_KEYWORDS.items() if any(w in text for w in words)
        )
    return topics


# Scoring -----------------------------------------------------------------------------------


def compute_total(scores: Iterable[tuple[Decimal, Criterion]]) -> Decimal:
    """The reviewer's total on 100 points.

    total = 100 · Σ(points_i · weight_i) / Σ(max_i · weight_i), rounded half up to 0.01.
    With every weight equal (the default 1) and maxima adding up to 100 this is the plain sum
    of the points; with weights it is the weighted sum scaled so that full marks stay 100.
    """
    scores = list(scores)
    numerator = sum((Decimal(p) * c.weight for p, c in scores), Decimal(0))
    denominator = sum((c.max_points * c.weight for _p, c in scores), Decimal(0))
    if not denominator:
        return Decimal(0)
    return (numerator * 100 / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_points(value: Decimal) -> str:
    """20 rather than 20.0 or 2E+1; 7.5 stays 7.5."""
    return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)


def validate_points(points: Decimal | None, criterion: Criterion) -> str | None:
    """A user-facing error for points outside 0..max or not on a half point, else None."""
    if points is None:
        return None
    if points < 0 or points > criterion.max_points:
        return str(
            _("Give between 0 and %(max)s points.") % {"max": format_points(criterion.max_points)}
        )
    if (points / HALF) % 1 != 0:
        return str(_("Use whole or half points (for example 7 or 7.5)."))
    return None


class ReviewInvalid(DomainError):
    """A review that cannot be saved or submitted; ``errors`` maps form field → message."""

    code = "review_invalid"

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Please correct the marked fields."))
        self.errors = errors


def _write_review(
    *, assignment: Assignment, scores: dict[int, tuple], recommendation, confidence, comment
) -> list[tuple[Decimal | None, str, Criterion]]:
    criteria = list(assignment.application.track.criteria.order_by("order", "id"))
    errors: dict[str, str] = {}
    rows = []
    for criterion in criteria:
        points, justification = scores.get(criterion.pk, (None, ""))
        points = None if points in (None, "") else Decimal(points)
        error = validate_points(points, criterion)
        if error:
            errors[f"points_{criterion.pk}"] = error
        rows.append((points, (justification or "").strip(), criterion))
    if errors:
        raise ReviewInvalid(errors)
    existing = {s.criterion_id: s for s in assignment.scores.all()}
    for points, justification, criterion in rows:
        score = existing.get(criterion.pk) or Score(assignment=assignment, criterion=criterion)
        score.points = points
        score.justification = justification
        score.max_points = criterion.max_points
        score.save()
    assignment.recommendation = recommendation or ""
    assignment.confidence = confidence or None
    assignment.overall_comment = (comment or "").strip()
    assignment.save(update_fields=["recommendation", "confidence", "overall_comment"])
    return rows


def _lock_for_review(assignment: Assignment, actor) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("application__track")
        .get(pk=assignment.pk)
    )
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can score this application."))
    if assignment.status == A.SUBMITTED:
        raise DomainError(
            _("This review was submitted and is locked. Ask the secretariat to reopen it."),
            code="locked",
        )
    if assignment.status not in (A.ACCEPTED, A.IN_PROGRESS):
        raise DomainError(_("This assignment is not open for scoring."), code="not_open")
    return assignment


@transaction.atomic
def save_review_draft(
    *,
    assignment: Assignment,
    scores: dict[int, tuple],
    recommendation: str = "",
    confidence: int | None = None,
    overall_comment: str = "",
    actor,
) -> Assignment:
    """Save a partial review (scores map criterion id → (points or None, justification)).

    Points given must be within range and on a half point; anything may still be empty. The
    assignment becomes ``in_progress``. Nothing is visible to anyone else until submitted.
    """
    assignment = _lock_for_review(assignment, actor)
    if assignment.status == A.ACCEPTED:
        assignment = transition_assignment(assignment=assignment, to=A.IN_PROGRESS, actor=actor)
    _write_review(
        assignment=assignment,
        scores=scores,
        recommendation=recommendation,
        confidence=confidence,
        comment=overall_comment,
    )
    return assignment


@transaction.atomic
def submit_review(
    *,
    assignment: Assignment,
    scores: dict[int, tuple],
    recommendation: str,
    confidence: int | None,
    overall_comment: str = "",
    actor,
) -> Assignment:
    """Submit the review: every criterion scored with a justification of the track's minimum
    length, a recommendation and a confidence. Computes the total (``compute_total``), moves the
    assignment to ``submitted`` (locked), and calls ``REVIEW_SUBMITTED_HOOKS`` after commit.
    """
    assignment = _lock_for_review(assignment, actor)
    track = assignment.application.track
    if assignment.status == A.ACCEPTED:
        assignment = transition_assignment(assignment=assignment, to=A.IN_PROGRESS, actor=actor)
    rows = _write_review(
        assignment=assignment,
        scores=scores,
        recommendation=recommendation,
        confidence=confidence,
        comment=overall_comment,
    )
    errors: dict[str, str] = {}
    for points, justification, criterion in rows:
        if points is None:
            errors[f"points_{criterion.pk}"] = str(_("Score this criterion."))
        if len(justification) < track.min_justification_length:
            errors[f"justification_{criterion.pk}"] = str(
                _("Write at least %(min)s characters (now %(len)s).")
                % {"min": track.min_justification_length, "len": len(justification)}
            )
    if recommendation not in Assignment.Recommendation.values:
        errors["recommendation"] = str(_("Choose a recommendation."))
    if confidence not in Assignment.Confidence.values:
        errors["confidence"] = str(_("Choose your confidence."))
    if not rows:
        raise DomainError(_("This track has no criteria yet."))
    if errors:
        # Nothing is saved (the transaction rolls back); the form shows the errors next to
        # the fields with everything the reviewer typed.
        raise ReviewInvalid(errors)
    assignment.total = compute_total((p, c) for p, _j, c in rows)
    assignment.save(update_fields=["total"])
    assignment = transition_assignment(assignment=assignment, to=A.SUBMITTED, actor=actor)
    for hook in REVIEW_SUBMITTED_HOOKS:
        transaction.on_commit(lambda hook=hook: hook(assignment))
    return assignment


@transaction.atomic
def reopen_review(*, assignment: Assignment, reason: str, actor) -> Assignment:
    """Staff reopen a submitted review with a reason (audited); the reviewer is told by e-mail.

    The total is cleared until the review is submitted again.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for reopening the review."), field="reason")
    assignment = transition_assignment(
        assignment=assignment, to=A.IN_PROGRESS, actor=actor, reason=reason, detail={"reopen": True}
    )
    assignment.total = None
    assignment.submitted_at = None
    assignment.save(update_fields=["total", "submitted_at"])
    queue_message(
        recipient=assignment.reviewer,
        template="reviews/reopened",
        context={"reference": assignment.application.reference or "", "reason": reason},
        link=reverse("reviews:score", kwargs={"pk": assignment.pk}),
    )
    return assignment


# Reminders ---------------------------------------------------------------------------------


@transaction.atomic
def send_review_reminder(*, assignment: Assignment, actor=None, now=None) -> bool:
    """Remind one reviewer of one open review; at most once per assignment per day (Seoul).

    Returns whether a new reminder was written (False when one went today already).
    """
    now = now or timezone.now()
    if not assignment.is_open:
        raise DomainError(_("This review is not open; there is nothing to remind."))
    day = now.astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE)).date()
    due = assignment.effective_due
    created = queue_message(
        recipient=assignment.reviewer,
        template="reviews/reminder",
        context={
            "reference": assignment.application.reference or "",
            "due_at": (
                due.astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
                if due
                else ""
            ),
            "overdue": bool(due and due < now),
        },
        link=reverse("reviews:workspace"),
        dedupe_key=f"review-reminder:{assignment.pk}:{day.isoformat()}",
    )
    if created:
        Assignment.objects.filter(pk=assignment.pk).update(last_reminded_at=now)
        record_audit_event(
            subject=assignment, action="reminded", actor=actor, detail={"day": day.isoformat()}
        )
    return bool(created)


def remind_reviewers(*, now=None) -> int:
    """Periodic reminders: 3 days and 1 day before the due date, and every day once overdue.

    Days are counted in Asia/Seoul. Deduplicated per assignment per day, so running the job
    twice a day sends nothing twice. Returns how many reminders were written.
    """
    now = now or timezone.now()
    zone = ZoneInfo(settings.PROGRAMME_TIME_ZONE)
    today = now.astimezone(zone).date()
    sent = 0
    candidates = (
        Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES)
        .filter(Q(due_at__isnull=False) | Q(application__track__review_deadline__isnull=False))
        .select_related("reviewer", "application__track")
    )
    for assignment in candidates:
        due = assignment.effective_due
        days_left = (due.astimezone(zone).date() - today).days
        if (due < now or days_left in (3, 1)) and send_review_reminder(
            assignment=assignment, now=now
        ):
            sent += 1
    return sent


def reviewer_counts(track: Track) -> dict[int, int]:
    """Active reviewers per application of the track (for pages that show the minimum)."""
    return dict(
        Assignment.objects.filter(application__track=track, status__in=Assignment.ACTIVE_STATUSES)
        .values("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
