"""Assigning reviewers to applications: by hand, in bulk, and the automatic assignment job."""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from applications.models import Application
from core.domain import (
    DomainError,
    clean_or_refuse,
    refuse_past_due,
    refuse_too_long,
    require_permission,
)
from notifications.services import queue_message
from projects.models import Track
from projects.rules import MANAGE_TRACK
from projects.services import NOT_YOUR_TRACK
from reviews import assignment as planner
from reviews.conflicts import detect_conflicts
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Job,
)
from reviews.services.committee import track_names
from reviews.services.declarations import conflict_pairs, record_detected_conflicts
from reviews.services.jobs import JobProgress, begin_job, finish_job, start_job
from reviews.services.transitions import A, transition_assignment

logger = logging.getLogger(__name__)


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
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    refuse_past_due(due_at)
    if application.status not in Application.ASSIGNABLE_STATUSES:
        raise DomainError(_("Only eligible applications and those under review get reviewers."))
    # The reviewer's committee seat is locked while their load is read and the assignment
    # written: two assignments at once cannot both pass under ``max_reviewer_load``.
    seat = CommitteeMember.objects.select_for_update().filter(track=track, reviewer=reviewer)
    if seat.first() is None:
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
            assignment=existing,
            to=A.INVITED,
            actor=actor,
            reason="reassigned",
            detail={"due_at": due_at.isoformat() if due_at else None},
        )
        # A new invitation: its own due date (none: the track's review deadline), not the one
        # of the invitation the reviewer declined, which may long have passed.
        assignment.due_at = due_at
        assignment.assigned_by = actor if getattr(actor, "is_authenticated", False) else None
        assignment.assigned_at = timezone.now()
        assignment.save(update_fields=["due_at", "assigned_by", "assigned_at"])
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
            context={**track_names(track), "count": 1},
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
                context={**track_names(items[0].application.track), "count": len(items)},
                link=reverse("reviews:workspace"),
            )


@transaction.atomic
def remove_assignment(*, assignment: Assignment, actor, reason: str = "") -> None:
    """Staff take a reviewer off an application before any review work was submitted.

    Refused for a submitted review (reopen it instead) and for a conflict (kept as a record).
    The removal is audited on the application.
    """
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("application__track")
        .get(pk=assignment.pk)
    )
    require_permission(actor, MANAGE_TRACK, assignment.application.track, message=NOT_YOUR_TRACK)
    if assignment.status in (A.SUBMITTED, A.CONFLICT):
        raise DomainError(_("A submitted review or a declared conflict cannot be removed."))
    reason = refuse_too_long(reason)
    record_audit_event(
        subject=assignment.application,
        action="assignment_removed",
        actor=actor,
        old_value=assignment.status,
        detail={"reviewer": assignment.reviewer_id, "reason": reason},
    )
    assignment.delete()


def create_assignment_job(*, track: Track, actor) -> Job:
    """Start the automatic assignment of a track: a job row, its task queued after commit.

    The assignment job already waiting or running for the track is returned instead of a
    second one (``jobs.start_job``); a task the broker refuses leaves the job failed with a
    message, so staff can start it again.
    """
    with transaction.atomic():
        job, created = start_job(track=track, kind=Job.Kind.ASSIGN, actor=actor)
        if created:
            record_audit_event(
                subject=track, action="assignment_job", actor=actor, new_value=job.pk
            )
    return job


def queue_assignment_job(job: Job) -> None:
    """Publish the task of an assignment job (``jobs.register_job_queuer``); raises when the
    broker refuses it."""
    from reviews.tasks import task_assign_reviewers

    task_assign_reviewers.delay(job_id=job.pk)


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


# New assignments of one reviewer written in one transaction with their announcement.
ANNOUNCE_BATCH = 20


@transaction.atomic
def _assign_and_announce(
    *, reviewer, applications: list[Application], track: Track, actor
) -> list[Assignment]:
    """Assign one reviewer to a few applications and queue the one "you have been assigned"
    message that announces them, in the same transaction.

    Why together: written at the end of the job, the messages were lost when a worker was
    killed after some assignments were committed (the re-run only adds what is missing, so it
    never announced those). Here an assignment exists if and only if its announcement does;
    the de-duplication key (the batch's first assignment) keeps a repeated call silent.
    """
    created = [
        assign_reviewer(application=application, reviewer=reviewer, actor=actor, notify=False)
        for application in applications
    ]
    queue_message(
        recipient=reviewer,
        template="reviews/assigned",
        context={
            **track_names(track),
            "count": len(created),
            "assignments": [a.pk for a in created],
        },
        link=reverse("reviews:workspace"),
        dedupe_key=f"assigned:{created[0].pk}",
    )
    return created


def _plan_for(track: Track, job: Job):
    """Plan the missing assignments of the track (``assignment.plan_assignments``) from what
    is already assigned, declined or conflicted; returns (plan, applications, reviewers)."""
    record_detected_conflicts(track=track, actor=job.created_by)
    applications = list(
        track.applications.filter(status__in=Application.ASSIGNABLE_STATUSES).order_by("pk")
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
    return plan, applications, {m.reviewer_id: m.reviewer for m in members}


def run_assignment_job(*, job_id: int, task_id: str = "") -> Job:
    """Run one automatic assignment: plan with ``assignment.plan_assignments``, then create the
    assignments reviewer by reviewer, each batch with its announcement, updating the job's
    progress and heartbeat. Idempotent: a finished job is not run again (``jobs.begin_job``),
    and a re-run — after a failure, or a restart after the worker was killed — only adds what
    is still missing, each new assignment announced exactly once.

    When the minimum cannot be met the job still assigns what it can and says, per application,
    how many reviewers are missing and why (``Job.message`` and ``Job.result["shortfalls"]``).
    Never raises for a business reason; an unexpected error marks the job failed with it.
    """
    job = begin_job(job_id=job_id, task_id=task_id)
    if job is None:
        return Job.objects.get(pk=job_id)
    track = Track.objects.get(pk=job.track_id)
    progress = JobProgress(job)
    try:
        plan, applications, by_id_rev = _plan_for(track, job)
        progress.beat()
        progress(0, len(plan.pairs))
        by_id_app = {a.pk: a for a in applications}
        per_reviewer: dict[int, list[Application]] = {}
        for app_id, rev_id in plan.pairs:
            per_reviewer.setdefault(rev_id, []).append(by_id_app[app_id])
        created = 0
        for rev_id, todo in per_reviewer.items():
            for start in range(0, len(todo), ANNOUNCE_BATCH):
                batch = _assign_and_announce(
                    reviewer=by_id_rev[rev_id],
                    applications=todo[start : start + ANNOUNCE_BATCH],
                    track=track,
                    actor=job.created_by,
                )
                created += len(batch)
                progress(created)
        refs = {a.pk: a.reference or f"#{a.pk}" for a in applications}
        # The stored message is for the API, the admin and logs, so it is always English; the
        # staff pages write the sentence from ``result`` in the reader's language.
        with translation.override("en"):
            message, status = _assignment_outcome(
                plan=plan, refs=refs, created=created, track=track
            )
        finish_job(
            job=job,
            status=status,
            message=message,
            result={
                "created": created,
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
        finish_job(
            job=job,
            status=Job.Status.FAILED,
            message=str(_("The assignment failed: %(error)s") % {"error": exc})[:2000],
        )
    return Job.objects.get(pk=job.pk)


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


def reviewer_counts(track: Track) -> dict[int, int]:
    """Active reviewers per application of the track (for pages that show the minimum)."""
    return dict(
        Assignment.objects.filter(application__track=track, status__in=Assignment.ACTIVE_STATUSES)
        .values("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
