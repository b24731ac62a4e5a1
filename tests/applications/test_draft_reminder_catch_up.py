"""Draft reminders survive a lost beat tick: the job runs hourly, so the "1 day before" window
holds many runs and the one after a lost tick still sends the reminder, once; a reminder sent
late says how many days are really left."""

import datetime
import math

import pytest
from django.conf import settings
from django.utils import timezone

from applications import services
from notifications.models import Message
from tests.beat_time import DAY, HOUR, beat_ticks, day

pytestmark = pytest.mark.django_db


def _emails():
    return Message.objects.filter(template="applications/draft_reminder", channel="email")


@pytest.fixture
def closes_at(complete_draft):
    """The call closes in 3 days (Seoul), at 18:00."""
    closes_at = day(3) + 18 * HOUR
    call = complete_draft.call
    call.closes_at = closes_at
    call.save()
    return closes_at


def test_draft_reminders_run_every_hour_and_a_backlog_expires():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-draft-applicants"]
    assert entry["task"] == "applications.remind_draft_applicants"
    assert entry["schedule"].hour == set(range(24))
    assert len(entry["schedule"].minute) == 1
    assert entry["options"]["expires"] < 3600


def test_a_lost_tick_in_the_one_day_window_is_caught_up_by_the_next_run(closes_at):
    """Beat could not publish the first run of the last day (broker down): the next run still
    sends the "1 day" reminder, once."""
    ticks = list(beat_ticks("remind-draft-applicants", timezone.now(), closes_at))
    lost = next(t for t in ticks if t >= closes_at - DAY)
    sent_at = []
    for tick in ticks:
        if tick == lost:
            continue
        if services.remind_draft_applicants(now=tick):
            sent_at.append(tick)
        assert services.remind_draft_applicants(now=tick) == 0  # twice in an hour: nothing
    assert sent_at[0] == ticks[0]
    assert sent_at[1] == ticks[ticks.index(lost) + 1]
    assert len(sent_at) == 2
    assert [m.context["days"] for m in _emails().order_by("pk")] == [
        math.ceil((closes_at - ticks[0]) / DAY),
        1,
    ]


def test_hourly_runs_send_each_reminder_once(closes_at):
    t = timezone.now().replace(minute=0, second=0, microsecond=0) + HOUR
    written = []
    while t < closes_at + DAY:
        written.append(services.remind_draft_applicants(now=t))
        t += HOUR
    assert sum(written) == 4  # e-mail and notice, twice
    first = timezone.now().replace(minute=0, second=0, microsecond=0) + HOUR
    assert [m.context["days"] for m in _emails().order_by("pk")] == [
        math.ceil((closes_at - first) / DAY),
        1,
    ]


def test_a_reminder_caught_up_late_says_the_days_really_left(complete_draft):
    call = complete_draft.call
    call.closes_at = timezone.now() + 2 * DAY + 5 * HOUR
    call.save()
    assert services.remind_draft_applicants() == 2
    assert _emails().get().context["days"] == 3
    assert services.remind_draft_applicants() == 0
    assert services.remind_draft_applicants(now=call.closes_at - 7 * HOUR) == 2
    assert _emails().get(dedupe_key__contains=":1d:").context["days"] == 1


def test_the_seven_day_reminder_on_time_still_says_seven(complete_draft):
    call = complete_draft.call
    call.closes_at = timezone.now() + 7 * DAY + 30 * datetime.timedelta(minutes=1)
    call.save()
    assert services.remind_draft_applicants() == 0
    assert services.remind_draft_applicants(now=timezone.now() + HOUR) == 2
    assert _emails().get().context["days"] == 7
