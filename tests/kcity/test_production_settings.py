"""The production settings (kcity/settings/production.py): HTTPS on by default, so the deploy
checks pass with nothing but the required variables set.

Each case runs a fresh interpreter: the settings module is read once per process, and the
suite's own process runs the test settings.
"""

import json
import os
import subprocess
import sys
import textwrap

from django.conf import settings

HOST = "portal.example.go.kr"


def _production_env(tmp_path, **overrides) -> dict[str, str]:
    """The environment of a production process: the required variables and nothing else from
    the suite's own environment, which holds test-only switches (DJANGO_ALLOW_ASYNC_UNSAFE,
    set by the browser tests, fails the deploy check)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "kcity.settings.production",
        # A key as long and varied as the deploy check asks; not used for anything else.
        "DJANGO_SECRET_KEY": "prod-check-" + "k7Qz!x9Lm#2vR$8wPa&4tYc*6uJn%3dHb" * 2,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6399/0",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "KCITY_SITE_URL": f"https://{HOST}",
        "DJANGO_DEBUG": "false",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "",
    }
    env.update(overrides)
    return env


def _run(tmp_path, code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=settings.BASE_DIR,
        env=_production_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=240,
    )


def _settings(tmp_path, *names: str, **env) -> dict:
    result = _run(
        tmp_path,
        f"""
        import json, django
        from django.conf import settings
        django.setup()
        print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}))
        """,
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_check_passes_with_only_the_required_variables(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_settings_are_on_by_default(tmp_path):
    values = _settings(
        tmp_path,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        # No proxy configured: no client-supplied header is trusted.
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_https_settings_read_from_the_environment(tmp_path):
    values = _settings(
        tmp_path,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_SECURE_HSTS_PRELOAD="false",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://admin.example.go.kr",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://admin.example.go.kr"],
    }


def test_plain_http_csrf_trusted_origin_is_refused(tmp_path):
    result = _run(
        tmp_path,
        "import django; django.setup()",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://ok.example.go.kr,http://portal.example.go.kr",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "http://portal.example.go.kr" in result.stderr


def test_plain_http_is_redirected_but_healthz_answers_for_the_container_check(tmp_path):
    result = _run(
        tmp_path,
        f"""
        import json, django
        django.setup()
        from django.test import Client
        client = Client(HTTP_HOST={HOST!r})
        health = client.get("/healthz")
        page = client.get("/accounts/login/?next=/applications/")
        proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
        spoofed = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="evil")
        print(json.dumps({{
            "health": health.status_code,
            "health_hsts": health.get("Strict-Transport-Security"),
            "page": page.status_code,
            "page_location": page.get("Location"),
            "proxied_hsts": proxied.get("Strict-Transport-Security"),
            "spoofed": spoofed.status_code,
        }}))
        """,
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers == {
        "health": 200,
        # Plain HTTP inside the network: no HSTS (browsers ignore it over HTTP anyway).
        "health_hsts": None,
        "page": 301,
        "page_location": f"https://{HOST}/accounts/login/?next=/applications/",
        "proxied_hsts": "max-age=31536000; includeSubDomains; preload",
        "spoofed": 301,
    }


def test_the_broker_keys_carry_the_prefix_from_the_environment(tmp_path):
    """Two portals (or test runs) on one Redis database keep their tasks apart when each has its
    own CELERY_BROKER_KEY_PREFIX; without it the keys are kombu's own names."""
    options = _settings(tmp_path, "CELERY_BROKER_TRANSPORT_OPTIONS")[
        "CELERY_BROKER_TRANSPORT_OPTIONS"
    ]
    assert options["global_keyprefix"] == ""
    assert options["visibility_timeout"] == 900
    options = _settings(
        tmp_path, "CELERY_BROKER_TRANSPORT_OPTIONS", CELERY_BROKER_KEY_PREFIX="portal-b:"
    )["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options["global_keyprefix"] == "portal-b:"
