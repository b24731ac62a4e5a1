"""Celery tasks of the applications app."""

from celery import shared_task

from applications import services


@shared_task(name="applications.remind_draft_applicants", soft_time_limit=300, time_limit=360)
def task_remind_draft_applicants() -> int:
    """Hourly: remind applicants of unsubmitted drafts 7 days and 1 day before a call closes.

    Idempotent: every reminder carries a dedupe key, so a re-run sends nothing twice; a run
    beat could not publish is caught up by the next (the first run in a reminder's window).
    """
    return services.remind_draft_applicants()
