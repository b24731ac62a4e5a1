"""Sign-in as an outside checker tries it: the lock-out holds while Redis is down, and an
account that is deactivated or loses its staff role loses access at once, on the pages, the API
and the back office, whatever session or token it still holds."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts import roles, services
from accounts.token_services import create_api_token
from tests.test_redis_outage import private_redis, redis_cache  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "correct-horse-battery"


def _token_client(user) -> APIClient:
    _token, key = create_api_token(user=user, name="integration", scope="read_write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- Redis down ---------------------------------------------------------------------------------


def test_lockout_holds_and_login_works_while_redis_is_down(
    client,
    redis_cache,  # noqa: F811 - the fixture imported above
    applicant,
    other_applicant,
    settings,
):
    """docs/reliability.md: log-in attempts are counted in the database, so a cache outage
    neither stops people logging in nor opens the lock-out (it fails closed)."""
    settings.AXES_FAILURE_LIMIT = 3
    redis_cache.stop()
    for _ in range(3):
        client.post(LOGIN, {"username": applicant.email, "password": "wrong"})
    refused = client.post(LOGIN, {"username": applicant.email, "password": RIGHT})
    assert refused.status_code == 429
    assert "Too many failed log-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another person, from another address, still logs in.
    other = Client(REMOTE_ADDR="198.51.100.9")
    response = other.post(LOGIN, {"username": other_applicant.email, "password": RIGHT})
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(other_applicant.pk)


# --- A deactivated account ------------------------------------------------------------------------


def test_deactivated_staff_loses_pages_api_and_back_office_at_once(kind_staff, programme_admin):
    browser = Client()
    browser.force_login(kind_staff)
    api = _token_client(kind_staff)
    assert browser.get("/staff/").status_code == 200
    assert api.get("/api/v1/me/").status_code == 200

    services.set_user_active(user=kind_staff, active=False, actor=programme_admin)

    assert browser.get("/staff/").status_code == 302
    assert browser.get("/admin/").status_code == 302
    assert browser.get("/api/v1/me/").status_code in (401, 403)
    assert api.get("/api/v1/me/").status_code == 401
    # Nor can it log in again.
    response = Client().post(LOGIN, {"username": kind_staff.email, "password": RIGHT})
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


# --- A staff role taken away ------------------------------------------------------------------------


def test_staff_role_removed_while_logged_in_loses_access_at_once(
    kind_staff, planning_track, role_groups
):
    from tests.factories import UserFactory

    superuser = UserFactory(email="root@molit.go.kr", is_superuser=True, is_staff=True)
    browser = Client()
    browser.force_login(kind_staff)
    api = _token_client(kind_staff)
    track_url = f"/api/v1/tracks/{planning_track.pk}/"
    assert browser.get("/staff/").status_code == 200
    assert browser.get("/admin/").status_code == 200
    assert "review_deadline" in api.get(track_url).json()

    services.set_user_roles(user=kind_staff, actor=superuser, groups=[], is_staff=False)

    assert browser.get("/staff/").status_code in (302, 403)
    assert browser.get("/admin/").status_code == 302
    for client in (browser, api):
        me = client.get("/api/v1/me/")
        assert me.status_code == 200
        assert roles.SECRETARIAT_STAFF not in me.json()["roles"]
        # The track's staff-only fields are no longer shown.
        track = client.get(track_url).json()
        assert "review_deadline" not in track
