"""The profile page for personal API tokens (/accounts/tokens/)."""

import pytest
from django.urls import reverse

from accounts.api_auth import hash_token_key
from accounts.models import ApiToken, AuditEvent
from accounts.token_services import create_api_token

pytestmark = pytest.mark.django_db


def test_token_page_requires_login(client):
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_token_page_lists_own_tokens_only(client, applicant, other_applicant):
    create_api_token(user=applicant, name="Mine")
    create_api_token(user=other_applicant, name="Theirs")
    client.force_login(applicant)
    response = client.get(reverse("accounts:tokens"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mine" in content
    assert "Theirs" not in content
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_token_create_shows_key_once(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("accounts:tokens"), {"name": "Dashboard"})
    assert response.status_code == 200
    key = response.context["new_key"]
    token = ApiToken.objects.get(user=applicant)
    assert token.key_hash == hash_token_key(key)
    assert key in response.content.decode()
    assert AuditEvent.objects.filter(action="created", object_id=str(token.pk)).count() == 1
    again = client.get(reverse("accounts:tokens"))
    assert key not in again.content.decode()


def test_token_create_blank_name_shows_error(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("accounts:tokens"), {"name": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert ApiToken.objects.count() == 0


def test_token_revoke_own_token(client, applicant):
    token, _key = create_api_token(user=applicant, name="Old")
    client.force_login(applicant)
    response = client.post(reverse("accounts:token_revoke", args=[token.public_id]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_revoke_other_users_token_is_404(client, applicant, other_applicant):
    theirs, _key = create_api_token(user=other_applicant, name="Theirs")
    client.force_login(applicant)
    response = client.post(reverse("accounts:token_revoke", args=[theirs.public_id]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_token_revoke_needs_post(client, applicant):
    token, _key = create_api_token(user=applicant, name="Old")
    client.force_login(applicant)
    response = client.get(reverse("accounts:token_revoke", args=[token.public_id]))
    assert response.status_code == 405


def test_token_page_query_count_does_not_grow(client, applicant, django_assert_max_num_queries):
    create_api_token(user=applicant, name="t0")
    client.force_login(applicant)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("accounts:tokens"))
    for i in range(1, 9):
        create_api_token(user=applicant, name=f"t{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("accounts:tokens"))
    assert response.content.decode().count("…</code>") == 9
