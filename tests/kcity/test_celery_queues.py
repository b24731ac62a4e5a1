"""The Celery queues: mail, long jobs and the rest apart, and no queue that nobody reads.

``CELERY_TASK_ROUTES`` sends notification delivery to ``mail`` and the long jobs (aggregation,
automatic assignment, retention) to ``long``; everything else goes to ``default``.
docker-compose.yml consumes ``default`` and ``mail`` in ``worker`` and ``long`` in
``worker-long``; every other place that starts a worker (the demo, the tests, bench/) gives no
``--queues`` and so consumes all three, which a real worker shows here.
"""

import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from kcity.celery import app as celery_app
from kcity.celery import make_broker_folders
from kcity.folder_broker import folder_options

ROOT = Path(settings.BASE_DIR)
QUEUES = {"default", "mail", "long"}


def _queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def _portal_tasks() -> list[str]:
    celery_app.loader.import_default_modules()
    return sorted(name for name in celery_app.tasks if not name.startswith("celery."))


def test_the_three_queues_are_declared_each_with_its_own_exchange_and_key():
    queues = {queue.name: queue for queue in celery_app.conf.task_queues}
    assert set(queues) == QUEUES
    # Queues sharing an exchange and routing key would each get a copy of every message.
    bindings = {(queue.exchange.name, queue.routing_key) for queue in queues.values()}
    assert bindings == {(name, name) for name in QUEUES}
    assert celery_app.conf.task_default_queue == "default"


def test_every_task_goes_to_a_declared_queue():
    tasks = _portal_tasks()
    assert len(tasks) >= 10
    assert {name: _queue_of(name) for name in tasks if _queue_of(name) not in QUEUES} == {}


def test_mail_and_long_jobs_have_queues_of_their_own():
    tasks = _portal_tasks()
    mail = sorted(name for name in tasks if _queue_of(name) == "mail")
    long = sorted(name for name in tasks if _queue_of(name) == "long")
    assert "notifications.deliver_message" in tasks
    assert mail == sorted(name for name in tasks if name.startswith("notifications."))
    assert long == [
        "accounts.apply_retention",
        "reviews.aggregate_scores",
        "reviews.assign_reviewers",
    ]
    assert _queue_of("core.heartbeat") == "default"
    assert _queue_of("reviews.sweep_stuck_jobs") == "default"


# --- A real worker started without --queues consumes all three ---------------------------------


def _own_broker_url() -> str:
    """The suite's broker, or for Redis a database number of this test's own (11, or 10 when
    REDIS_URL uses 11): another pytest-xdist process may run a worker on the suite's one."""
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return celery_app.conf.broker_url
    parts = urlsplit(redis_url)
    current = parts.path.strip("/") or "0"
    number = os.environ.get("KCITY_QUEUES_BROKER_DB") or ("10" if current == "11" else "11")
    return urlunsplit(parts._replace(path=f"/{number}"))


def _folder_broker(folder: Path) -> dict:
    """The demo's folder broker (``make run``), in ``folder``."""
    options = folder_options(folder)
    make_broker_folders(options)
    return options


@pytest.fixture(params=["suite broker", "folder broker"])
def plain_worker(request, settings, tmp_path):
    """A worker thread as `celery worker` without --queues starts it, on a broker of its own:
    the suite's (memory, or Redis in CI) and the demo's folder broker."""
    # Read the configuration before the settings change: the first read of ``celery_app.conf``
    # in a process loads it from the Django settings, and would otherwise keep the test's value.
    conf = celery_app.conf
    previous = (
        conf.broker_url,
        conf.broker_transport,
        conf.broker_transport_options,
        conf.task_always_eager,
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    if request.param == "folder broker":
        conf.broker_url = "filesystem://"
        conf.broker_transport = settings.FOLDER_BROKER_TRANSPORT
        conf.broker_transport_options = _folder_broker(tmp_path)
    else:
        conf.broker_url = _own_broker_url()
    conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    ran = []

    def record(sender=None, task_id=None, **kwargs):
        ran.append((sender.name, sender.request.delivery_info.get("routing_key")))
        # The worker thread's own database connection must not outlive the test database.
        connections.close_all()

    task_postrun.connect(record, weak=False)
    try:
        with start_worker(
            celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker, ran
    finally:
        task_postrun.disconnect(record)
        (
            conf.broker_url,
            conf.broker_transport,
            conf.broker_transport_options,
            conf.task_always_eager,
        ) = previous
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_without_queue_option_consumes_every_queue(plain_worker):
    worker, ran = plain_worker
    assert {queue.name for queue in worker.consumer.task_consumer.queues} == QUEUES
    for name in (
        "core.heartbeat",
        "notifications.resend_pending_messages",
        "accounts.apply_retention",
    ):
        celery_app.send_task(name)
    deadline = time.monotonic() + 60
    while len(ran) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(ran) == [
        ("accounts.apply_retention", "long"),
        ("core.heartbeat", "default"),
        ("notifications.resend_pending_messages", "mail"),
    ]


# --- Every place that starts a worker ----------------------------------------------------------


def _queue_option(command: list[str]) -> set[str] | None:
    """The queues a worker command names, or None when it names none (then: all of them)."""
    for index, part in enumerate(command):
        if part.startswith("--queues="):
            return set(part.split("=", 1)[1].split(","))
        if part in ("-Q", "--queues"):
            return set(command[index + 1].split(","))
    return None


def test_the_demo_worker_consumes_every_queue():
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_demo", ROOT / "scripts" / "run_demo.py")
    run_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_demo)
    worker = run_demo.demo_commands()["worker"]
    assert "worker" in worker and _queue_option(worker) is None


@pytest.mark.parametrize(
    "path",
    ["bench/chaos.py", "tests/test_worker_faults.py", "tests/test_celery_worker.py", ".ci/run"],
)
def test_other_workers_name_no_queue_so_they_consume_every_one(path):
    text = (ROOT / path).read_text()
    assert not re.search(r"""["'](-Q|--queues)(=|["'])""", text), path
    assert "--queues" not in text and " -Q " not in text, path
