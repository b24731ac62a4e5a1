"""Time helpers for the tests of periodic jobs: Seoul midnights, and the moments beat would
publish a crontab entry of the real schedule (so a test replays beat's ticks, a lost one
included, instead of assuming them)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

SEOUL = ZoneInfo("Asia/Seoul")
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def day(n: int) -> datetime.datetime:
    """Midnight in Seoul, ``n`` days after today (Seoul)."""
    today = timezone.now().astimezone(SEOUL).date()
    return datetime.datetime.combine(today + datetime.timedelta(days=n), datetime.time(), SEOUL)


def beat_ticks(entry: str, start: datetime.datetime, end: datetime.datetime):
    """The times in [start, end) at which beat publishes the crontab entry ``entry``."""
    schedule = settings.CELERY_BEAT_SCHEDULE[entry]["schedule"]
    zone = ZoneInfo(settings.CELERY_TIMEZONE)
    t = start.astimezone(zone).replace(second=0, microsecond=0)
    if t < start:
        t += datetime.timedelta(minutes=1)
    while t < end:
        if t.minute in schedule.minute and t.hour in schedule.hour:
            yield t
        t += datetime.timedelta(minutes=1)
