"""Reminders to reviewers before and after their due date."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from core.domain import DomainError
from notifications.services import queue_message
from reviews.models import (
    Assignment,
)
from reviews.selectors import review_open_q

# The periodic reminders: this many days (Asia/Seoul) before the due date, then every day
# once overdue.
REMIND_DAYS_BEFORE = (3, 1)


def _under_review(assignment: Assignment) -> bool:
    """Whether the assignment's application is still reviewed (``selectors.review_open_q``):
    nobody is reminded of one withdrawn, or screened ineligible again, since they were
    assigned, nor of one whose funding decision is confirmed (the review can no longer be
    submitted)."""
    return Assignment.objects.filter(review_open_q(), pk=assignment.pk).exists()


def _locked(assignment: Assignment) -> Assignment:
    """The assignment re-read under a row lock, so two runs decide one after the other."""
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("reviewer", "application__track")
        .get(pk=assignment.pk)
    )


def _write_reminder(assignment: Assignment, *, actor, now) -> bool:
    """The reminder's outbox rows, ``last_reminded_at`` and the audit row; call inside the
    caller's transaction, so the three are written together or not at all. At most one per
    assignment per day (Seoul): False when one went today already."""
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
    if not created:
        return False
    Assignment.objects.filter(pk=assignment.pk).update(last_reminded_at=now)
    assignment.last_reminded_at = now
    record_audit_event(
        subject=assignment, action="reminded", actor=actor, detail={"day": day.isoformat()}
    )
    return True


@transaction.atomic
def send_review_reminder(*, assignment: Assignment, actor=None, now=None) -> bool:
    """Remind one reviewer of one open review of an application still under review
    (``selectors.review_open_q``); at most once per assignment per day (Seoul).

    Returns whether a new reminder was written (False when one went today already).
    """
    now = now or timezone.now()
    assignment = _locked(assignment)
    if not assignment.is_open:
        raise DomainError(_("This review is not open; there is nothing to remind."))
    if not _under_review(assignment):
        raise DomainError(
            _("This application is no longer under review; there is nothing to remind.")
        )
    return _write_reminder(assignment, actor=actor, now=now)


def reminder_due_since(assignment: Assignment, now) -> datetime.datetime | None:
    """The moment the latest periodic reminder of ``assignment`` fell due, at or before
    ``now``; None when none has yet.

    The moments: midnight (Asia/Seoul) 3 days and 1 day before the due date; once overdue, the
    due time itself and every midnight after it. A moment before the day the review was
    assigned does not count (nobody is reminded of a mark passed before they had the review).
    A reminder is owed when none went since that moment (``last_reminded_at``).
    """
    due = assignment.effective_due
    if due is None:
        return None
    zone = ZoneInfo(settings.PROGRAMME_TIME_ZONE)

    def midnight(date):
        return datetime.datetime.combine(date, datetime.time(), zone)

    due_day = due.astimezone(zone).date()
    moments = [midnight(due_day - datetime.timedelta(days=n)) for n in REMIND_DAYS_BEFORE]
    if due < now:
        moments.append(max(due, midnight(now.astimezone(zone).date())))
    floor = midnight(assignment.assigned_at.astimezone(zone).date())
    return max((m for m in moments if floor <= m <= now), default=None)


def _owes_reminder(assignment: Assignment, now) -> bool:
    since = reminder_due_since(assignment, now)
    return since is not None and (
        assignment.last_reminded_at is None or assignment.last_reminded_at < since
    )


def remind_reviewers(*, now=None) -> int:
    """Periodic reminders: 3 days and 1 day before the due date, and every day once overdue,
    of the open reviews of applications still under review (``selectors.review_open_q``).

    Days are counted in Asia/Seoul. Each reminder is sent by the first run at or after the
    moment it falls due (``reminder_due_since``) and by no later one, so the job runs hourly: a
    run that beat could not publish is caught up by the next, and a second run sends nothing.
    Each reminder is one transaction (outbox rows, ``last_reminded_at``, audit row). Returns
    how many reminders were written.
    """
    now = now or timezone.now()
    # A reminder falls due at the earliest at midnight 3 days before the due date (Seoul).
    horizon = now + datetime.timedelta(days=max(REMIND_DAYS_BEFORE) + 1)
    sent = 0
    candidates = (
        Assignment.objects.filter(review_open_q(), status__in=Assignment.OPEN_STATUSES)
        .filter(
            Q(due_at__lte=horizon)
            | Q(due_at__isnull=True, application__track__review_deadline__lte=horizon)
        )
        .select_related("reviewer", "application__track")
    )
    for candidate in candidates:
        if not _owes_reminder(candidate, now):
            continue
        with transaction.atomic():
            assignment = _locked(candidate)
            if (
                assignment.is_open
                and _under_review(assignment)
                and _owes_reminder(assignment, now)
                and _write_reminder(assignment, actor=None, now=now)
            ):
                sent += 1
    return sent
