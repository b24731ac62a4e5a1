"""A periodic job run every minute must not pile up while the worker is down: each of its runs
expires unrun before the next is due, so a worker coming back does not do the same work once
per missed minute (before, the call-status sync and the outbox resend had no expiry)."""

import datetime

from django.conf import settings


def _seconds(schedule) -> float | None:
    if isinstance(schedule, int | float):
        return float(schedule)
    if isinstance(schedule, datetime.timedelta):
        return schedule.total_seconds()
    return None  # a crontab: each entry says its own expiry where it needs one


def test_every_interval_job_expires_before_its_next_run():
    checked = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        interval = _seconds(entry["schedule"])
        if interval is None:
            continue
        expires = entry.get("options", {}).get("expires")
        assert expires is not None and 0 < expires < interval, name
        checked.append(name)
    assert {"sync-call-statuses", "resend-pending-messages", "heartbeat"} <= set(checked)
