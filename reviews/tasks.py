"""Celery tasks of the review engine: automatic assignment, reviewer reminders, and the sweep
that keeps background jobs from staying stuck."""

from celery import shared_task

from reviews.services.jobs import JOB_SOFT_TIME_LIMIT, JOB_TIME_LIMIT


@shared_task(
    bind=True,
    name="reviews.assign_reviewers",
    soft_time_limit=JOB_SOFT_TIME_LIMIT,
    time_limit=JOB_TIME_LIMIT,
)
def task_assign_reviewers(self, *, job_id: int) -> int:
    """Run one automatic-assignment job (``services.run_assignment_job``); progress and any
    shortfall are written to the ``Job`` row. Idempotent: a finished job is not run again, a
    redelivery after a lost worker restarts it (``jobs.begin_job`` tells them apart by the
    task id)."""
    from reviews.services import run_assignment_job

    return run_assignment_job(job_id=job_id, task_id=self.request.id or "").done


@shared_task(name="reviews.remind_reviewers", soft_time_limit=300, time_limit=360)
def task_remind_reviewers() -> int:
    """Periodic (hourly): remind reviewers 3 and 1 days before their due date and daily when
    overdue. Each reminder goes with the first run at or after its moment and never again, so
    a run beat could not publish is caught up by the next (``remind_reviewers``). Returns how
    many reminders were written."""
    from reviews.services import remind_reviewers

    return remind_reviewers()


@shared_task(name="reviews.sweep_stuck_jobs", soft_time_limit=50, time_limit=55)
def task_sweep_stuck_jobs() -> dict:
    """Periodic (every minute): re-queue or fail background jobs that nobody started in time
    or whose worker stopped sending heartbeats (``jobs.sweep_stuck_jobs``)."""
    from reviews.services.jobs import sweep_stuck_jobs

    return sweep_stuck_jobs()
