"""Personal API tokens at the door: the scope (a read token only reads), the expiry, the last
use written at most once a minute, and the token endpoints' scope and expiry fields."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.token_services import create_api_token

from .conftest import results, session_client_for

pytestmark = pytest.mark.django_db

READ = ApiToken.Scope.READ
READ_WRITE = ApiToken.Scope.READ_WRITE


def _with(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


# Scope ---------------------------------------------------------------------------------------


def test_read_token_reads(api_client, applicant):
    _token, key = create_api_token(user=applicant, name="dashboard", scope=READ)
    response = _with(api_client, key).get(reverse("api:me"))
    assert response.status_code == 200
    assert response.json()["email"] == applicant.email
    assert _with(api_client, key).head(reverse("api:me")).status_code == 200
    assert _with(api_client, key).options(reverse("api:token-list")).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_token_is_refused_any_write(api_client, applicant, method):
    _token, key = create_api_token(user=applicant, name="dashboard", scope=READ)
    response = getattr(_with(api_client, key), method)(
        reverse("api:token-list"), {"name": "minted by a read token"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This token is read-only; create a read-and-write token to make changes.",
        "code": "read_only_token",
        "errors": {},
    }
    assert ApiToken.objects.filter(user=applicant).count() == 1


def test_read_token_cannot_revoke_a_token(api_client, applicant):
    other, _other_key = create_api_token(user=applicant, name="ci", scope=READ_WRITE)
    _token, key = create_api_token(user=applicant, name="dashboard", scope=READ)
    response = _with(api_client, key).post(
        reverse("api:token-revoke", kwargs={"id": other.public_id})
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.revoked_at is None


def test_read_write_token_writes(api_client, applicant):
    _token, key = create_api_token(user=applicant, name="ci", scope=READ_WRITE)
    other, _other_key = create_api_token(user=applicant, name="dashboard")
    response = _with(api_client, key).post(
        reverse("api:token-revoke", kwargs={"id": other.public_id})
    )
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.revoked_at is not None


def test_no_token_mints_another_token(api_client, applicant):
    _token, key = create_api_token(user=applicant, name="ci", scope=READ_WRITE)
    response = _with(api_client, key).post(
        reverse("api:token-list"), {"name": "successor"}, format="json"
    )
    assert response.status_code == 403
    assert "signed-in session" in response.json()["detail"]
    assert list(ApiToken.objects.filter(user=applicant).values_list("name", flat=True)) == ["ci"]


# Expiry ---------------------------------------------------------------------------------------


def test_expired_token_is_refused(api_client, applicant):
    token, key = create_api_token(user=applicant, name="old", scope=READ_WRITE)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    response = _with(api_client, key).get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired."
    assert response.json()["code"] == "token_expired"


def test_token_works_until_it_expires(api_client, applicant):
    token, key = create_api_token(user=applicant, name="short", scope=READ)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert _with(api_client, key).get(reverse("api:me")).status_code == 200


# Last use -------------------------------------------------------------------------------------


def test_last_use_is_written_once_a_minute(api_client, applicant):
    token, key = create_api_token(user=applicant, name="busy", scope=READ)
    client = _with(api_client, key)
    client.get(reverse("api:me"))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    # Within the minute: the token is read, nothing is written.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("api:me")).status_code == 200
    assert [q["sql"] for q in queries if not q["sql"].startswith("SELECT")] == []
    token.refresh_from_db()
    assert token.last_used_at == first
    # A minute later: written again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get(reverse("api:me"))
    token.refresh_from_db()
    assert token.last_used_at > first - datetime.timedelta(seconds=1)


# The token endpoints -------------------------------------------------------------------------


def test_token_list_shows_scope_expiry_and_last_use(api_client, applicant):
    token, key = create_api_token(user=applicant, name="dashboard", scope=READ)
    rows = results(_with(api_client, key).get(reverse("api:token-list")))
    token.refresh_from_db()
    [row] = rows
    for field in ("created_at", "expires_at", "last_used_at"):
        row[field] = datetime.datetime.fromisoformat(row[field])
    assert row == {
        "id": str(token.public_id),
        "name": "dashboard",
        "scope": "read",
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": None,
        "is_active": True,
    }


def test_token_create_defaults_to_read_only_for_ninety_days(applicant):

    before = timezone.now()
    response = session_client_for(applicant).post(
        reverse("api:token-list"), {"name": "dashboard"}, format="json"
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(public_id=response.json()["id"])
    assert token.scope == READ
    lifetime = token.expires_at - before
    assert datetime.timedelta(days=90) <= lifetime < datetime.timedelta(days=90, minutes=1)


def test_token_create_with_scope_and_expiry(applicant):

    expires_at = timezone.now() + datetime.timedelta(days=30)
    response = session_client_for(applicant).post(
        reverse("api:token-list"),
        {"name": "uploads", "scope": "read_write", "expires_at": expires_at.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["scope"] == "read_write"
    token = ApiToken.objects.get(public_id=body["id"])
    assert token.expires_at == expires_at
    assert token.scope == READ_WRITE


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"scope": "admin"}, "scope", '"admin" is not a valid choice.'),
        (
            {"expires_at": "2020-01-01T00:00:00Z"},
            "expires_at",
            "The expiry date must be in the future.",
        ),
        (
            {"expires_at": "2999-01-01T00:00:00Z"},
            "expires_at",
            "A token can be valid for one year at most.",
        ),
    ],
)
def test_token_create_bad_scope_or_expiry_is_400(applicant, body, field, message):

    response = session_client_for(applicant).post(
        reverse("api:token-list"), {"name": "x", **body}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}
    assert ApiToken.objects.filter(user=applicant, name="x").count() == 0
