from celery import shared_task


@shared_task(name="projects.remind_deliverables", soft_time_limit=120, time_limit=180)
def task_remind_deliverables() -> int:
    """Periodic (daily): remind contractors of the deliverables they still owe on active
    projects, once per due date before it and once a week after it
    (``awards.contractor_selection.remind_deliverables``); idempotent through dedupe keys, so a
    re-run sends nothing twice."""
    from awards.contractor_selection import remind_deliverables

    return remind_deliverables()
