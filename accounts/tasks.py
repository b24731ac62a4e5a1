from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from accounts import privacy


# A day's worth of due rows is small (an application round a year); a first run over years of
# history may take longer than one task may. Each batch commits on its own, so a run stopped by
# its soft limit queues the rest as a new task, which resumes where it stopped. The hard limit
# stays under the broker's visibility timeout (900 s, kcity/settings/base.py): a task still
# running is never handed to a second worker, which would anonymise the same rows twice.
@shared_task(name="accounts.apply_retention", bind=True, soft_time_limit=600, time_limit=660)
def task_apply_retention(self) -> dict[str, int] | None:
    """Periodic: anonymise the personal data past its retention (``privacy.apply_retention``);
    idempotent and resumable. Returns the count per kind (None when the rest was re-queued)."""
    try:
        return privacy.apply_retention()
    except SoftTimeLimitExceeded:
        self.apply_async(countdown=5)
        return None
