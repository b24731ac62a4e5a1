"""The error pages: site header, a way on, and the reader's language — never a bare status."""

from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error


def test_403_keeps_the_site_and_names_the_account(client, applicant):
    client.force_login(applicant)
    response = client.get("/staff/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Access denied" in body
    assert applicant.email in body
    assert 'class="site-header"' in body
    assert reverse("applications:dashboard") in body


def test_403_in_korean(client, applicant):
    client.force_login(applicant)
    client.cookies["django_language"] = "ko"
    response = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 403
    body = response.content.decode()
    with translation.override("ko"):
        assert translation.gettext("Access denied") != "Access denied"
        assert translation.gettext("Access denied") in body
    assert "Access denied" not in body


def test_404_offers_the_way_on(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert reverse("projects:call_list") in body
    assert 'class="site-header"' in body


def test_csrf_failure_explains_and_keeps_the_site(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form has expired" in body
    assert 'class="site-header"' in body


def test_500_page_stands_alone_in_both_languages(db):
    request = RequestFactory().get("/")
    response = server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Server error" in body
    assert "서버 오류" in body
    # No database or session needed: the page must render when those are what failed.
    assert "csrfmiddlewaretoken" not in body


def test_csrf_failure_page_knows_the_visitor_and_its_forms_carry_a_token(db, applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    response = client.post(reverse("accounts:profile"), {"name": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form has expired" in body
    # The logged-in menu, and the language switch can be used from this very page.
    assert "Log out" in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_400_page_is_rendered_with_the_request(rf, applicant):
    from django.core.exceptions import SuspiciousOperation
    from django.views.defaults import bad_request

    request = rf.get("/")
    request.user = applicant
    response = bad_request(request, SuspiciousOperation("bad"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bad request" in body and "Log out" in body


def test_405_is_a_page_with_the_site_and_the_allowed_method(client, applicant):
    """A link or bookmark to a form's address (``require_POST``) gets a page in the reader's
    language, not an empty 405; the Allow header stays, and the API keeps its JSON."""
    client.force_login(applicant)
    response = client.get(reverse("notifications:read_all"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert "This page cannot be opened this way" in body
    assert 'class="site-header"' in body
    assert reverse("home") in body
    client.cookies["django_language"] = "ko"
    korean = client.get(reverse("notifications:read_all")).content.decode()
    with translation.override("ko"):
        assert translation.gettext("This page cannot be opened this way") in korean
    api = client.delete("/api/v1/me/")
    assert api.status_code == 405
    assert api.json()["code"] == "method_not_allowed"
