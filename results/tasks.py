"""Celery tasks for aggregation, selection and awards."""

from celery import shared_task

from reviews.models import Job
from reviews.services.jobs import JOB_SOFT_TIME_LIMIT, JOB_TIME_LIMIT, start_job


@shared_task(
    bind=True,
    name="reviews.aggregate_scores",
    soft_time_limit=JOB_SOFT_TIME_LIMIT,
    time_limit=JOB_TIME_LIMIT,
)
def task_aggregate_scores(self, *, track_id: int, job_id: int | None = None) -> dict:
    """Aggregate one track's scores (``results.aggregation.aggregate_track``), reporting
    progress in the ``Job`` row. Idempotent: a finished job is not run twice, a redelivery
    after a lost worker restarts it, and the aggregation writes the same values again. Without
    ``job_id`` the track's active aggregation job is used, or one is created."""
    from projects.models import Track
    from results.aggregation import run_aggregation_job

    if job_id is None:
        job, _created = start_job(
            track=Track.objects.get(pk=track_id), kind=Job.Kind.AGGREGATE, actor=None, queue=False
        )
    else:
        job = Job.objects.get(pk=job_id, track_id=track_id)
    return run_aggregation_job(job=job, task_id=self.request.id or "").result
