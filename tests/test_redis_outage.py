"""A Redis outage costs the cache, not the site (docs/reliability.md, "Redis down").

Each test starts its own redis-server on a free port (never the shared one on 6379), points
the cache at it through ``core.cache.ResilientRedisCache`` (the API's throttles use that cache),
stops it mid-test and asks the portal for what people do: API lists, a page, a log-in, a
password reset, the readiness probe. Then it starts Redis again on the same port and checks
that the portal writes there again. Skipped only where redis-server is not installed.
"""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from core.cache import local_fallback_cache
from notifications.models import Message
from tests.api.conftest import client_for

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
]
BREAKER_SECONDS = 0.2


class PrivateRedis:
    """One redis-server process of this test's own, stopped and started on the same port."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)

    def stored_keys(self) -> list[str]:
        return [key.decode() for key in self.client().keys("*")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def private_redis():
    server = PrivateRedis(_free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, private_redis):
    """The default cache (and so DRF's throttles and the e-mail limits) on the private Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"CIRCUIT_BREAKER_SECONDS": BREAKER_SECONDS},
        }
    }
    local_fallback_cache(f"kcity-fallback:{private_redis.url}").clear()
    return private_redis


def _throttle_keys(server: PrivateRedis) -> list[str]:
    return [key for key in server.stored_keys() if "throttle_" in key]


def test_redis_outage_keeps_the_api_pages_login_and_reset_working(
    client, redis_cache, applicant, settings, open_call
):
    settings.KCITY_RESET_RATE = "3/h"
    # Redis up: the API's throttle history is written to it.
    assert client.get(reverse("api:country-list")).status_code == 200
    assert _throttle_keys(redis_cache)

    redis_cache.stop()

    # API lists, anonymous and with a token; a page; the readiness probe.
    started = time.monotonic()
    for name in ("api:country-list", "api:call-list", "api:project-list"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client_for(applicant).get(reverse("api:application-list")).status_code == 200
    assert client.get(reverse("projects:call_list")).status_code == 200
    # A dead Redis costs milliseconds, not a time-out per request.
    assert time.monotonic() - started < 10

    ready = client.get(reverse("readyz"))
    assert ready.status_code in (200, 503)  # the broker decides; the cache never does
    checks = ready.json()["checks"]
    assert checks["cache"]["ok"] is False
    assert checks["database"]["ok"] is True

    # Log-in: axes counts in the database, the session is in the database.
    response = client.post(
        reverse("accounts:login"),
        {"username": applicant.email, "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant.pk)
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.logout()

    # Password reset answers normally, and its limit stays closed on the local fallback.
    for _ in range(3):
        response = client.post(reverse("accounts:password_reset"), {"email": applicant.email})
        assert response.status_code == 302
    response = client.post(reverse("accounts:password_reset"), {"email": applicant.email})
    assert response.status_code == 429
    # Each reset link is an outbox row, sent by the worker (the broker is another matter).
    assert Message.objects.filter(template="accounts/password_reset").count() == 3

    # Redis back (empty: no persistence): after the breaker's pause the portal uses it again.
    redis_cache.start()
    assert redis_cache.stored_keys() == []
    time.sleep(BREAKER_SECONDS + 0.1)
    assert client.get(reverse("api:country-list")).status_code == 200
    assert _throttle_keys(redis_cache)
    assert not cache.is_degraded
    ready = client.get(reverse("readyz")).json()
    assert ready["checks"]["cache"]["ok"] is True


def test_throttling_is_enforced_again_once_redis_is_back(client, redis_cache, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"})
    redis_cache.stop()
    # Reads fail open while the cache is down: more than the rate, all answered.
    for _ in range(5):
        assert client.get(reverse("api:country-list")).status_code == 200
    redis_cache.start()
    time.sleep(BREAKER_SECONDS + 0.1)
    answers = [client.get(reverse("api:country-list")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_a_staff_page_and_the_status_panel_work_while_redis_is_down(
    client, redis_cache, kind_staff
):
    redis_cache.stop()
    client.force_login(kind_staff)
    assert client.get(reverse("staff_reporting:index")).status_code == 200
    response = client.get(reverse("staff_reporting:system_status"))
    assert response.status_code == 200
    cache_row = next(r for r in response.context["status"].check_rows if r.check.name == "cache")
    assert cache_row.check.ok is False
    assert "ConnectionError" in cache_row.check.detail
