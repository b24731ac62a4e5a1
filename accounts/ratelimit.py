"""Cache-based rate limits for password-reset and verification e-mails, per address and account.

Log-in attempts are not counted here: django-axes locks out every log-in door (see
``accounts.lockout``).

A rate is written like ``10/10m`` (ten attempts per ten minutes), ``5/h`` or ``100/d``. Counters
live in the default cache in fixed windows; a limited attempt is refused before any password is
checked, so a guesser learns nothing from a limited request. Callers count the client by
``accounts.client_ip.client_ip`` (a proxy's forwarded address only from trusted proxies).

When the shared cache (Redis) is down these limits **stay closed** and never answer 500: the
counters move to a cache local to the process (``core.cache``; ``ResilientRedisCache`` does it
by itself, and ``_counted`` here catches the error of any other backend). Each web process then
counts on its own, so during an outage an address may get up to one limit per process (three
gunicorn workers: 15 reset e-mails an hour instead of 5) and a restarted process starts from
zero. That still bounds the e-mails sent, which is what these limits are for, without a
counter table written on every request; password guessing is stopped by the database lock-out
either way. See docs/reliability.md, "Redis down".
"""

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache

from core.cache import CACHE_ERRORS, local_fallback_cache

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds


def parse_rate(rate: str) -> Rate:
    """``"10/10m"`` → Rate(10, 600). Raises ValueError on a malformed rate."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate or "")
    if not match:
        raise ValueError(f"Malformed rate {rate!r}; use e.g. 10/10m or 5/h.")
    count, multiplier, unit = match.groups()
    return Rate(limit=int(count), window=int(multiplier or 1) * _UNITS[unit])


def _key(scope: str, ident: str, rate: Rate) -> tuple[str, int]:
    window_start = int(time.time()) // rate.window * rate.window
    digest = hashlib.sha256(ident.lower().encode()).hexdigest()[:32]
    return f"kcity:rl:{scope}:{digest}:{window_start}", window_start


def _counted(operation):
    """Run ``operation(store)`` on the shared cache, or on the process-local one when the
    shared cache raises: the limit stays closed instead of failing the request."""
    try:
        return operation(cache)
    except CACHE_ERRORS:
        logger.warning("Rate-limit counters on the local fallback: the cache is unavailable.")
        return operation(local_fallback_cache())


def is_limited(scope: str, idents: list[str], rate_text: str) -> int:
    """Seconds to wait if any of ``idents`` has used up ``rate`` in this window, else 0."""
    rate = parse_rate(rate_text)
    wait = 0
    for ident in filter(None, idents):
        key, start = _key(scope, ident, rate)
        if (_counted(lambda store, key=key: store.get(key)) or 0) >= rate.limit:
            wait = max(wait, start + rate.window - int(time.time()))
    return max(wait, 0) if wait else 0


def _count_one(store, key: str, window: int) -> None:
    if store.add(key, 1, timeout=window + 1):
        return
    try:
        store.incr(key)
    except ValueError:  # expired between add and incr
        store.set(key, 1, timeout=window + 1)


def hit(scope: str, idents: list[str], rate_text: str) -> None:
    """Count one attempt for each of ``idents``."""
    rate = parse_rate(rate_text)
    for ident in filter(None, idents):
        key, _start = _key(scope, ident, rate)
        _counted(lambda store, key=key: _count_one(store, key, rate.window))


def minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
