"""With the database out of reach, the portal says so: 503 with ``Retry-After``, never a 500.

A database that cannot be used (the server stopped, a connection refused or dropped, a
statement cancelled) is not a fault of the code: proxies, monitors and API clients read 503 as
"try again", and the reader gets a page that says the portal is unavailable for a moment, in
both languages, rendered without the database. Any other exception is still a 500
(``tests/api/test_conformance.py``). ``core.api.views.server_error`` decides, for a failure in
a view or in a middleware alike.

The PostgreSQL test stops nothing: it points this test's connection at a port where no server
listens, which is what every request of a web worker meets while the server is down.
"""

import contextlib
import socket
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.api.views import DATABASE_RETRY_AFTER_SECONDS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_unavailable_page(response) -> str:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Service unavailable for a moment" in body
    assert "서비스 일시 중단" in body
    assert "Server error" not in body
    return body


def assert_unavailable_json(response, language: str) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert set(body) == {"detail", "code", "errors"}
    with translation.override(language):
        expected = translation.gettext(
            "The service is unavailable for a moment; please try again in a minute."
        )
    assert body["detail"] == expected
    if language == "ko":
        assert body["detail"].isascii() is False


@pytest.mark.django_db
def test_a_view_that_cannot_use_the_database_answers_503_in_the_readers_language():
    client = Client(raise_request_exception=False)
    with mock.patch(
        "projects.api.CallViewSet.list", side_effect=OperationalError("connection refused")
    ):
        assert_unavailable_json(client.get(reverse("api:call-list")), "en")
        assert_unavailable_json(
            client.get(reverse("api:call-list"), HTTP_ACCEPT_LANGUAGE="ko"), "ko"
        )


@pytest.mark.django_db
def test_a_middleware_that_cannot_use_the_database_answers_the_503_page():
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load",
        side_effect=InterfaceError("connection already closed"),
    ):
        # The session is read by a middleware, before any view runs.
        assert_unavailable_page(client.get(reverse("projects:call_list")))


@pytest.mark.django_db
def test_any_other_error_is_still_a_500():
    client = Client(raise_request_exception=False)
    with mock.patch("projects.api.CallViewSet.list", side_effect=ValueError("boom")):
        response = client.get(reverse("api:call-list"))
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json()["code"] == "server_error"


@contextlib.contextmanager
def database_out_of_reach():
    """This test's connection pointed at a port with no server, as when PostgreSQL is down;
    put back afterwards."""
    settings_dict = connection.settings_dict
    port = settings_dict["PORT"]
    connection.close()
    settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.close()
        settings_dict["PORT"] = port


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: set DATABASE_URL=postgres://… (CI does) to run it",
)
@pytest.mark.django_db(transaction=True)
def test_postgresql_out_of_reach_every_door_answers_503_and_the_portal_recovers(applicant):
    client = Client(raise_request_exception=False)
    client.force_login(applicant)  # a session and a user to read: a middleware fails first
    pages = [reverse("projects:call_list"), reverse("applications:dashboard")]
    with database_out_of_reach():
        for path in pages:
            assert_unavailable_page(client.get(path))
            assert_unavailable_page(client.get(path, HTTP_ACCEPT_LANGUAGE="ko"))
        assert_unavailable_json(client.get(reverse("api:call-list")), "en")
        assert_unavailable_json(
            client.get(reverse("api:call-list"), HTTP_ACCEPT_LANGUAGE="ko"), "ko"
        )
        # A form sent while the server is down: the same answer, nothing half-done.
        assert_unavailable_page(
            Client(raise_request_exception=False).post(
                reverse("accounts:login"), {"username": applicant.email, "password": "x"}
            )
        )
        # The probes (anonymous, as a load balancer asks): alive, but not ready for traffic.
        probe = Client(raise_request_exception=False)
        assert probe.get(reverse("healthz")).status_code == 200
        assert probe.get(reverse("readyz")).status_code == 503
    for path in pages:
        assert client.get(path).status_code == 200
    assert client.get(reverse("api:call-list")).status_code == 200
