"""Background jobs that cannot stick (issue 12): one active job per track and kind, a queue
that refuses the task, heartbeats and the stuck-job sweep, redelivery, and assignment
notifications written with their assignments."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import AuditEvent
from notifications.models import Message
from reviews import services
from reviews.models import Assignment, Job
from reviews.services import assignment as assignment_services
from reviews.services import jobs
from tests.factories import SubmittedApplicationFactory
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import committee_reviewer


def _ago(seconds: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def _broker_down(**kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def small_track(role_groups, planning_track):
    """Four eligible applications, four committee members, two reviewers each: 8 pairs."""
    planning_track.min_reviewers = 2
    planning_track.max_reviewer_load = 4
    planning_track.save()
    apps = [SubmittedApplicationFactory(track=planning_track, status="eligible") for _ in range(4)]
    reviewers = [committee_reviewer(planning_track, f"job{i}@expert.example.net") for i in range(4)]
    return planning_track, apps, reviewers


# --- one active job per track and kind ------------------------------------------------------


def test_database_refuses_a_second_active_job_of_the_same_kind(planning_track):
    Job.objects.create(track=planning_track, kind=Job.Kind.ASSIGN, status=Job.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(track=planning_track, kind=Job.Kind.ASSIGN)
    # Another kind, and finished jobs of the same kind, are not affected.
    Job.objects.create(track=planning_track, kind=Job.Kind.AGGREGATE)
    Job.objects.create(track=planning_track, kind=Job.Kind.ASSIGN, status=Job.Status.FAILED)
    Job.objects.create(track=planning_track, kind=Job.Kind.ASSIGN, status=Job.Status.SUCCEEDED)
    assert Job.objects.filter(track=planning_track).count() == 4


def test_start_returns_the_active_job_instead_of_a_second(small_track, kind_staff):
    track, _apps, _reviewers = small_track
    first = services.create_assignment_job(track=track, actor=kind_staff)
    again = services.create_assignment_job(track=track, actor=kind_staff)
    assert again.pk == first.pk
    assert Job.objects.filter(track=track, kind=Job.Kind.ASSIGN).count() == 1
    assert AuditEvent.objects.filter(action="assignment_job").count() == 1


def test_start_that_loses_the_race_returns_the_winners_job(small_track, kind_staff, monkeypatch):
    """Two staff start together: both read "no active job", one insert wins, the other hits
    the constraint and returns the winner's job."""
    track, _apps, _reviewers = small_track
    winner = Job.objects.create(track=track, kind=Job.Kind.ASSIGN, created_by=kind_staff)
    real_active_job = jobs.active_job
    reads = []

    def stale_first_read(track_, kind):
        reads.append(kind)
        return None if len(reads) == 1 else real_active_job(track_, kind)

    monkeypatch.setattr(jobs, "active_job", stale_first_read)
    job, created = jobs.start_job(track=track, kind=Job.Kind.ASSIGN, actor=kind_staff)
    assert (job.pk, created) == (winner.pk, False)
    assert len(reads) == 2
    assert Job.objects.filter(track=track).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_on_postgresql_get_one_job(
    role_groups, planning_track, kind_staff, monkeypatch
):
    """Real concurrency: two threads, two connections, both past the read before either
    inserts. Only PostgreSQL runs them at once (SQLite serialises the writers)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for two concurrent transactions")
    barrier = threading.Barrier(2)
    first_read = threading.local()
    real_active_job = jobs.active_job
    results, errors = [], []

    def reading_then_waiting(track_, kind):
        found = real_active_job(track_, kind)
        if not getattr(first_read, "done", False):
            first_read.done = True
            barrier.wait(timeout=10)  # both have read "nothing" before either inserts
        return found

    def start():
        try:
            results.append(
                jobs.start_job(
                    track=planning_track, kind=Job.Kind.ASSIGN, actor=kind_staff, queue=False
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    monkeypatch.setattr(jobs, "active_job", reading_then_waiting)
    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert Job.objects.filter(track=planning_track).count() == 1
    only = Job.objects.get(track=planning_track)
    assert [job.pk for job, _created in results] == [only.pk, only.pk]
    assert sorted(created for _job, created in results) == [False, True]


# --- a queue that refuses the task ------------------------------------------------------------


def test_broker_down_fails_the_job_with_a_message_and_a_restart_works(
    small_track, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    from reviews import tasks

    track, _apps, _reviewers = small_track
    with monkeypatch.context() as patch:
        patch.setattr(tasks.task_assign_reviewers, "delay", _broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            job = services.create_assignment_job(track=track, actor=kind_staff)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message.startswith("Could not reach the task queue")
    assert job.message.endswith("start it again.")
    assert job.result["reason"] == jobs.REASON_QUEUE_UNREACHABLE
    assert job.finished_at is not None
    # The broker is back: the next start is a new job, and it runs.
    with django_capture_on_commit_callbacks(execute=True):
        second = services.create_assignment_job(track=track, actor=kind_staff)
    second.refresh_from_db()
    assert second.pk != job.pk
    assert second.status == Job.Status.SUCCEEDED, second.message
    assert Assignment.objects.filter(application__track=track).count() == 8


def test_broker_down_answers_the_staff_page_normally_with_the_start_button(
    client, small_track, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    from reviews import tasks

    track, _apps, _reviewers = small_track
    monkeypatch.setattr(tasks.task_assign_reviewers, "delay", _broker_down)
    client.force_login(kind_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff_reviews:auto", args=[track.pk]))
    job = Job.objects.get(track=track)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff_reviews:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Could not reach the task queue; start it again." in page
    assert reverse("staff_reviews:auto", args=[track.pk]) in page  # the button is back
    assert "hx-trigger" not in page  # nothing polls a dead job


# --- claiming, redelivery and heartbeats -----------------------------------------------------


def test_redelivery_of_a_finished_job_does_nothing(small_track, kind_staff):
    track, _apps, _reviewers = small_track
    for status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        job = Job.objects.create(track=track, kind="assign", status=status, message="kept")
        assert jobs.begin_job(job_id=job.pk, task_id="t-1") is None
        after = services.run_assignment_job(job_id=job.pk, task_id="t-1")
        assert (after.status, after.message, after.attempts) == (status, "kept", 0)
    assert not Assignment.objects.exists()


def test_message_of_an_earlier_attempt_is_ignored_while_a_newer_one_runs(small_track):
    track, _apps, _reviewers = small_track
    job = Job.objects.create(
        track=track, kind="assign", status="running", attempts=2, task_id="newer"
    )
    assert services.run_assignment_job(job_id=job.pk, task_id="older").status == "running"
    job.refresh_from_db()
    assert (job.attempts, job.task_id) == (2, "newer")
    assert not Assignment.objects.exists()


def test_redelivery_after_the_worker_died_restarts_then_gives_up(small_track):
    track, _apps, _reviewers = small_track
    job = Job.objects.create(track=track, kind="assign")
    first = jobs.begin_job(job_id=job.pk, task_id="t-1")
    assert (first.status, first.attempts, first.task_id) == ("running", 1, "t-1")
    assert first.heartbeat_at is not None
    # The pool process was killed: Celery puts the same message back (reject_on_worker_lost).
    second = jobs.begin_job(job_id=job.pk, task_id="t-1")
    assert (second.status, second.attempts) == ("running", 2)
    # Killed again: not a third start, a failure staff can read.
    assert jobs.begin_job(job_id=job.pk, task_id="t-1") is None
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.result["reason"] == jobs.REASON_WORKER_LOST
    assert "stopped 2 times" in job.message
    assert jobs.active_job(track, "assign") is None


def test_a_stale_attempt_cannot_finish_or_move_a_newer_one(small_track):
    track, _apps, _reviewers = small_track
    job = Job.objects.create(track=track, kind="assign")
    old = jobs.begin_job(job_id=job.pk, task_id="t-1")
    old_progress = jobs.JobProgress(old)
    new = jobs.begin_job(job_id=job.pk, task_id="t-1")
    assert not old_progress(3, 8)
    assert jobs.finish_job(job=old, status="succeeded") is None
    assert jobs.JobProgress(new)(3, 8)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == ("running", 3, 8, 2)


def test_progress_writes_the_heartbeat_at_most_every_few_seconds(small_track, monkeypatch):
    track, _apps, _reviewers = small_track
    job = jobs.begin_job(job_id=Job.objects.create(track=track, kind="assign").pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(600))
    clock = [1000.0]
    monkeypatch.setattr(jobs.time, "monotonic", lambda: clock[0])
    progress = jobs.JobProgress(job)
    progress(1, 8)
    job.refresh_from_db()
    assert job.done == 1 and job.heartbeat_at < _ago(500)  # throttled: no heartbeat yet
    clock[0] += jobs.HEARTBEAT_SECONDS
    progress(2)
    job.refresh_from_db()
    assert job.done == 2 and job.heartbeat_at > _ago(5)


# --- the sweep --------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """Record what the sweep queues instead of running it (eager mode would run it inline)."""
    sent = []
    monkeypatch.setitem(jobs.JOB_QUEUERS, Job.Kind.ASSIGN, lambda job: sent.append(job.pk))
    return sent


def test_sweep_requeues_a_running_job_whose_heartbeat_stopped_then_fails_it(
    small_track, queued, settings, django_capture_on_commit_callbacks
):
    settings.KCITY_JOB_STALE_SECONDS = 60
    track, _apps, _reviewers = small_track
    job = jobs.begin_job(job_id=Job.objects.create(track=track, kind="assign").pk, task_id="a")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(30))
    assert jobs.sweep_stuck_jobs() == {"requeued": 0, "failed": 0}  # still alive
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(61))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_stuck_jobs() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.requeues, job.task_id, queued) == ("pending", 1, "", [job.pk])
    assert AuditEvent.objects.filter(action="requeued", object_id=str(job.pk)).exists()
    # The re-queued task starts (attempt 2), then its worker dies too.
    jobs.begin_job(job_id=job.pk, task_id="b")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(61))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_stuck_jobs() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == "failed" and job.result["reason"] == jobs.REASON_STALLED
    assert "stopped reporting progress" in job.message
    assert queued == [job.pk]  # not queued a second time


def test_sweep_requeues_a_job_never_started_once_then_fails_it(
    small_track, queued, settings, django_capture_on_commit_callbacks
):
    settings.KCITY_JOB_STALE_SECONDS = 60
    track, _apps, _reviewers = small_track
    job = Job.objects.create(track=track, kind="assign", queued_at=_ago(61))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_stuck_jobs() == {"requeued": 1, "failed": 0}
    assert queued == [job.pk]
    # Still waiting, but a full job could be ahead of it in the queue: left alone for now.
    Job.objects.filter(pk=job.pk).update(queued_at=_ago(61))
    assert jobs.sweep_stuck_jobs() == {"requeued": 0, "failed": 0}
    Job.objects.filter(pk=job.pk).update(queued_at=_ago(61 + jobs.JOB_TIME_LIMIT))
    assert jobs.sweep_stuck_jobs() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == "failed" and job.result["reason"] == jobs.REASON_NEVER_STARTED
    assert queued == [job.pk]


def test_sweep_fails_a_stuck_job_when_the_broker_refuses_the_requeue(
    small_track, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.KCITY_JOB_STALE_SECONDS = 60
    monkeypatch.setitem(jobs.JOB_QUEUERS, Job.Kind.ASSIGN, lambda job: _broker_down())
    track, _apps, _reviewers = small_track
    job = Job.objects.create(track=track, kind="assign", queued_at=_ago(61))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_stuck_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and job.result["reason"] == jobs.REASON_QUEUE_UNREACHABLE


def test_sweep_leaves_finished_and_fresh_jobs_alone(small_track, queued, settings):
    settings.KCITY_JOB_STALE_SECONDS = 60
    track, _apps, _reviewers = small_track
    Job.objects.create(track=track, kind="assign", status="succeeded", created_at=_ago(9999))
    Job.objects.create(track=track, kind="assign", status="failed", created_at=_ago(9999))
    Job.objects.create(track=track, kind="assign", queued_at=_ago(10))
    assert jobs.sweep_stuck_jobs() == {"requeued": 0, "failed": 0}
    assert queued == []


def test_sweep_task_is_scheduled_every_minute(settings):
    from kcity.celery import app
    from reviews import tasks  # noqa: F401

    assert "reviews.sweep_stuck_jobs" in app.tasks
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "reviews.sweep_stuck_jobs"
    ]
    assert [e["schedule"] for e in entries] == [60.0]
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


# --- assignment notifications written with their assignments --------------------------------


def _announced(assignment_ids) -> dict[int, int]:
    """assignment id → how many "you have been assigned" e-mails name it."""
    counts = dict.fromkeys(assignment_ids, 0)
    for context in Message.objects.filter(template="reviews/assigned", channel="email").values_list(
        "context", flat=True
    ):
        for pk in context["assignments"]:
            counts[pk] = counts.get(pk, 0) + 1
    return counts


def test_assignment_crash_midway_then_rerun_announces_every_assignment_once(
    small_track, kind_staff, monkeypatch
):
    track, _apps, _reviewers = small_track
    real_assign = assignment_services.assign_reviewer
    calls = []

    def crash_after_five(**kwargs):
        calls.append(kwargs["reviewer"].pk)
        if len(calls) > 5:
            raise RuntimeError("worker lost")
        return real_assign(**kwargs)

    monkeypatch.setattr(assignment_services, "assign_reviewer", crash_after_five)
    job = services.run_assignment_job(
        job_id=Job.objects.create(track=track, kind="assign", created_by=kind_staff).pk
    )
    assert job.status == "failed" and "worker lost" in job.message
    kept = list(Assignment.objects.values_list("pk", flat=True))
    # Whole batches only: what was committed is announced, the broken batch left nothing.
    assert 0 < len(kept) < 8
    assert set(_announced(kept).values()) == {1}
    monkeypatch.setattr(assignment_services, "assign_reviewer", real_assign)
    rerun = services.run_assignment_job(
        job_id=services.create_assignment_job(track=track, actor=kind_staff).pk
    )
    assert rerun.status == "succeeded", rerun.message
    every = list(Assignment.objects.values_list("pk", flat=True))
    assert len(every) == 8
    assert _announced(every) == dict.fromkeys(every, 1)
    assert Message.objects.filter(template="reviews/assigned", channel="in_app").count() == (
        Message.objects.filter(template="reviews/assigned", channel="email").count()
    )


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no ``except Exception`` in the job sees it."""


def test_assignment_killed_midway_restarts_on_redelivery_and_announces_once(
    small_track, kind_staff, monkeypatch
):
    track, _apps, _reviewers = small_track
    real_assign = assignment_services.assign_reviewer
    calls = []

    def killed_after_three(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise WorkerKilled
        return real_assign(**kwargs)

    monkeypatch.setattr(assignment_services, "assign_reviewer", killed_after_three)
    job = Job.objects.create(track=track, kind="assign", created_by=kind_staff)
    with pytest.raises(WorkerKilled):
        services.run_assignment_job(job_id=job.pk, task_id="t-1")
    job.refresh_from_db()
    assert job.status == "running"  # nobody marked it: the worker was gone
    # Celery redelivers the same message (task_reject_on_worker_lost): the job restarts and
    # adds only what is missing.
    done = services.run_assignment_job(job_id=job.pk, task_id="t-1")
    assert (done.status, done.attempts) == ("succeeded", 2)
    every = list(Assignment.objects.values_list("pk", flat=True))
    assert len(every) == 8
    assert _announced(every) == dict.fromkeys(every, 1)


def test_assignment_announcement_is_in_the_same_transaction(small_track, kind_staff):
    """An assignment rolled back takes its announcement with it, and a repeated call with the
    same key writes nothing."""
    track, apps, reviewers = small_track
    with pytest.raises(RuntimeError), transaction.atomic():
        assignment_services._assign_and_announce(
            reviewer=reviewers[0], applications=apps[:2], track=track, actor=kind_staff
        )
        raise RuntimeError("rolled back")
    assert not Assignment.objects.exists() and not Message.objects.exists()
    created = assignment_services._assign_and_announce(
        reviewer=reviewers[0], applications=apps[:2], track=track, actor=kind_staff
    )
    message = Message.objects.get(template="reviews/assigned", channel="email")
    assert message.context["count"] == 2
    assert message.context["assignments"] == [a.pk for a in created]
    assert message.dedupe_key == f"assigned:{created[0].pk}:email"
