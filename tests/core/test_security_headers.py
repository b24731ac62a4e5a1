"""The Content-Security-Policy and the Permissions-Policy (core.middleware) on the portal's
pages, the back office and the API docs, and that each page's own markup runs under its policy:
no inline script, no style attribute, and every inline <style> block allowed by its hash."""

import base64
import contextlib
import hashlib
import re
from pathlib import Path

import django
import drf_spectacular
import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from core.middleware import (
    ADMIN_CHANGELIST_STYLE,
    SWAGGER_UI_STYLE,
    ContentSecurityPolicyMiddleware,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRICT = ContentSecurityPolicyMiddleware.POLICY


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _style_blocks(html: str) -> list[str]:
    return re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)


def assert_runs_under_its_policy(response) -> None:
    """The page's own markup needs nothing its policy refuses."""
    html = response.content.decode()
    policy = _directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    inline_scripts = [
        attrs
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        if "src=" not in attrs and "application/json" not in attrs and body.strip()
    ]
    assert inline_scripts == []
    assert re.findall(r"<[^>]+\sstyle=", html) == []
    assert re.findall(r"\son[a-z]+=", html) == []
    for block in _style_blocks(html):
        assert _hash(block) in policy["style-src"]


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@molit.go.kr", is_staff=True, is_superuser=True)


def test_page_has_strict_policy_and_permissions_policy(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT
    policy = _directives(STRICT)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    features = dict(part.strip().split("=") for part in response["Permissions-Policy"].split(","))
    assert features["camera"] == "()"
    assert features["microphone"] == "()"
    assert features["geolocation"] == "()"
    assert features["payment"] == "()"
    assert_runs_under_its_policy(response)


def test_json_and_error_responses_have_both_headers(client):
    for url, status in ((reverse("api:country-list"), 200), ("/no-such-page/", 404)):
        response = client.get(url)
        assert response.status_code == status
        assert response["Content-Security-Policy"] == STRICT
        assert "camera=()" in response["Permissions-Policy"]


def test_admin_login_has_strict_policy_with_the_changelist_style_hash(client, superuser):
    # The back office's log-in (a page, or the way to the portal's log-in), then its home page.
    login = client.get("/admin/login/")
    client.force_login(superuser)
    home = client.get("/admin/")
    assert home.status_code == 200
    for response in (login, home):
        policy = _directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'", ADMIN_CHANGELIST_STYLE]
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "camera=()" in response["Permissions-Policy"]
        if response.status_code == 200:
            assert_runs_under_its_policy(response)


def test_admin_changelist_style_hash_is_djangos_block():
    """The one inline <style> of the admin (a change list without actions) is the hashed one."""
    template = Path(django.__file__).parent / "contrib/admin/templates/admin/change_list.html"
    blocks = _style_blocks(template.read_text())
    assert [_hash(block) for block in blocks] == [ADMIN_CHANGELIST_STYLE]


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        for view in ("changelist", "add"):
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}"))
    return urls


def test_every_back_office_list_and_form_runs_under_the_admin_policy(client, superuser):
    client.force_login(superuser)
    checked = 0
    for url in _admin_urls():
        response = client.get(url)
        if response.status_code == 403:  # a model nobody adds (the audit trail, scores, ...)
            continue
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"].startswith("default-src 'self'"), url
        assert_runs_under_its_policy(response)
        checked += 1
    assert checked > 30


def test_api_docs_run_under_a_strict_policy_with_swagger_style_hash(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", SWAGGER_UI_STYLE]
    assert policy["connect-src"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
    html = response.content.decode()
    assert _style_blocks(html), "Swagger UI's page has its inline <style> block"
    assert_runs_under_its_policy(response)
    # The start-up script is a file of its own, served by the same view.
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert reverse("api-schema") in script.content.decode()


def test_swagger_style_hash_is_drf_spectacular_block():
    template = Path(drf_spectacular.__file__).parent / "templates/drf_spectacular/swagger_ui.html"
    assert [_hash(block) for block in _style_blocks(template.read_text())] == [SWAGGER_UI_STYLE]


def test_a_view_that_sets_its_own_policy_keeps_it(rf):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'none'"
        response["Permissions-Policy"] = "camera=(self)"
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Permissions-Policy"] == "camera=(self)"
