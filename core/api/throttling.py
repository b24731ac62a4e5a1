"""The API's throttles, which fail open for reads when the shared cache is unavailable.

DRF's throttles keep each client's request history in the default cache. They exist for
fairness (one client must not starve the others), not to guard a secret: log-in attempts are
limited by django-axes in the database and the e-mail limits by ``accounts.ratelimit``. So when
the cache cannot be reached:

* a **read** (GET, HEAD, OPTIONS) is let through uncounted: refusing or failing every read
  because Redis is down would turn a cache outage into an API outage;
* a **write** is still counted, in the process-local fallback (``core.cache``), so a client
  cannot flood the write endpoints during the outage. With ``core.cache.ResilientRedisCache``
  the cache does that by itself; with any other backend the error is caught here.
"""

import logging

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.cache import CACHE_ERRORS, is_degraded, local_fallback_cache

logger = logging.getLogger(__name__)


class FailOpenForReadsMixin:
    """Mixed into a ``SimpleRateThrottle``; see the module docstring."""

    def allow_request(self, request, view):
        read = request.method in SAFE_METHODS
        if read and is_degraded(self.cache):
            return True
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            logger.warning("API throttle without its cache (%s): %s", type(exc).__name__, exc)
            if read:
                return True
            # This request's own instance (DRF builds one per request): count it locally.
            self.cache = local_fallback_cache("kcity-throttle-fallback")
            return super().allow_request(request, view)


class PortalAnonRateThrottle(FailOpenForReadsMixin, AnonRateThrottle):
    """Per client address, scope ``anon``."""


class PortalUserRateThrottle(FailOpenForReadsMixin, UserRateThrottle):
    """Per user, scope ``user``."""
