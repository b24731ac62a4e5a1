"""Reviewer reminders survive a lost beat tick: the job runs hourly, each reminder ("3 days
before", "1 day before", once a day when overdue) is sent by the first run at or after the
moment it is due, and never twice; the message, ``last_reminded_at`` and the audit row are
written together or not at all."""

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import AuditEvent
from notifications.models import Message
from reviews import services
from reviews.models import Assignment
from reviews.services import reminders
from tests.beat_time import DAY, HOUR, SEOUL, beat_ticks, day
from tests.reviews.review_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _reminders(assignment):
    return Message.objects.filter(
        template="reviews/reminder", channel="email", recipient=assignment.reviewer
    ).order_by("pk")


def _audits(assignment):
    return AuditEvent.objects.filter(object_id=str(assignment.pk), action="reminded")


@pytest.fixture
def due(assignment):
    """The review is due in 5 days (Seoul), at 18:00."""
    due = day(5) + 18 * HOUR
    Assignment.objects.filter(pk=assignment.pk).update(due_at=due)
    return due


def test_reminders_run_every_hour_and_a_backlog_expires():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-reviewers"]
    assert entry["task"] == "reviews.remind_reviewers"
    assert entry["schedule"].hour == set(range(24))
    assert len(entry["schedule"].minute) == 1
    assert entry["options"]["expires"] < 3600


def test_a_lost_tick_on_the_one_day_mark_is_caught_up_by_the_next_run(assignment, due):
    """Beat could not publish the first run on the day before the due date (broker down):
    the next run still sends the "1 day before" reminder, once."""
    ticks = list(beat_ticks("remind-reviewers", day(1), due + 2 * DAY))
    lost = next(t for t in ticks if t >= day(4))
    sent_at = {}
    for tick in ticks:
        if tick != lost:
            sent_at[tick] = services.remind_reviewers(now=tick)
            assert services.remind_reviewers(now=tick) == 0  # twice in the same hour: nothing
    before = [t for t, n in sent_at.items() if n and t < due]
    assert len(before) == 2
    assert day(2) <= before[0] < day(3)  # 3 days before
    assert day(4) < before[1] < day(5)  # 1 day before, the run after the lost one
    assert [m.context["overdue"] for m in _reminders(assignment)][:2] == [False, False]


def test_a_whole_day_without_runs_is_caught_up_the_next_day(assignment, due):
    assert services.remind_reviewers(now=day(2) + 9 * HOUR) == 1  # 3 days before
    # nothing ran on day 4 (beat recreated, broker down all day)
    assert services.remind_reviewers(now=day(5) + 9 * HOUR) == 1  # the 1-day reminder, late
    assert services.remind_reviewers(now=day(5) + 10 * HOUR) == 0
    assert services.remind_reviewers(now=day(5) + 17 * HOUR) == 0
    late = _reminders(assignment).last()
    assert late.context["overdue"] is False
    assert late.context["due_at"] == timezone.localtime(due, SEOUL).strftime("%Y-%m-%d %H:%M")
    assert _reminders(assignment).count() == 2


def test_a_missed_three_day_mark_is_sent_late_then_the_one_day_one(assignment, due):
    assert services.remind_reviewers(now=day(3) + 9 * HOUR) == 1  # 2 days left: the 3-day one
    assert services.remind_reviewers(now=day(3) + 10 * HOUR) == 0
    assert services.remind_reviewers(now=day(3) + 23 * HOUR) == 0
    assert services.remind_reviewers(now=day(4)) == 1  # 1 day before
    assert services.remind_reviewers(now=day(4) + HOUR) == 0
    assert _reminders(assignment).count() == 2


def test_both_marks_missed_send_one_reminder_not_two(assignment, due):
    assert services.remind_reviewers(now=day(4) + 15 * HOUR) == 1
    assert services.remind_reviewers(now=day(4) + 16 * HOUR) == 0
    assert services.remind_reviewers(now=day(5) + 9 * HOUR) == 0
    assert _reminders(assignment).count() == 1


def test_hourly_runs_send_each_reminder_once_then_one_a_day_when_overdue(assignment, due):
    t = timezone.now().replace(minute=0, second=0, microsecond=0) + HOUR
    counts = []
    while t < day(7):
        counts.append((t, services.remind_reviewers(now=t)))
        t += HOUR
    sent = [t for t, n in counts if n]
    assert [n for _t, n in counts if n] == [1, 1, 1, 1]
    assert sent == [day(2), day(4), due + HOUR, day(6)]
    assert _reminders(assignment).count() == 4
    assert _audits(assignment).count() == 4
    assignment.refresh_from_db()
    assert assignment.last_reminded_at == day(6)


def test_a_review_assigned_after_the_three_day_mark_gets_only_the_one_day_reminder(assignment, due):
    Assignment.objects.filter(pk=assignment.pk).update(assigned_at=day(3) + 10 * HOUR)
    t = day(3) + 11 * HOUR
    sent = []
    while t < due:
        if services.remind_reviewers(now=t):
            sent.append(t)
        t += HOUR
    assert sent == [day(4)]


def test_a_later_due_date_is_reminded_again(assignment, due):
    assert services.remind_reviewers(now=day(4) + HOUR) == 1  # 1 day before
    later = day(10) + 18 * HOUR
    Assignment.objects.filter(pk=assignment.pk).update(due_at=later)
    assert services.remind_reviewers(now=day(5) + HOUR) == 0
    assert services.remind_reviewers(now=day(7) + HOUR) == 1  # 3 days before the new date
    assert services.remind_reviewers(now=day(7) + 2 * HOUR) == 0
    assert services.remind_reviewers(now=day(9) + HOUR) == 1  # 1 day before the new date
    assert _reminders(assignment).count() == 3


def test_a_reminder_by_staff_after_the_mark_counts_for_it(assignment, due, kind_staff):
    assert services.send_review_reminder(assignment=assignment, actor=kind_staff, now=day(1))
    assert services.remind_reviewers(now=day(2)) == 1  # the staff one came before the mark
    assert services.send_review_reminder(
        assignment=assignment, actor=kind_staff, now=day(3) + 20 * HOUR
    )
    assert services.remind_reviewers(now=day(4) - HOUR) == 0
    assert services.remind_reviewers(now=day(4)) == 1
    assert services.remind_reviewers(now=day(4) + HOUR) == 0
    assert _reminders(assignment).count() == 4
    assert _audits(assignment).count() == 4


def test_reminder_audit_row_and_last_reminded_at_are_written_together(
    assignment, due, monkeypatch, django_capture_on_commit_callbacks
):
    def crash(**kwargs):
        raise RuntimeError("killed before the audit row")

    monkeypatch.setattr(reminders, "record_audit_event", crash)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks() as callbacks:
        services.remind_reviewers(now=day(2) + HOUR)
    assert callbacks == []  # nothing queued for delivery
    assert not Message.objects.filter(template="reviews/reminder").exists()
    assignment.refresh_from_db()
    assert assignment.last_reminded_at is None
    assert not _audits(assignment).exists()

    monkeypatch.undo()
    # the next run sends it, with its audit row and last_reminded_at
    assert services.remind_reviewers(now=day(2) + 2 * HOUR) == 1
    assignment.refresh_from_db()
    assert assignment.last_reminded_at == day(2) + 2 * HOUR
    [audit] = _audits(assignment)
    assert audit.detail["day"] == (day(2) + 2 * HOUR).date().isoformat()
    assert Message.objects.filter(template="reviews/reminder").count() == 2  # e-mail + notice
