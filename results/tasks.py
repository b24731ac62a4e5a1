"""Celery tasks for aggregation, selection and awards."""

from celery import shared_task

from reviews.models import Job


@shared_task(name="reviews.aggregate_scores", soft_time_limit=600, time_limit=660)
def task_aggregate_scores(*, track_id: int, job_id: int | None = None) -> dict:
    """Aggregate one track's scores (``results.aggregation.aggregate_track``), reporting
    progress in the ``Job`` row. Idempotent: a finished job is not run twice, and running the
    aggregation again writes the same values. Without ``job_id`` a job row is created."""
    from results.aggregation import run_aggregation_job

    if job_id is None:
        job = Job.objects.create(track_id=track_id, kind=Job.Kind.AGGREGATE)
    else:
        job = Job.objects.get(pk=job_id, track_id=track_id)
    return run_aggregation_job(job=job).result
