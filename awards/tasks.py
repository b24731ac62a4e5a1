from celery import shared_task


@shared_task(name="projects.remind_deliverables", soft_time_limit=120, time_limit=180)
def task_remind_deliverables() -> int:
    """Periodic: remind contractors of deliverables due soon or overdue; idempotent per day
    (dedupe keys), so a re-run sends nothing twice."""
    from awards.contractor_selection import remind_deliverables

    return remind_deliverables()
