from celery import shared_task

from accounts import privacy


# A day's worth of due rows is small (an application round a year); the time limit leaves
# room for a first run over years of history. Each batch commits on its own, so a run stopped
# by the limit resumes where it was at the next run.
@shared_task(name="accounts.apply_retention", soft_time_limit=1800, time_limit=1900)
def task_apply_retention() -> dict[str, int]:
    """Periodic: anonymise the personal data past its retention (``privacy.apply_retention``);
    idempotent and resumable. Returns the count per kind."""
    return privacy.apply_retention()
