"""Reminders to reviewers before and after their due date."""

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
