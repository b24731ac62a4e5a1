"""Every e-mail's links (password reset, invitations, e-mail verification) start with
``SITE_URL``. In production it must be given, and over HTTPS while the cookies are: the
default (``http://127.0.0.1:8000``) sent every user a link to the server's own loopback
address, and a plain-HTTP link carries its one-time token in clear before any redirect."""

from tests.kcity.test_production_settings import HOST, _run, _settings


def test_production_refuses_to_start_without_a_site_url(tmp_path):
    result = _run(tmp_path, "import django; django.setup()", KCITY_SITE_URL="")
    assert result.returncode != 0
    assert "KCITY_SITE_URL" in result.stderr


def test_production_refuses_a_plain_http_site_url_with_secure_cookies(tmp_path):
    result = _run(tmp_path, "import django; django.setup()", KCITY_SITE_URL=f"http://{HOST}")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"http://{HOST}" in result.stderr


def test_production_takes_the_https_site_url(tmp_path):
    assert _settings(tmp_path, "SITE_URL", KCITY_SITE_URL=f"https://{HOST}") == {
        "SITE_URL": f"https://{HOST}"
    }


def test_plain_http_site_url_is_allowed_where_https_is_switched_off(tmp_path):
    """A bench or a closed test network without TLS (bench/chaos.py) says so with the cookie
    switch, and may then link over plain HTTP."""
    found = _settings(
        tmp_path,
        "SITE_URL",
        KCITY_SITE_URL="http://127.0.0.1:8000",
        DJANGO_SESSION_COOKIE_SECURE="false",
    )
    assert found == {"SITE_URL": "http://127.0.0.1:8000"}
