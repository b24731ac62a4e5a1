from celery import shared_task

from projects import services


@shared_task(name="projects.sync_call_statuses", soft_time_limit=60, time_limit=90)
def task_sync_call_statuses() -> int:
    """Periodic: open and close calls by their dates; idempotent."""
    return len(services.sync_call_statuses())
