from celery import shared_task

from . import services


@shared_task(name="projects.sync_call_statuses", soft_time_limit=60, time_limit=90)
def task_sync_call_statuses() -> int:
    """Periodic: open and close calls by their dates; idempotent."""
    return len(services.sync_call_statuses())


@shared_task(name="projects.remind_deliverables", soft_time_limit=120, time_limit=180)
def task_remind_deliverables() -> int:
    """Periodic: remind contractors of deliverables due soon or overdue; idempotent per day
    (dedupe keys), so a re-run sends nothing twice."""
    from .contractor_selection import remind_deliverables

    return remind_deliverables()
