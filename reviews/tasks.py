"""Celery tasks of the review engine: automatic assignment and reviewer reminders."""

from celery import shared_task


@shared_task(name="reviews.assign_reviewers", soft_time_limit=600, time_limit=660)
def task_assign_reviewers(*, job_id: int) -> int:
    """Run one automatic-assignment job (``services.run_assignment_job``); progress and any
    shortfall are written to the ``Job`` row. Idempotent: a finished job is not run again."""
    from reviews.services import run_assignment_job

    return run_assignment_job(job_id=job_id).done


@shared_task(name="reviews.remind_reviewers", soft_time_limit=300, time_limit=360)
def task_remind_reviewers() -> int:
    """Periodic (daily): remind reviewers 3 and 1 days before their due date and daily when
    overdue; deduplicated per assignment per day. Returns how many reminders were written."""
    from reviews.services import remind_reviewers

    return remind_reviewers()
