"""Production: PostgreSQL and Redis, everything read from the environment; no defaults for secrets.

HTTPS is on by default (HSTS, redirect, secure cookies): ``manage.py check --deploy --fail-level
WARNING`` passes with only the required variables set (``tests/test_production_settings.py``).
Each switch can be turned off from the environment, for a deployment that needs it.
"""

from django.core.exceptions import ImproperlyConfigured

from core.cache import cache_config
from kcity.settings.base import *  # noqa: F403
from kcity.settings.base import CSRF_TRUSTED_ORIGINS, env

DEBUG = False
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# Persistent connections are pinged before reuse: a PostgreSQL restart costs a reconnect, not a
# 500 on the first request of every gunicorn worker (tests/test_postgres_restart.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CELERY_BROKER_URL = env("REDIS_URL")
CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_BROKER_TRANSPORT_OPTIONS)  # noqa: F405 (base.py)
# Redis through core.cache.ResilientRedisCache (short time-outs, circuit breaker, local
# fallback): a Redis outage costs the cache, not the site (docs/reliability.md).
CACHES = {"default": cache_config(env("CACHE_URL", default=env("REDIS_URL")))}
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)

# --- HTTPS ------------------------------------------------------------------------------------
# TLS ends at the proxy in front of gunicorn (deploy/Caddyfile). Django learns that a request
# came over HTTPS only from the header that proxy sets, and only when told which header it is:
# trusting X-Forwarded-Proto without a proxy that overwrites it would let any client claim HTTPS.
# Caddy discards the client's X-Forwarded-Proto and sets its own.
_proxy_ssl_header = env("DJANGO_SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The container health checks (docker-compose.yml) ask /healthz and /readyz over plain HTTP
# inside the compose network, where there is no TLS to redirect to.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# One year. Browsers then refuse plain HTTP to this host (and its subdomains) for that long.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=True)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The address every e-mail's links start with (password reset, invitations, verification):
# required, since base.py's default is the loopback address no recipient can reach, and over
# HTTPS while the cookies are, since a plain-HTTP link carries its one-time token in clear.
SITE_URL = env("KCITY_SITE_URL", default="").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured("Set KCITY_SITE_URL to the portal's public address (https://...).")
if SESSION_COOKIE_SECURE and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(f"KCITY_SITE_URL must be an https:// address, not {SITE_URL}.")
# Other origins allowed to post forms here (the site's own origin needs no entry). Plain-HTTP
# origins would let a network attacker's page pass the CSRF origin check.
if insecure := [origin for origin in CSRF_TRUSTED_ORIGINS if not origin.startswith("https://")]:
    raise ImproperlyConfigured(
        f"DJANGO_CSRF_TRUSTED_ORIGINS must list https:// origins only, not {', '.join(insecure)}."
    )
