"""Fault tests with a real Celery worker (prefork pool, concurrency 1) killed mid-job.

Issue 12: a killed worker used to leave its job "running" for ever (the pool child's task was
acknowledged; a dead worker's task waited an hour for the broker's visibility timeout), and
the track could not be aggregated again. Here a worker subprocess runs an aggregation made
slow on its first attempt, and the test kills it:

* the pool child alone: ``task_reject_on_worker_lost`` puts the task back at once, the same
  worker restarts the job (attempt 2), and it finishes;
* the whole worker: the job's heartbeat stops, the sweep re-queues the job, a new worker
  finishes it.

Either way staff can start the aggregation again afterwards. The worker and this test share a
PostgreSQL test database and a Redis broker database of their own (never the suite's, never
db 0; only this test's keys are deleted), so the test runs only when DATABASE_URL (PostgreSQL)
and REDIS_URL are set, as in CI. Locally::

    createdb -h 127.0.0.1 -U postgres kcity_faults
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcity_faults \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/pytest -n 0 tests/test_worker_faults.py

The slowness is test code only: the worker is started by the small launcher below, which
wraps ``aggregate_track`` before the worker forks its pool.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from kcity.celery import app as celery_app
from results.aggregation import start_aggregation
from reviews.models import Job
from reviews.services import jobs
from tests.factories import UserFactory
from tests.factories.results import make_criteria, review_totals, reviewed_application

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent

# Runs in the worker subprocess: the first aggregation attempt of the test writes its pool
# process's id to FAULT_PIDFILE, then keeps reporting progress (heartbeats) for up to a minute
# so the test can kill it mid-job; every later attempt (the file exists) runs normally.
LAUNCHER = """
import os, time
import django

django.setup()
from results import aggregation

real_aggregate_track = aggregation.aggregate_track


def slow_first_attempt(*, track, actor=None, progress=None):
    if not os.path.exists(os.environ["FAULT_PIDFILE"]):
        with open(os.environ["FAULT_PIDFILE"], "w") as pidfile:
            pidfile.write(str(os.getpid()))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            progress(0, 1)
            time.sleep(0.2)
    return real_aggregate_track(track=track, actor=actor, progress=progress)


aggregation.aggregate_track = slow_first_attempt
from kcity.celery import app

app.worker_main([
    "worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
    "--without-gossip", "--without-mingle", "--without-heartbeat",
    "--hostname=faults-%d@%%h" % os.getpid(),
])
"""


def _fault_broker_url() -> str | None:
    """REDIS_URL with a database number of this test's own (13, or 12 when REDIS_URL uses 13):
    the suite's broker database (CI: 15) may have a worker of another test on it."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return None
    parts = urlsplit(redis_url)
    current = parts.path.strip("/") or "0"
    number = os.environ.get("KCITY_FAULT_BROKER_DB") or ("12" if current == "13" else "13")
    return urlunsplit(parts._replace(path=f"/{number}"))


def _clear_broker(url: str) -> None:
    """Delete the kombu keys of this test's broker database (queue, unacknowledged set)."""
    import redis

    client = redis.Redis.from_url(url)
    # Every queue of CELERY_TASK_QUEUES (default, mail, long), and "celery" from before them,
    # under this run's key prefix (CELERY_BROKER_KEY_PREFIX): another run's keys are not ours.
    prefix = (celery_app.conf.broker_transport_options or {}).get("global_keyprefix", "")
    queues = [queue.name for queue in celery_app.conf.task_queues]
    names = ["celery", *queues, "unacked", "unacked_index", "unacked_mutex"]
    keys = [f"{prefix}{name}".encode() for name in names]
    keys += list(client.scan_iter(match=f"{prefix}_kombu.binding*"))
    client.delete(*keys)
    client.close()


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def fault_broker(settings):
    """The test process publishes to the fault broker for real (no eager mode)."""
    url = _fault_broker_url()
    if url is None or not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip(
            "needs DATABASE_URL (PostgreSQL) and REDIS_URL: a worker subprocess must share the "
            "test database and a broker with the test (CI sets both)"
        )
    if connection.vendor != "postgresql":  # pragma: no cover - DATABASE_URL says PostgreSQL
        pytest.skip("needs the PostgreSQL test database")
    _clear_broker(url)
    conf = celery_app.conf
    previous = (conf.broker_url, conf.task_always_eager)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    conf.broker_url, conf.task_always_eager = url, False
    # Drop the cached connections to the suite's broker: the next publish connects to ours.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield url
    finally:
        conf.broker_url, conf.task_always_eager = previous
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        _clear_broker(url)


@pytest.fixture
def workers(fault_broker, tmp_path):
    """Start worker subprocesses (each in its own process group); all killed at the end."""
    started = []
    pidfile = tmp_path / "pool-child.pid"

    def start() -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kcity.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "REDIS_URL": fault_broker,
            "DATABASE_URL": _database_url(),
            "FAULT_PIDFILE": str(pidfile),
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((process, log))
        return process

    start.pidfile = pidfile
    start.logs = lambda: "\n".join(
        (tmp_path / f"worker-{i}.log").read_text(errors="replace")[-3000:]
        for i in range(len(started))
    )
    yield start
    for process, log in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        log.close()


@pytest.fixture
def track(role_groups, planning_track):
    planning_track.min_reviewers = 3
    planning_track.save()
    (total,) = make_criteria(planning_track, ("overall", 100, None, 1))
    reviewers = [UserFactory() for _ in range(3)]
    for i in range(3):
        review_totals(reviewed_application(planning_track), total, [70 + i, 80, 90], reviewers)
    return planning_track


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def _running_first_attempt(job_id: int, pidfile: Path) -> int:
    """Wait until the worker runs attempt 1 of the job; returns its pool process's id."""
    _wait_for(
        lambda: pidfile.exists() and pidfile.read_text() and _job(job_id).status == "running",
        30,
        "the worker to start the job",
    )
    return int(pidfile.read_text())


def _staff_can_start_again(track, staff, job_id: int) -> None:
    again = start_aggregation(track=track, actor=staff)
    assert again.pk != job_id
    _wait_for(lambda: _job(again.pk).status == "succeeded", 20, "the new run to finish")


def test_killed_pool_child_job_is_run_again_at_once(track, kind_staff, workers):
    worker = workers()
    job = start_aggregation(track=track, actor=kind_staff)
    child = _running_first_attempt(job.pk, workers.pidfile)
    assert child != worker.pid  # the pool process, not the worker's main process
    os.kill(child, signal.SIGKILL)
    try:
        _wait_for(lambda: _job(job.pk).status == "succeeded", 20, "the redelivered job to finish")
    except AssertionError:
        raise AssertionError(f"{_job(job.pk).__dict__}\n{workers.logs()}") from None
    done = _job(job.pk)
    assert done.attempts == 2  # restarted once, by the redelivered message
    assert done.result["applications"] == 3
    assert worker.poll() is None  # the worker itself lived on
    _staff_can_start_again(track, kind_staff, job.pk)


def test_killed_worker_job_is_swept_and_run_by_another_worker(track, kind_staff, workers, settings):
    first = workers()
    job = start_aggregation(track=track, actor=kind_staff)
    _running_first_attempt(job.pk, workers.pidfile)
    os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process and pool
    first.wait(10)
    settings.KCITY_JOB_STALE_SECONDS = 2
    # Without the sweep the job would stay "running" until the visibility timeout (15 min).
    time.sleep(jobs.stale_seconds() + 0.5)
    assert _job(job.pk).status == "running"
    assert jobs.sweep_stuck_jobs() == {"requeued": 1, "failed": 0}
    assert (_job(job.pk).status, _job(job.pk).requeues) == ("pending", 1)
    workers()
    try:
        _wait_for(lambda: _job(job.pk).status == "succeeded", 30, "the re-queued job to finish")
    except AssertionError:
        raise AssertionError(f"{_job(job.pk).__dict__}\n{workers.logs()}") from None
    assert _job(job.pk).attempts == 2
    _staff_can_start_again(track, kind_staff, job.pk)
