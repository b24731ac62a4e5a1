"""The staff system-status page's figures: is the background machinery keeping up?

Read-only selectors over the outbox (``notifications.Message``), the long jobs
(``reviews.Job``), the worker's heartbeat and the readiness checks (``core.health``). Each
answers "is something stuck?" with a count, an age and a link to the rows, so staff notice an
outage from the portal itself rather than from an applicant's complaint.

Fields added to the outbox and the jobs for their own recovery (``Message.Status.SENDING``,
``Message.claimed_at``, ``Job.queued_at``, ``Job.heartbeat_at``) are looked up by name, so this
page works with or without them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import health
from core.models import Heartbeat
from notifications.models import DeliveryAttempt, Message
from projects.selectors import staff_tracks
from reviews.models import Job

# A message claimed for sending, or a job waiting or running, with no sign of life for this
# long is stuck: delivery takes seconds, and a task is killed after CELERY_TASK_TIME_LIMIT (6 min).
STUCK_AFTER = datetime.timedelta(minutes=10)
# How far back the page counts e-mails sent without proof of delivery.
UNCERTAIN_DAYS = 7


# The readiness checks' names (core.health) as staff read them.
CHECK_LABELS = {
    "database": _("Database"),
    "migrations": _("Database migrations applied"),
    "broker": _("Task broker"),
    "storage": _("File storage (uploads)"),
    "cache": _("Cache (optional)"),
}

# What a check reports when it passes (``core.health``: machine values, as the logs keep them)
# as staff read them. Other details (a database vendor, a cache's address, an error) are shown
# as they are.
DETAIL_LABELS = {
    "applied": pgettext_lazy("system check", "all applied"),
    "database unreachable": pgettext_lazy("system check", "database unreachable"),
    "in-memory broker": pgettext_lazy("system check", "in-memory broker"),
    "folder broker writable": pgettext_lazy("system check", "folder broker, writable"),
    "connected": pgettext_lazy("system check", "connected"),
    "writable": pgettext_lazy("system check", "writable"),
    "bucket writable": pgettext_lazy("system check", "bucket, writable"),
}


@dataclass(frozen=True)
class CheckRow:
    label: str
    check: health.CheckResult

    @property
    def detail(self) -> str:
        """The check's detail in the reader's language where it is one of the known words."""
        return str(DETAIL_LABELS.get(self.check.detail, self.check.detail))


@dataclass(frozen=True)
class DeliveryFailure:
    at: datetime.datetime
    error: str


@dataclass(frozen=True)
class OutboxStatus:
    pending_emails: int
    oldest_pending_at: datetime.datetime | None
    failed: int
    dead: int
    stuck_sending: int | None  # None: the outbox has no "sending" status (yet)
    # The latest finished delivery attempt, when it failed: the mail server refuses or cannot
    # be reached now (its error says which). None once an attempt after it succeeded.
    last_failure: DeliveryFailure | None = None
    # E-mails resolved as sent without proof (``delivery_uncertain``: the worker stopped, or the
    # connection broke, after handing them to the mail server) in the last UNCERTAIN_DAYS days:
    # they may not have arrived, and nothing sends them again by itself.
    uncertain_recent: int = 0

    @property
    def backlog_is_old(self) -> bool:
        """Pending e-mail older than STUCK_AFTER: delivery is not keeping up."""
        return bool(
            self.oldest_pending_at and timezone.now() - self.oldest_pending_at > STUCK_AFTER
        )

    @property
    def needs_attention(self) -> bool:
        """E-mail is not going out as it should now: an old backlog, e-mails failing (waiting
        for a retry), or a claim with no outcome. Given-up e-mails are history, flagged on
        their own count."""
        return bool(self.backlog_is_old or self.failed or self.stuck_sending)


@dataclass(frozen=True)
class WorkerStatus:
    seen_at: datetime.datetime | None
    age_seconds: int | None
    detail: dict = field(default_factory=dict)

    @property
    def is_stale(self) -> bool:
        """No heartbeat, or none for three minutes: beat, the broker or every worker is down."""
        return self.age_seconds is None or self.age_seconds > health.HEARTBEAT_STALE_AFTER_SECONDS


@dataclass(frozen=True)
class SystemStatus:
    outbox: OutboxStatus
    stuck_jobs: list[Job]
    worker: WorkerStatus
    checks: list[health.CheckResult]

    @property
    def ready(self) -> bool:
        return health.is_ready(self.checks)

    @property
    def needs_attention(self) -> bool:
        """The page's headline: "OK" only when the required services answer, the worker beats,
        e-mail goes out and no job is stuck; a failing mail server or a stuck long job (its
        own worker down while the default worker beats) is not "OK"."""
        return bool(
            not self.ready or self.worker.is_stale or self.outbox.needs_attention or self.stuck_jobs
        )

    @property
    def check_rows(self) -> list[CheckRow]:
        return [CheckRow(str(CHECK_LABELS.get(c.name, c.name)), c) for c in self.checks]


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def outbox_status(*, now: datetime.datetime | None = None) -> OutboxStatus:
    """Pending e-mails (count, oldest), failed and dead messages, and messages claimed for
    sending more than STUCK_AFTER ago (a worker that died mid-delivery)."""
    now = now or timezone.now()
    pending = Message.objects.filter(
        channel=Message.Channel.EMAIL, status=Message.Status.PENDING
    ).aggregate(n=Count("id"), oldest=Min("created_at"))
    counts = {
        row["status"]: row["n"]
        for row in Message.objects.filter(status__in=[Message.Status.FAILED, Message.Status.DEAD])
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    }
    sending = getattr(Message.Status, "SENDING", None)
    stuck_sending = None
    if sending is not None:
        since = "claimed_at" if _has_field(Message, "claimed_at") else "created_at"
        stuck_sending = Message.objects.filter(
            status=sending, **{f"{since}__lt": now - STUCK_AFTER}
        ).count()
    return OutboxStatus(
        pending_emails=pending["n"],
        oldest_pending_at=pending["oldest"],
        failed=counts.get(Message.Status.FAILED, 0),
        dead=counts.get(Message.Status.DEAD, 0),
        stuck_sending=stuck_sending,
        last_failure=last_delivery_failure(),
        uncertain_recent=Message.objects.filter(
            status=Message.Status.SENT,
            delivery_uncertain=True,
            sent_at__gte=now - datetime.timedelta(days=UNCERTAIN_DAYS),
        ).count(),
    )


def last_delivery_failure() -> DeliveryFailure | None:
    """The latest finished delivery attempt (the newest by id, an index scan) when it failed,
    with its error; None when it succeeded or there is none."""
    latest = (
        DeliveryAttempt.objects.exclude(outcome=DeliveryAttempt.Outcome.IN_PROGRESS)
        .order_by("-pk")
        .only("outcome", "finished_at", "started_at", "error")
        .first()
    )
    if latest is None or latest.outcome != DeliveryAttempt.Outcome.FAILED:
        return None
    return DeliveryFailure(at=latest.finished_at or latest.started_at, error=latest.error)


def stuck_jobs_for_user(user, *, now: datetime.datetime | None = None) -> list[Job]:
    """Jobs on the user's tracks waiting or running with no sign of life for STUCK_AFTER:
    waiting since last queued (when jobs record it) or created, running since the last
    heartbeat (when jobs record one) or the start."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    waiting_since = Q(created_at__lt=cutoff)
    if _has_field(Job, "queued_at"):
        waiting_since = Q(queued_at__lt=cutoff) | (Q(queued_at__isnull=True) & waiting_since)
    running_since = Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    if _has_field(Job, "heartbeat_at"):
        running_since = Q(heartbeat_at__lt=cutoff) | (Q(heartbeat_at__isnull=True) & running_since)
    return list(
        Job.objects.filter(track__in=staff_tracks(user))
        .filter(
            (Q(status=Job.Status.PENDING) & waiting_since)
            | (Q(status=Job.Status.RUNNING) & running_since)
        )
        .select_related("track", "track__call")
        .order_by("created_at")[:50]
    )


def worker_status(*, now: datetime.datetime | None = None) -> WorkerStatus:
    """The worker's last heartbeat and its age."""
    heartbeat = Heartbeat.objects.filter(name=health.WORKER_HEARTBEAT).first()
    if heartbeat is None:
        return WorkerStatus(seen_at=None, age_seconds=None)
    age = max(0, int(((now or timezone.now()) - heartbeat.seen_at).total_seconds()))
    return WorkerStatus(seen_at=heartbeat.seen_at, age_seconds=age, detail=heartbeat.detail)


def system_status_for_user(user) -> SystemStatus:
    """Everything the system-status page shows; the jobs are narrowed to the user's tracks."""
    now = timezone.now()
    return SystemStatus(
        outbox=outbox_status(now=now),
        stuck_jobs=stuck_jobs_for_user(user, now=now),
        worker=worker_status(now=now),
        checks=health.run_checks(),
    )
