"""A Redis cache that degrades instead of failing: the portal keeps working while Redis is down.

Nothing the portal keeps in the cache is the only copy of anything: it holds the API's
throttling history and the password-reset / verification e-mail counters
(``accounts.ratelimit``). Sessions are in the database and the log-in lock-out is django-axes'
database handler, so neither depends on Redis. A Redis outage must therefore cost the cache,
not the site: with Django's plain ``RedisCache`` every request that touches the cache answers
500 (and with redis-py's defaults a black-holed Redis hangs each request for the operating
system's TCP time-out).

``ResilientRedisCache`` is Django's ``RedisCache`` with three additions:

* **short socket time-outs** (``DEFAULT_REDIS_OPTIONS``) and no redis-py retries, so a dead
  Redis costs milliseconds (connection refused) or at most the read time-out (black-holed);
* **a circuit breaker per Redis location, shared by the threads of a process**: after a failed
  call the process leaves Redis alone for ``CIRCUIT_BREAKER_SECONDS`` and then lets one call
  through to see whether it is back;
* **a process-local fallback** (a ``LocMemCache``): while Redis is failing, reads and writes go
  there. Counters keep counting (per process rather than for the whole site), and a read of a
  key the fallback never saw is a miss, which every caller already handles.

The outage is logged once when it starts, then at most once per ``LOG_INTERVAL_SECONDS`` while
it lasts, and once when Redis answers again. What was written to the fallback during an outage
stays in that process and is dropped when Redis is back (so a later outage starts clean); a key
deleted during the outage may reappear from Redis afterwards, which is harmless for counters
and is why the cache must never hold anything that has to be right.

``cache_config(url)`` turns a cache URL (``CACHE_URL`` / ``REDIS_URL``) into a ``CACHES`` entry
and always uses this backend for ``redis://`` and ``rediss://``, so no setting can bring back
the plain backend by accident. See docs/reliability.md, "Redis down".
"""

from __future__ import annotations

import logging
import threading
import time

import environ
import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# What a cache call may raise when Redis is down, restarting, read-only after a fail-over, out
# of memory or behind a broken network (redis-py wraps socket errors in ConnectionError; OSError
# covers what escapes it). A cache error of any of these kinds degrades; it never answers 500.
CACHE_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)

# Socket time-outs in seconds. Connecting to a live Redis on the same network takes about a
# millisecond, so 0.25 s is generous; a read waits at most half a second.
DEFAULT_REDIS_OPTIONS = {
    "socket_connect_timeout": 0.25,
    "socket_timeout": 0.5,
}
# Our own options, taken out before the rest go to redis-py's connection pool.
DEFAULT_BREAKER_SECONDS = 10.0
DEFAULT_LOG_INTERVAL_SECONDS = 60.0
_FALLBACK_MAX_ENTRIES = 10_000

BACKEND = "core.cache.ResilientRedisCache"
_REDIS_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
    BACKEND,
}


class CircuitBreaker:
    """Whether a process should try one Redis location now, and the log lines of an outage.

    One per location and process (``breaker_for``), shared by all threads: Django builds a
    cache backend per thread, but an outage is the same for all of them."""

    def __init__(self, location: str, *, retry_after: float, log_every: float):
        self.location = location
        self.retry_after = retry_after
        self.log_every = log_every
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._failing_since: float | None = None
        self._last_logged = 0.0
        self._unlogged_failures = 0
        self.last_error = ""

    @property
    def failing(self) -> bool:
        """True from a failed call until the next successful one."""
        return self._failing_since is not None

    @property
    def is_open(self) -> bool:
        """Failing and within the pause: calls go to the fallback without trying Redis."""
        return self.failing and not self.allows_call()

    def allows_call(self) -> bool:
        """False while the breaker is open (a call failed less than ``retry_after`` ago)."""
        return time.monotonic() >= self._open_until

    def record_failure(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.retry_after
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]
            self._unlogged_failures += 1
            starting = self._failing_since is None
            if starting:
                self._failing_since = now
            if not (starting or now - self._last_logged >= self.log_every):
                return
            failures, self._unlogged_failures = self._unlogged_failures, 0
            self._last_logged = now
        logger.warning(
            "Cache at %s unavailable (%s; %d failed call(s) since the last report): serving "
            "from this process's local fallback, next try in %.0f s.",
            _redacted(self.location),
            self.last_error,
            failures,
            self.retry_after,
        )

    def record_success(self) -> bool:
        """Close the breaker; True when this ends an outage (the caller drops its fallback)."""
        if self._failing_since is None:
            return False
        with self._lock:
            if self._failing_since is None:
                return False
            lasted = time.monotonic() - self._failing_since
            self._failing_since = None
            self._open_until = 0.0
            self._unlogged_failures = 0
        logger.warning(
            "Cache at %s reachable again after %.0f s.", _redacted(self.location), lasted
        )
        return True


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, *, retry_after: float, log_every: float) -> CircuitBreaker:
    """The process's one breaker for ``location`` (created on first use)."""
    with _breakers_lock:
        breaker = _breakers.get(location)
        if breaker is None:
            breaker = _breakers[location] = CircuitBreaker(
                location, retry_after=retry_after, log_every=log_every
            )
        else:
            breaker.retry_after, breaker.log_every = retry_after, log_every
        return breaker


def local_fallback_cache(name: str = "kcity-fallback", params: dict | None = None) -> LocMemCache:
    """A process-local cache: where counters go while the shared cache cannot be reached.

    ``LocMemCache`` keeps its data per ``name`` at module level, so every instance with the same
    name (every thread of the process) shares it."""
    params = dict(params or {})
    params["OPTIONS"] = {"MAX_ENTRIES": _FALLBACK_MAX_ENTRIES}
    return LocMemCache(name, params)


class ResilientRedisCache(RedisCache):
    """Django's ``RedisCache`` that falls back to a process-local cache while Redis fails.

    Extra ``OPTIONS`` (taken out before redis-py sees them): ``CIRCUIT_BREAKER_SECONDS`` (how
    long a process leaves Redis alone after a failure, default 10) and
    ``LOG_INTERVAL_SECONDS`` (at most one log line per interval during an outage, default 60).
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        retry_after = float(options.pop("CIRCUIT_BREAKER_SECONDS", DEFAULT_BREAKER_SECONDS))
        log_every = float(options.pop("LOG_INTERVAL_SECONDS", DEFAULT_LOG_INTERVAL_SECONDS))
        # Pinned, whatever redis-py's default of the day: the breaker is the retry policy.
        options = {**DEFAULT_REDIS_OPTIONS, "retry": Retry(NoBackoff(), 0), **options}
        super().__init__(server, {**params, "OPTIONS": options})
        self.location = server if isinstance(server, str) else ",".join(server)
        self.breaker = breaker_for(self.location, retry_after=retry_after, log_every=log_every)
        fallback_params = {k: v for k, v in params.items() if k not in ("OPTIONS", "LOCATION")}
        self.fallback = local_fallback_cache(f"kcity-fallback:{self.location}", fallback_params)

    @property
    def is_degraded(self) -> bool:
        """True while the breaker is open: Redis failed moments ago and calls are served by the
        local fallback without trying it. Once the pause is over the next call tries Redis,
        so a caller that skips the cache while degraded (the throttles) never keeps it so."""
        return self.breaker.is_open

    def ping(self) -> None:
        """Ask Redis itself, past the breaker and the fallback (the readiness check). Raises
        one of ``CACHE_ERRORS`` when Redis does not answer."""
        try:
            self._cache.get_client(write=True).ping()
        except CACHE_ERRORS as exc:
            self.breaker.record_failure(exc)
            raise
        if self.breaker.record_success():
            self.fallback.clear()

    def _call(self, method: str, *args, **kwargs):
        if self.breaker.allows_call():
            try:
                result = getattr(super(), method)(*args, **kwargs)
            except CACHE_ERRORS as exc:
                self.breaker.record_failure(exc)
            else:
                if self.breaker.record_success():
                    self.fallback.clear()
                return result
        return getattr(self.fallback, method)(*args, **kwargs)

    # Every public operation of BaseCache is one of these or built on them (get_or_set, decr,
    # incr_version, the async variants), so all of them degrade.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        return self._call("clear")


def is_degraded(cache) -> bool:
    """True when ``cache`` (a backend or ``django.core.cache.cache``) knows its shared store is
    failing. Backends without a breaker say False: their errors surface as exceptions."""
    return bool(getattr(cache, "is_degraded", False))


def cache_config(url: str) -> dict:
    """A ``CACHES`` entry from a cache URL; Redis URLs get ``ResilientRedisCache`` and its
    short time-outs (the settings' one way of configuring a cache)."""
    config = environ.Env.cache_url_config(url)
    if config.get("BACKEND") in _REDIS_BACKENDS:
        config["BACKEND"] = BACKEND
        config["OPTIONS"] = {
            **DEFAULT_REDIS_OPTIONS,
            "CIRCUIT_BREAKER_SECONDS": DEFAULT_BREAKER_SECONDS,
            "LOG_INTERVAL_SECONDS": DEFAULT_LOG_INTERVAL_SECONDS,
            **config.get("OPTIONS", {}),
        }
    return config


def _redacted(location: str) -> str:
    """A Redis URL without its password, for log lines and status pages."""
    scheme, sep, rest = location.partition("://")
    if sep and "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def redacted_location(cache) -> str:
    """Where ``cache`` keeps its data, safe to show to staff (no password)."""
    location = getattr(cache, "location", "") or getattr(cache, "_servers", [""])[0]
    return _redacted(str(location)) if location else type(cache).__name__
