"""The profile page for personal API tokens (/accounts/tokens/)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.api_auth import hash_token_key
from accounts.models import ApiToken, AuditEvent
from accounts.token_services import create_api_token, revoke_api_token

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
    response = client.post(
        reverse("accounts:tokens"), {"name": "Dashboard", "scope": "read", "lifetime_days": "90"}
    )
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


def _row(content: str, name: str) -> str:
    start = content.index(f"<td>{name}</td>")
    return content[start : content.index("</tr>", start)]


def test_token_create_with_access_and_lifetime(client, applicant):
    client.force_login(applicant)
    before = timezone.now()
    response = client.post(
        reverse("accounts:tokens"),
        {"name": "Uploads", "scope": "read_write", "lifetime_days": "30"},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=applicant)
    assert token.scope == ApiToken.Scope.READ_WRITE
    lifetime = token.expires_at - before
    assert datetime.timedelta(days=30) <= lifetime < datetime.timedelta(days=30, minutes=1)


def test_token_form_offers_read_only_and_ninety_days_first(client, applicant):
    client.force_login(applicant)
    content = client.get(reverse("accounts:tokens")).content.decode()
    assert '<option value="read" selected>Read only</option>' in content
    assert '<option value="90" selected>90 days</option>' in content
    assert '<option value="365">365 days</option>' in content


def test_token_create_unknown_lifetime_shows_error_and_keeps_the_name(client, applicant):
    client.force_login(applicant)
    response = client.post(
        reverse("accounts:tokens"),
        {"name": "Forever", "scope": "read", "lifetime_days": "3650"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["lifetime_days"]
    assert 'value="Forever"' in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_token_list_shows_access_expiry_last_use_and_status(client, applicant):
    used, _key = create_api_token(user=applicant, name="Used", scope=ApiToken.Scope.READ_WRITE)
    ApiToken.objects.filter(pk=used.pk).update(
        last_used_at=datetime.datetime(2026, 3, 4, 5, 6, tzinfo=datetime.UTC),
        expires_at=datetime.datetime(2099, 1, 2, 3, 4, tzinfo=datetime.UTC),
    )
    old, _key = create_api_token(user=applicant, name="Old")
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    gone, _key = create_api_token(user=applicant, name="Gone")
    revoke_api_token(token=gone, actor=applicant)
    client.force_login(applicant)
    content = client.get(reverse("accounts:tokens")).content.decode()

    used_row = _row(content, "Used")
    assert "<td>Read and write</td>" in used_row
    # Shown in the programme's time zone (Asia/Seoul) until the browser converts it.
    assert 'datetime="2099-01-02T12:04:00+09:00"' in used_row
    assert 'datetime="2026-03-04T14:06:00+09:00"' in used_row
    assert "Active" in used_row and "Revoke" in used_row
    old_row = _row(content, "Old")
    assert "<td>Read only</td>" in old_row
    assert "Never" in old_row
    assert "Expired" in old_row and "Revoke" not in old_row
    gone_row = _row(content, "Gone")
    assert "Revoked" in gone_row and "Revoke <span" not in gone_row
