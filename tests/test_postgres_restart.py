"""After a PostgreSQL restart, requests and tasks reconnect instead of answering 500.

A restart ends every server process; a persistent connection (CONN_MAX_AGE > 0, as in
production) is then dead, and the first request of each gunicorn worker used to fail on it.
``CONN_HEALTH_CHECKS = True`` (kcity/settings/base.py and production.py) makes Django ping a
persistent connection before the first query of a request and reconnect when it is gone.

The restart is imitated without touching the shared server: a second connection ends this
test's server process with ``pg_terminate_backend``. Requests go through Django's real WSGI
handler (the test client skips the request signals that run the check). A task runs as the
worker runs it (celery's tracer, not eager), where Celery's Django fix-up closes the
connections before each task.
"""

import pytest
from celery import signals as celery_signals
from celery.app.trace import build_tracer
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from kcity.celery import app as celery_app
from projects.tasks import task_sync_call_statuses

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: set DATABASE_URL=postgres://… (CI does) to run it",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def persistent_connection(monkeypatch):
    """The default connection as production keeps it: open for minutes between requests."""

    def configure(*, health_checks: bool):
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
        monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", health_checks)
        connection.close()  # the next connect reads the settings above
        connection.ensure_connection()
        return connection

    yield configure
    connection.close()


def terminate_backend_of(conn) -> None:
    """End ``conn``'s server process from another connection, as a server restart would."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connection.copy(alias="restart_helper")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()


def wsgi_get(path: str) -> int:
    """GET ``path`` through the real WSGI handler (request_started/finished signals included)."""
    environ = RequestFactory().get(path).environ
    statuses = []
    response = WSGIHandler()(
        environ, lambda status, headers, exc_info=None: statuses.append(status)
    )
    response.close()
    return int(statuses[0].split()[0])


def test_postgres_settings_turn_health_checks_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_postgres_request_after_restart_succeeds_with_health_checks(persistent_connection):
    conn = persistent_connection(health_checks=True)
    assert wsgi_get(reverse("projects:call_list")) == 200
    terminate_backend_of(conn)
    assert wsgi_get(reverse("projects:call_list")) == 200


def test_postgres_request_after_restart_fails_without_health_checks(persistent_connection):
    """The control: without the check, the dead persistent connection fails the request (the
    500 of the issue; since the database's faults are told apart, the 503 of a database that
    cannot be used, ``tests/test_database_outage.py``)."""
    conn = persistent_connection(health_checks=False)
    assert wsgi_get(reverse("projects:call_list")) == 200
    terminate_backend_of(conn)
    assert wsgi_get(reverse("projects:call_list")) == 503


@pytest.fixture
def worker_fixup():
    """Celery's Django fix-up as a worker installs it (``worker_init``), removed afterwards."""
    from celery.fixups.django import DjangoFixup

    fixup = next(f for f in celery_app._fixups if isinstance(f, DjangoFixup))
    worker_fixup = fixup.worker_fixup
    worker_fixup.install()
    yield worker_fixup
    celery_signals.task_prerun.disconnect(worker_fixup.on_task_prerun)
    celery_signals.task_postrun.disconnect(worker_fixup.on_task_postrun)
    celery_signals.worker_process_init.disconnect(worker_fixup.on_worker_process_init)
    celery_signals.beat_embedded_init.disconnect(worker_fixup.close_database)


def test_postgres_task_after_restart_succeeds(persistent_connection, worker_fixup):
    conn = persistent_connection(health_checks=True)
    task = task_sync_call_statuses
    terminate_backend_of(conn)
    # As the worker runs a task it received: not eager, so the fix-up's task_prerun runs.
    tracer = build_tracer(task.name, task, eager=False, propagate=True, app=celery_app)
    result, info = tracer("restart-test-task", (), {}, {"is_eager": False})[:2]
    assert info is None or info.state == "SUCCESS", getattr(info, "retval", info)
    assert result == 0


def test_postgres_task_after_restart_fails_without_the_worker_fixup(persistent_connection):
    """The control: it is the fix-up (closing connections before a task) that saves the task;
    the health check alone runs only at a request's start."""
    from django.db import OperationalError

    conn = persistent_connection(health_checks=True)
    terminate_backend_of(conn)
    tracer = build_tracer(
        task_sync_call_statuses.name,
        task_sync_call_statuses,
        eager=False,
        propagate=False,
        app=celery_app,
    )
    _result, info = tracer("restart-test-task", (), {}, {"is_eager": False})[:2]
    assert info.state == "FAILURE"
    assert isinstance(info.retval, OperationalError)
