"""The life of a background job (automatic assignment, aggregation): started once per track and
kind, claimed by a worker, kept alive by a heartbeat, finished, or swept when it got stuck.

Why: the ``Job`` row is what staff watch, and what stops them from starting a second run. It
must never stay "waiting" or "running" when nothing works on it — a broker that refused the
task, a worker killed mid-run — or the track can never be run again. So:

* the database holds "one active job per track and kind" (a partial unique constraint), and a
  start that loses the race returns the job that won;
* a task that cannot be published marks its job failed at once, with a message staff can read;
* a worker claims the job (``begin_job``), reports progress with a heartbeat, and finishes only
  the attempt it claimed (a stale worker cannot overwrite a newer attempt);
* ``sweep_stuck_jobs`` (every minute, from Celery beat) re-queues or fails jobs that nobody
  started in time or whose heartbeat stopped.

The task that runs each kind belongs to the app that owns the work (aggregation is in
``results``, above this app): each app hands its publisher in from ``AppConfig.ready``
(``register_job_queuer``), so this module never imports a higher app.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from core.domain import DomainError, IllegalTransition, clean_or_refuse
from core.transitions import apply_transition
from projects.models import Track
from reviews.models import Job

logger = logging.getLogger(__name__)

S = Job.Status

JOB_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.RUNNING, S.FAILED},
    # running → running: a worker restarts an attempt whose worker was lost; running →
    # pending: the sweep queues a job whose heartbeat stopped again.
    S.RUNNING: {S.RUNNING, S.PENDING, S.SUCCEEDED, S.FAILED},
    S.SUCCEEDED: set(),
    S.FAILED: set(),
}

# Time limits of every job task (seconds). The broker's visibility timeout must be longer than
# the hard limit (kcity/settings/base.py), or Redis would hand a running task to a second worker.
JOB_SOFT_TIME_LIMIT = 600
JOB_TIME_LIMIT = 660
# Starts of one job by a worker, at most: a job that kills its worker twice is not run a third
# time (with task_reject_on_worker_lost, Celery would otherwise redeliver it for ever).
MAX_ATTEMPTS = 2
# The heartbeat is written with progress, at most this often (one UPDATE per few seconds).
HEARTBEAT_SECONDS = 5

# Why a job stopped, for the staff pages (each has a translated sentence in the templates);
# ``Job.message`` keeps the English sentence for the admin, the API and the logs.
REASON_QUEUE_UNREACHABLE = "queue_unreachable"
REASON_WORKER_LOST = "worker_lost"
REASON_STALLED = "stalled"
REASON_NEVER_STARTED = "never_started"

REASON_MESSAGES = {
    REASON_QUEUE_UNREACHABLE: _("Could not reach the task queue (%(error)s); start it again."),
    REASON_WORKER_LOST: _(
        "The worker running this job stopped %(count)s times; it was not restarted. Start it again."
    ),
    REASON_STALLED: _(
        "The job stopped reporting progress (its worker was probably stopped); start it again."
    ),
    REASON_NEVER_STARTED: _("No worker started the job; start it again."),
}

# kind → function that publishes the job's task (raises when the broker refuses it).
JOB_QUEUERS: dict[str, Callable[[Job], None]] = {}


def register_job_queuer(kind: str, queuer: Callable[[Job], None]) -> None:
    """Hand in how a kind of job is queued (called from the owning app's ``ready``)."""
    JOB_QUEUERS[kind] = queuer


def stale_seconds() -> int:
    """How long a job may wait unstarted, or run without a heartbeat, before the sweep acts."""
    return int(getattr(settings, "KCITY_JOB_STALE_SECONDS", 180))


def active_job(track: Track, kind: str) -> Job | None:
    """The job of this kind waiting or running for the track (at most one: a constraint)."""
    return Job.objects.filter(track=track, kind=kind, status__in=Job.ACTIVE_STATUSES).first()


def _english(reason: str, **values) -> str:
    with translation.override("en"):
        return str(REASON_MESSAGES[reason] % values)[:2000]


def start_job(*, track: Track, kind: str, actor, queue: bool = True) -> tuple[Job, bool]:
    """Create a job and queue its task after commit; or return the job already active.

    Returns ``(job, created)``. Two staff clicking together both get the same job: the partial
    unique constraint refuses the second row and the loser reads the winner's. Safe inside a
    caller's transaction (the insert runs in a savepoint). The task is published only after
    commit, so a worker never looks for a row that is not there yet; a refused publish marks
    the job failed (``queue_job``) instead of answering the request with an error.
    """
    for _attempt in range(3):
        with transaction.atomic():
            existing = active_job(track, kind)
            if existing is not None:
                return existing, False
            job = Job(
                track=track,
                kind=kind,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                queued_at=timezone.now(),
            )
            try:
                with transaction.atomic():
                    clean_or_refuse(job)
                    job.save()
            except (IntegrityError, DomainError):
                # Another start won between the read and the insert: read its job next turn.
                continue
            record_audit_event(subject=job, action="created", actor=actor, new_value=job.status)
            if queue:
                transaction.on_commit(partial(queue_job, job))
            return job, True
    existing = active_job(track, kind)
    if existing is None:  # pragma: no cover - the winner finished within the three reads
        raise DomainError(_("The job could not be started; try again."))
    return existing, False


def queue_job(job: Job) -> bool:
    """Publish the job's task; when the broker refuses it, mark the job failed and say so.

    Runs from ``transaction.on_commit``, where an exception would reach the request (a 500) and
    leave the job waiting for ever; so it never raises. Returns whether the task was queued.
    """
    try:
        JOB_QUEUERS[job.kind](job)
    except Exception as exc:  # noqa: BLE001 - any publish error: the page must say so
        logger.exception("Could not queue job %s (%s)", job.pk, job.kind)
        fail_job(
            job_id=job.pk,
            reason=REASON_QUEUE_UNREACHABLE,
            message=_english(REASON_QUEUE_UNREACHABLE, error=f"{type(exc).__name__}: {exc}"),
            only_from=(S.PENDING,),
        )
        return False
    return True


def _set_failed(message: str, reason: str):
    def prepare(row: Job, old: str) -> None:
        row.message = message
        row.finished_at = timezone.now()
        row.result = {**(row.result or {}), "reason": reason}
        row.task_id = ""

    return prepare


@transaction.atomic
def fail_job(
    *, job_id: int, reason: str, message: str, only_from=Job.ACTIVE_STATUSES, actor=None
) -> bool:
    """Mark a waiting or running job failed with a reason code and an English message.

    ``only_from`` limits the statuses it may leave (a job that has meanwhile started or finished
    is left alone). Returns whether the job was failed.
    """
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status not in only_from:
        return False
    apply_transition(
        job,
        to=S.FAILED,
        table=JOB_TRANSITIONS,
        actor=actor,
        prepare=_set_failed(message, reason),
        reason=reason,
    )
    return True


@transaction.atomic
def begin_job(*, job_id: int, task_id: str = "") -> Job | None:
    """Claim a job for the worker that received its task; ``None`` when there is nothing to do.

    Makes redelivery harmless: a finished (succeeded or failed) job is not run again; a message
    of an earlier attempt (its worker died and the sweep queued the job again) is ignored while
    the current attempt holds the job. A redelivery of the current attempt — the worker was
    lost, and ``task_reject_on_worker_lost`` put the message back — restarts the job from the
    beginning (both jobs are safe to restart: the aggregation writes in one transaction, the
    assignment adds only what is missing), but at most ``MAX_ATTEMPTS`` starts in all.
    """
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status in (S.SUCCEEDED, S.FAILED):
        return None
    if job.status == S.RUNNING and job.task_id != task_id:
        return None
    restart = job.status == S.RUNNING
    if job.attempts >= MAX_ATTEMPTS:
        apply_transition(
            job,
            to=S.FAILED,
            table=JOB_TRANSITIONS,
            actor=None,
            prepare=_set_failed(
                _english(REASON_WORKER_LOST, count=job.attempts), REASON_WORKER_LOST
            ),
            reason=REASON_WORKER_LOST,
        )
        return None

    def prepare(row: Job, old: str) -> None:
        now = timezone.now()
        row.attempts += 1
        row.task_id = task_id
        row.started_at = now
        row.heartbeat_at = now
        row.finished_at = None
        row.done = row.total = 0
        row.message = ""

    return apply_transition(
        job,
        to=S.RUNNING,
        table=JOB_TRANSITIONS,
        actor=None,
        prepare=prepare,
        reason="restarted after the worker was lost" if restart else "",
        detail={"attempt": job.attempts + 1},
    )


class JobProgress:
    """``progress(done, total)`` for one claimed attempt: writes the counts for the polling
    page and, at most every ``HEARTBEAT_SECONDS``, the heartbeat the sweep watches.

    Writes only while the attempt still holds the job (same attempt, still running), so a
    worker that the sweep gave up on cannot move a newer attempt's figures.
    """

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.attempt = job.attempts
        self._last_beat = time.monotonic()

    def _current(self):
        return Job.objects.filter(pk=self.job_id, status=S.RUNNING, attempts=self.attempt)

    def __call__(self, done: int, total: int | None = None) -> bool:
        fields: dict = {"done": done}
        if total is not None:
            fields["total"] = total
        if time.monotonic() - self._last_beat >= HEARTBEAT_SECONDS:
            fields["heartbeat_at"] = timezone.now()
            self._last_beat = time.monotonic()
        return self._current().update(**fields) == 1

    def beat(self) -> bool:
        """A heartbeat now, between phases that report no count (planning, computing)."""
        self._last_beat = time.monotonic()
        return self._current().update(heartbeat_at=timezone.now()) == 1


def finish_job(
    *, job: Job, status: str, message: str = "", result: dict | None = None
) -> Job | None:
    """End the attempt ``job`` (as returned by ``begin_job``) succeeded or failed.

    Returns ``None``, and changes nothing, when the attempt no longer holds the job (the sweep
    queued it again, or a newer attempt took it): the newer attempt will finish it.
    """

    def prepare(row: Job, old: str) -> None:
        row.message = message
        row.finished_at = timezone.now()
        row.heartbeat_at = row.finished_at
        if result is not None:
            row.result = result
        if status == S.SUCCEEDED:
            row.done = row.total

    try:
        return apply_transition(
            job,
            to=status,
            table=JOB_TRANSITIONS,
            actor=None,
            queryset=Job.objects.filter(attempts=job.attempts, task_id=job.task_id),
            prepare=prepare,
        )
    except (Job.DoesNotExist, IllegalTransition):
        logger.warning("Job %s attempt %s no longer holds the job", job.pk, job.attempts)
        return None


def _requeue(job: Job, *, now: datetime.datetime, detail: dict) -> None:
    """Queue the job's task once more (after commit); counts the re-queue on the row."""
    Job.objects.filter(pk=job.pk).update(queued_at=now, requeues=job.requeues + 1)
    record_audit_event(subject=job, action="requeued", old_value=job.status, detail=detail)
    transaction.on_commit(partial(queue_job, job))


@transaction.atomic
def _sweep_one(job_id: int, *, now: datetime.datetime, stale: int) -> str:
    """Decide for one job that looked stuck, under its row lock: "requeued", "failed" or ""."""
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    cutoff = now - datetime.timedelta(seconds=stale)
    if job is None:
        return ""
    if job.status == S.PENDING:
        if (job.queued_at or job.created_at) >= cutoff:
            return ""
        if job.requeues == 0:
            _requeue(job, now=now, detail={"why": "not started in time"})
            return "requeued"
        # Queued again already: give it as long as a full job ahead of it in the queue could
        # take before deciding that its message was lost.
        if (job.queued_at or job.created_at) >= cutoff - datetime.timedelta(seconds=JOB_TIME_LIMIT):
            return ""
        fail_job(
            job_id=job.pk,
            reason=REASON_NEVER_STARTED,
            message=_english(REASON_NEVER_STARTED),
            only_from=(S.PENDING,),
        )
        return "failed"
    if job.status == S.RUNNING:
        if (job.heartbeat_at or job.started_at or job.created_at) >= cutoff:
            return ""
        if job.attempts < MAX_ATTEMPTS:
            apply_transition(
                job,
                to=S.PENDING,
                table=JOB_TRANSITIONS,
                actor=None,
                prepare=lambda row, old: setattr(row, "task_id", ""),
                reason="heartbeat stopped",
                detail={"heartbeat_at": str(job.heartbeat_at), "attempts": job.attempts},
            )
            job.status = S.PENDING
            _requeue(job, now=now, detail={"why": "heartbeat stopped"})
            return "requeued"
        fail_job(
            job_id=job.pk,
            reason=REASON_STALLED,
            message=_english(REASON_STALLED),
            only_from=(S.RUNNING,),
        )
        return "failed"
    return ""


def sweep_stuck_jobs(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Periodic (every minute): re-queue or fail the jobs that nothing is working on.

    A waiting job not started within ``KCITY_JOB_STALE_SECONDS`` is queued once more (its
    message may have been lost); still waiting a full job time limit later, it fails. A running
    job whose heartbeat is older than that is queued again (its worker was killed: the message
    is otherwise only redelivered after the broker's visibility timeout) while it has starts
    left, else it fails. A failure always carries a message, and frees the track for a new run.
    Returns how many jobs were re-queued and failed.
    """
    now = now or timezone.now()
    stale = stale_seconds()
    cutoff = now - datetime.timedelta(seconds=stale)
    candidates = (
        Job.objects.annotate(
            waiting_since=Coalesce("queued_at", "created_at"),
            alive_at=Coalesce("heartbeat_at", "started_at", "created_at"),
        )
        .filter(
            Q(status=S.PENDING, waiting_since__lt=cutoff) | Q(status=S.RUNNING, alive_at__lt=cutoff)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counts = {"requeued": 0, "failed": 0}
    for job_id in list(candidates):
        outcome = _sweep_one(job_id, now=now, stale=stale)
        if outcome:
            counts[outcome] += 1
    if any(counts.values()):
        logger.warning("Swept stuck jobs: %s", counts)
    return counts
