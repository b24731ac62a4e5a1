"""/readyz (core.health) and the worker's heartbeat (core.tasks)."""

import json
import socket
import time
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from core import health
from core.models import Heartbeat
from core.tasks import task_record_heartbeat
from tests.kcity.test_production_settings import HOST
from tests.kcity.test_production_settings import _run as run_production

pytestmark = pytest.mark.django_db

REQUIRED = {"database", "migrations", "broker", "storage"}


@pytest.fixture(autouse=True)
def _migrations_asked_again(monkeypatch):
    # core.health remembers "migrations applied" for the process; each test asks afresh.
    monkeypatch.setattr(health, "_migrations_applied", False)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_readyz_answers_200_with_every_check_and_no_login(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == REQUIRED | {"cache"}
    assert all(check["ok"] for check in body["checks"].values())
    assert {name for name, c in body["checks"].items() if c["required"]} == REQUIRED
    assert "no-cache" in response["Cache-Control"]


def test_readyz_503_when_the_database_check_fails(client):
    with mock.patch.object(health, "check_database", side_effect=OSError("connection refused")):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    # Not asked again: the database's error says it all.
    assert body["checks"]["migrations"]["ok"] is False
    # The public answer names no host, path or error text.
    assert "connection refused" not in response.content.decode()


def test_readyz_503_when_a_migration_is_not_applied(client):
    unapplied = [(mock.Mock(app_label="core", name="0002_future"), False)]
    with mock.patch("core.health.MigrationExecutor.migration_plan", return_value=unapplied) as plan:
        response = client.get(reverse("readyz"))
    assert plan.called
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["ok"] is False


def test_migrations_are_asked_once_then_remembered():
    with mock.patch("core.health.MigrationExecutor.migration_plan", return_value=[]) as plan:
        health.check_migrations()
        health.check_migrations()
    assert plan.call_count == 1


def test_readyz_503_when_uploads_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "private"
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_cache_down_is_reported_but_not_fatal(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["cache"] == {"ok": False, "required": False, "ms": checks["cache"]["ms"]}


def test_broker_check_fails_fast_on_a_dead_redis_broker(settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    started = time.monotonic()
    result = health._timed("broker", True, health.check_broker)
    assert result.ok is False
    assert "OperationalError" in result.detail
    assert time.monotonic() - started < 3


def test_broker_check_against_a_black_holed_broker_stays_within_its_timeout(settings):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    try:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
        started = time.monotonic()
        assert health._timed("broker", True, health.check_broker).ok is False
        assert time.monotonic() - started < 2 * health.BROKER_TIMEOUT_SECONDS + 1
    finally:
        server.close()


def test_folder_broker_is_ready_when_its_folder_is_writable(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "out")}
    assert health._timed("broker", True, health.check_broker).ok
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(blocker / "out")}
    assert not health._timed("broker", True, health.check_broker).ok


@pytest.mark.skipif(
    not str(django_settings.CELERY_BROKER_URL).startswith("redis://"),
    reason="the suite's broker is not Redis (CI runs it with REDIS_URL)",
)
def test_broker_check_passes_against_the_configured_redis_broker():
    assert health._timed("broker", True, health.check_broker).ok


def test_readyz_over_plain_http_in_production_is_not_redirected(tmp_path):
    """The container health check asks over plain HTTP: /readyz answers (here 503: the
    production process has an unmigrated database and no Redis) instead of a redirect."""
    result = run_production(
        tmp_path,
        f"""
        import json, django
        django.setup()
        from django.test import Client
        response = Client(HTTP_HOST={HOST!r}).get("/readyz")
        print(json.dumps({{"status": response.status_code, "body": response.json()}}))
        """,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"]["ok"] is True
    assert checks["migrations"]["ok"] is False
    assert checks["broker"]["ok"] is False
    assert checks["cache"]["ok"] is False


# --- The worker's heartbeat -----------------------------------------------------------------


def test_heartbeat_task_records_one_row_and_refreshes_it():
    task_record_heartbeat.delay()
    first = Heartbeat.objects.get(name=health.WORKER_HEARTBEAT)
    assert first.detail["pid"]
    task_record_heartbeat.delay()
    assert Heartbeat.objects.count() == 1
    assert Heartbeat.objects.get().seen_at >= first.seen_at


def test_beat_sends_the_heartbeat_every_minute_to_a_registered_task():
    from kcity.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == "core.heartbeat"
    assert entry["schedule"] == 60.0
    # Expires before the next one is due: a worker back from an outage runs no backlog.
    assert entry["options"]["expires"] < 60
    app.loader.import_default_modules()
    assert "core.heartbeat" in app.tasks
