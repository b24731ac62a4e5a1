"""Readiness checks (``/readyz``, the staff system-status page) and the worker's heartbeat.

``/healthz`` says the process is up (liveness, no database). ``/readyz`` says whether this web
process can do its work, asking each dependency with a short time-out:

========== ========= ==========================================================================
check      required  how
========== ========= ==========================================================================
database   yes       ``SELECT 1`` on the default connection
migrations yes       no unapplied migration in the plan (remembered once true: migrations only
                     change with a deployment, which starts new processes)
broker     yes       a kombu connection to the broker with a 1 s time-out; the demo's folder
                     broker: its folder is writable; the in-memory broker of tests: always
storage    yes       a file can be written and removed in ``MEDIA_ROOT`` (uploads), or, with
                     documents in a bucket (``core.storage``), a small object there
cache      no        Redis answers a PING. Reported only: the portal degrades without it
                     (``core.cache``)
========== ========= ==========================================================================

A check never raises: each result says ``ok``, how long it took and, for the staff page only,
what went wrong (``detail``). The public JSON carries no detail (no host names, no paths).
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.cache import redacted_location
from core.models import Heartbeat

BROKER_TIMEOUT_SECONDS = 1.0
WORKER_HEARTBEAT = "worker"
# The worker records a heartbeat every minute (CELERY_BEAT_SCHEDULE "heartbeat"); three missed
# beats in a row mean beat, the broker or every worker is down.
HEARTBEAT_STALE_AFTER_SECONDS = 180


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    required: bool
    ms: int
    detail: str = ""

    def public(self) -> dict:
        return {"ok": self.ok, "required": self.required, "ms": self.ms}


def _timed(name: str, required: bool, probe) -> CheckResult:
    """Run ``probe()`` (returns a detail string, raises on failure) as one check."""
    started = time.monotonic()
    try:
        detail = probe() or ""
        ok = True
    except Exception as exc:  # a readiness check reports every failure, never raises
        detail = f"{type(exc).__name__}: {exc}"[:300]
        ok = False
    return CheckResult(name, ok, required, round((time.monotonic() - started) * 1000), detail)


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connections["default"].vendor


_migrations_applied = False


def check_migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return "applied"
    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        raise RuntimeError(f"{len(plan)} unapplied migration(s): {names}")
    _migrations_applied = True
    return "applied"


def check_broker() -> str:
    url = str(settings.CELERY_BROKER_URL or "")
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    if url.startswith("memory://"):
        return "in-memory broker"
    if url.startswith("filesystem://"):
        folder = options.get("data_folder_in")
        if not folder:
            raise RuntimeError("the folder broker has no data_folder_in")
        _assert_writable(Path(folder))
        return "folder broker writable"
    from kombu import Connection

    transport_options = {
        **options,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "max_retries": 0,
    }
    with Connection(
        url, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=transport_options
    ) as conn:
        # max_retries=0: one try. A dead broker costs a refused connection or one time-out.
        conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS * 2)
    return "connected"


def check_storage() -> str:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from core.storage import is_local

    if is_local(default_storage):
        _assert_writable(Path(settings.MEDIA_ROOT))
        return "writable"
    # The bucket every host shares: written and removed as an upload would be.
    name = default_storage.save(
        f".readyz/{socket.gethostname()}-{os.getpid()}", ContentFile(b"ok", name="readyz")
    )
    default_storage.delete(name)
    return "bucket writable"


def check_cache() -> str:
    cache = caches["default"]
    where = redacted_location(cache)
    if hasattr(cache, "ping"):
        cache.ping()
        return where
    # Another backend: a round trip through it.
    key = f"kcity:readyz:{socket.gethostname()}:{os.getpid()}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("a value written could not be read back")
    cache.delete(key)
    return where


def _assert_writable(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-", delete=True) as handle:
        handle.write(b"ok")
        handle.flush()


def run_checks() -> list[CheckResult]:
    """Every readiness check, in order. The migrations are not asked when the database is
    down (they would only repeat its error)."""
    results = [_timed("database", True, check_database)]
    if results[0].ok:
        results.append(_timed("migrations", True, check_migrations))
    else:
        results.append(CheckResult("migrations", False, True, 0, "database unreachable"))
    results += [
        _timed("broker", True, check_broker),
        _timed("storage", True, check_storage),
        _timed("cache", False, check_cache),
    ]
    return results


def is_ready(results: list[CheckResult]) -> bool:
    return all(result.ok for result in results if result.required)


def readiness_report(results: list[CheckResult]) -> dict:
    """The JSON body of ``/readyz``: no detail, which may name hosts or paths."""
    return {
        "status": "ok" if is_ready(results) else "unavailable",
        "checks": {result.name: result.public() for result in results},
    }


# --- Heartbeats -----------------------------------------------------------------------------


def record_heartbeat(*, name: str, detail: dict | None = None) -> Heartbeat:
    """Say that ``name`` is alive now: one row per name, overwritten (no history, no audit:
    a liveness signal, written every minute, is not a change to the programme's data)."""
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "detail": detail or {}}
    )
    return heartbeat
