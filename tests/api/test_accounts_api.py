"""The user's own endpoints (/me/, /tokens/), token authentication and the error shape."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.token_services import create_api_token, revoke_api_token

from .conftest import client_for, results, session_client_for

pytestmark = pytest.mark.django_db


def test_me_with_token_shows_roles_and_organisations(applicant):
    response = client_for(applicant).get(reverse("api:me"))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "officer@klang.gov.my"
    assert body["roles"] == ["applicant"]
    assert [o["name"] for o in body["organizations"]] == ["Klang Municipal Council"]


def test_me_anonymous_is_refused(api_client):
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_me_with_session_login(api_client, applicant):
    api_client.force_login(applicant)
    assert api_client.get(reverse("api:me")).json()["email"] == applicant.email


def test_token_wrong_key_is_401(api_client, applicant):
    create_api_token(user=applicant, name="real")
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid or revoked token.",
        "code": "authentication_failed",
        "errors": {},
    }


def test_token_revoked_no_longer_authenticates(api_client, applicant):
    token, key = create_api_token(user=applicant, name="ci")
    revoke_api_token(token=token, actor=applicant)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api:me")).status_code == 401


def test_token_of_inactive_user_is_refused(api_client, applicant):
    _token, key = create_api_token(user=applicant, name="ci")
    applicant.is_active = False
    applicant.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api:me")).status_code == 401


def test_token_use_records_last_used(api_client, applicant):
    token, key = create_api_token(user=applicant, name="ci")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_client.get(reverse("api:me"))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_create_returns_key_once_and_stores_hash(applicant):
    client = session_client_for(applicant)
    create_api_token(user=applicant, name="tests")
    response = client.post(reverse("api:token-list"), {"name": "dashboard"}, format="json")
    assert response.status_code == 201
    key = response.json()["key"]
    token = ApiToken.objects.get(public_id=response.json()["id"])
    assert token.key_hash != key and key.startswith(token.prefix)
    listed = results(client.get(reverse("api:token-list")))
    assert {row["name"] for row in listed} == {"tests", "dashboard"}
    assert all("key" not in row for row in listed)


def test_token_create_blank_name_is_400(applicant):
    response = session_client_for(applicant).post(
        reverse("api:token-list"), {"name": ""}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "name" in response.json()["errors"]


def test_token_create_over_limit_is_400(applicant):
    client = session_client_for(applicant)
    for i in range(10):
        create_api_token(user=applicant, name=f"t{i}")
    response = client.post(reverse("api:token-list"), {"name": "eleventh"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_tokens"
    assert ApiToken.objects.filter(user=applicant).count() == 10


def test_token_list_shows_only_own_tokens(applicant, other_applicant):
    create_api_token(user=other_applicant, name="theirs")
    listed = results(client_for(applicant).get(reverse("api:token-list")))
    assert [row["name"] for row in listed] == ["tests"]


def test_token_revoke_own(applicant):
    client = client_for(applicant)
    token, _key = create_api_token(user=applicant, name="old")
    response = client.post(reverse("api:token-revoke", kwargs={"id": token.public_id}))
    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_token_revoke_other_users_token_is_404(applicant, other_applicant):
    theirs, _key = create_api_token(user=other_applicant, name="theirs")
    response = client_for(applicant).post(
        reverse("api:token-revoke", kwargs={"id": theirs.public_id})
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_token_list_query_count_does_not_grow(applicant, django_assert_max_num_queries):
    client = client_for(applicant)
    with django_assert_max_num_queries(5) as one:
        assert len(results(client.get(reverse("api:token-list")))) == 1
    for i in range(8):
        create_api_token(user=applicant, name=f"t{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(reverse("api:token-list")))) == 9
