"""core.cache (the Redis cache that degrades), core.api.throttling (fail open for reads) and
accounts.ratelimit (stays closed) against a Redis that is not there.

A closed port refuses at once; a socket that accepts and never answers stands for a black-holed
Redis (a network partition), where only the socket time-outs keep a request short. The real
outage, with a redis-server stopped and started mid-test, is tests/test_redis_outage.py.
"""

import logging
import socket
import time
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts import ratelimit
from core.api.throttling import PortalAnonRateThrottle, PortalUserRateThrottle
from core.cache import (
    ResilientRedisCache,
    breaker_for,
    cache_config,
    is_degraded,
    local_fallback_cache,
)
from tests.kcity.test_production_settings import _settings as production_settings


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _backend(url: str, **options) -> ResilientRedisCache:
    return ResilientRedisCache(url, {"OPTIONS": options})


@pytest.fixture(autouse=True)
def _empty_local_fallbacks():
    # Process-local by design, so they outlive a test: each test starts with them empty.
    for name in ("kcity-fallback", "kcity-throttle-fallback"):
        local_fallback_cache(name).clear()


@pytest.fixture
def dead_url():
    # A fresh port per test: breakers are per location, so no test inherits another's outage.
    return f"redis://127.0.0.1:{_closed_port()}/0"


@pytest.fixture
def black_hole():
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


def test_dead_redis_reads_miss_and_writes_go_to_the_local_fallback(dead_url):
    backend = _backend(dead_url)
    assert backend.get("absent", "default") == "default"
    backend.set("k", "v")
    assert backend.get("k") == "v"
    assert backend.add("n", 1) is True
    assert backend.incr("n") == 2
    assert backend.get_or_set("g", "computed") == "computed"
    assert backend.get_many(["k", "n"]) == {"k": "v", "n": 2}
    backend.delete("k")
    assert backend.has_key("k") is False
    assert backend.is_degraded
    assert is_degraded(backend)


def test_incr_of_a_missing_key_still_raises_valueerror_in_fallback(dead_url):
    # Callers (accounts.ratelimit) rely on the usual cache contract either way.
    with pytest.raises(ValueError):
        _backend(dead_url).incr("never-set")


def test_breaker_leaves_redis_alone_until_it_may_retry(dead_url):
    backend = _backend(dead_url, CIRCUIT_BREAKER_SECONDS=0.2)
    tries = mock.Mock(side_effect=redis.exceptions.ConnectionError("refused"))
    with mock.patch.object(backend._cache, "get_client", tries):
        for _ in range(10):
            assert backend.get("k") is None
        assert tries.call_count == 1
        time.sleep(0.25)
        backend.get("k")
        assert tries.call_count == 2


def test_a_black_holed_redis_costs_the_read_timeout_once_not_every_call(black_hole):
    backend = _backend(black_hole, socket_timeout=0.3, socket_connect_timeout=0.3)
    started = time.monotonic()
    for _ in range(20):
        assert backend.get("k", "miss") == "miss"
    # One try of 0.3 s, then the breaker: nowhere near 20 × 0.3 s (or the OS's TCP time-out).
    assert time.monotonic() - started < 2.0


def test_outage_logged_once_per_interval_and_recovery_once(dead_url, caplog):
    backend = _backend(dead_url, CIRCUIT_BREAKER_SECONDS=0, LOG_INTERVAL_SECONDS=60)
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(5):
            backend.get("k")
    outage = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outage) == 1
    assert dead_url.split("/0")[0].removeprefix("redis://") in outage[0].getMessage()

    caplog.clear()
    backend.set("stale", 1)
    with (
        caplog.at_level(logging.WARNING, logger="core.cache"),
        mock.patch.object(RedisCache, "get", return_value="from redis"),
    ):
        assert backend.get("k") == "from redis"
        assert backend.get("k") == "from redis"
    assert [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(caplog.records) == 1
    assert not backend.is_degraded
    # What the outage wrote stays out of the next outage.
    assert backend.fallback.get("stale") is None


def test_breaker_is_shared_by_the_threads_backends_for_one_location(dead_url):
    first, second = _backend(dead_url), _backend(dead_url)
    first.get("k")
    assert second.is_degraded
    assert first.breaker is second.breaker is breaker_for(dead_url, retry_after=10, log_every=60)


def test_ping_reports_the_outage_past_the_fallback(dead_url):
    with pytest.raises(redis.exceptions.ConnectionError):
        _backend(dead_url).ping()


def test_cache_config_wraps_every_redis_url_with_short_timeouts():
    config = cache_config("redis://:secret@redis:6379/0")
    assert config["BACKEND"] == "core.cache.ResilientRedisCache"
    assert config["LOCATION"].startswith("redis://")
    assert config["OPTIONS"]["socket_connect_timeout"] <= 0.5
    assert config["OPTIONS"]["socket_timeout"] <= 1
    assert config["OPTIONS"]["CIRCUIT_BREAKER_SECONDS"] > 0
    assert cache_config("locmemcache://kcity")["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def test_production_uses_the_resilient_cache_database_sessions_and_lockout(tmp_path):
    values = production_settings(
        tmp_path, "CACHES", "SESSION_ENGINE", "AXES_HANDLER", "REST_FRAMEWORK"
    )
    assert values["CACHES"]["default"]["BACKEND"] == "core.cache.ResilientRedisCache"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6399/0"
    # Nothing a log-in needs lives in the cache.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert values["AXES_HANDLER"] == "axes.handlers.database.AxesDatabaseHandler"
    assert values["REST_FRAMEWORK"]["DEFAULT_THROTTLE_CLASSES"] == [
        "core.api.throttling.PortalAnonRateThrottle",
        "core.api.throttling.PortalUserRateThrottle",
    ]


def test_the_suite_runs_the_same_session_and_throttle_settings():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert [c.__name__ for c in APIView.throttle_classes] == [
        "PortalAnonRateThrottle",
        "PortalUserRateThrottle",
    ]


# --- The throttle: fail open for reads, closed for writes -------------------------------------


@pytest.fixture
def two_per_minute(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"})


def _allowed(throttle_class, method: str, times: int) -> list[bool]:
    factory = APIRequestFactory()
    results = []
    for _ in range(times):
        request = getattr(factory, method)("/api/v1/countries/", REMOTE_ADDR="203.0.113.9")
        request.user = mock.Mock(is_authenticated=False)
        results.append(throttle_class().allow_request(request, view=None))
    return results


def _plain_dead_redis(settings, dead_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead_url}
    }


def test_throttle_counts_normally_with_a_working_cache(two_per_minute):
    assert _allowed(PortalAnonRateThrottle, "get", 3) == [True, True, False]


def test_throttle_lets_reads_through_when_a_plain_redis_cache_raises(
    settings, dead_url, two_per_minute
):
    _plain_dead_redis(settings, dead_url)
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("proof-that-this-cache-raises")
    assert _allowed(PortalAnonRateThrottle, "get", 5) == [True] * 5


def test_throttle_still_counts_writes_locally_when_the_cache_raises(
    settings, dead_url, two_per_minute
):
    _plain_dead_redis(settings, dead_url)
    assert _allowed(PortalAnonRateThrottle, "post", 3) == [True, True, False]


def test_throttle_lets_reads_through_while_the_resilient_cache_is_degraded(
    settings, dead_url, two_per_minute
):
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": dead_url}
    }
    cache.get("the-first-call-finds-redis-down")
    assert _allowed(PortalAnonRateThrottle, "get", 5) == [True] * 5
    assert _allowed(PortalAnonRateThrottle, "post", 3) == [True, True, False]


def test_user_throttle_fails_open_for_reads_too(settings, dead_url, two_per_minute):
    _plain_dead_redis(settings, dead_url)
    factory = APIRequestFactory()
    request = factory.get("/api/v1/me/")
    request.user = mock.Mock(is_authenticated=True, pk=7)
    assert all(PortalUserRateThrottle().allow_request(request, None) for _ in range(5))


# --- The e-mail rate limits: stay closed ----------------------------------------------------


def test_reset_limit_stays_closed_when_a_plain_redis_cache_raises(settings, dead_url):
    _plain_dead_redis(settings, dead_url)
    idents = ["ip:198.51.100.4", "acct:someone@example.org"]
    for _ in range(3):
        assert ratelimit.is_limited("reset", idents, "3/h") == 0
        ratelimit.hit("reset", idents, "3/h")
    assert ratelimit.is_limited("reset", idents, "3/h") > 0
