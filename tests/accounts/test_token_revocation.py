"""A password change revokes the user's API tokens, whichever door it came through: the
password page, the e-mailed reset link, or a superuser setting it in the back office."""

import datetime

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent
from accounts.token_services import (
    create_api_token,
    revoke_api_token,
    revoke_api_tokens_after_password_change,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-passphrase-2026"


def _authenticates(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(reverse("api:me")).status_code == 200


def _revocations(token) -> list[dict]:
    return list(
        AuditEvent.objects.filter(action="revoked", object_id=str(token.pk)).values(
            "actor_id", "detail"
        )
    )


def test_service_revokes_every_live_token_with_an_audit_row(applicant, other_applicant):
    live, _key = create_api_token(user=applicant, name="ci")
    second, _key = create_api_token(user=applicant, name="dashboard")
    expired, _key = create_api_token(user=applicant, name="old")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    theirs, _key = create_api_token(user=other_applicant, name="theirs")

    assert revoke_api_tokens_after_password_change(user=applicant, actor=applicant) == 2

    for token in (live, second):
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert _revocations(token) == [
            {
                "actor_id": applicant.pk,
                "detail": {"name": token.name, "reason": "password_changed"},
            }
        ]
    expired.refresh_from_db()
    theirs.refresh_from_db()
    assert expired.revoked_at is None and _revocations(expired) == []
    assert theirs.revoked_at is None


def test_service_leaves_an_already_revoked_token_as_it_was(applicant):
    token, _key = create_api_token(user=applicant, name="ci")
    revoke_api_token(token=token, actor=applicant)
    token.refresh_from_db()
    revoked_at = token.revoked_at
    assert revoke_api_tokens_after_password_change(user=applicant, actor=applicant) == 0
    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert len(_revocations(token)) == 1


def test_password_change_page_revokes_the_users_tokens(client, applicant, other_applicant):
    _token, key = create_api_token(user=applicant, name="ci", scope=ApiToken.Scope.READ_WRITE)
    _theirs, their_key = create_api_token(user=other_applicant, name="theirs")
    client.force_login(applicant)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert not _authenticates(key)
    assert _authenticates(their_key)


def test_password_change_with_wrong_old_password_keeps_the_tokens(client, applicant):
    token, key = create_api_token(user=applicant, name="ci")
    client.force_login(applicant)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _authenticates(key)


def test_password_reset_link_revokes_the_users_tokens(client, applicant):
    token, key = create_api_token(user=applicant, name="ci")
    uid = urlsafe_base64_encode(force_bytes(applicant.pk))
    link = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(applicant)},
    )
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _authenticates(key)
    assert _revocations(token) == [
        {"actor_id": applicant.pk, "detail": {"name": "ci", "reason": "password_changed"}}
    ]


def test_password_set_by_a_superuser_revokes_the_users_tokens(applicant):
    from accounts.services import set_user_password

    root = UserFactory(email="root@molit.go.kr", is_staff=True, is_superuser=True)
    token, key = create_api_token(user=applicant, name="ci")
    set_user_password(user=applicant, password=NEW_PASSWORD, actor=root)
    assert not _authenticates(key)
    assert _revocations(token) == [
        {"actor_id": root.pk, "detail": {"name": "ci", "reason": "password_changed"}}
    ]


def test_a_token_made_after_the_change_works(client, applicant):
    create_api_token(user=applicant, name="before")
    revoke_api_tokens_after_password_change(user=applicant, actor=applicant)
    _token, key = create_api_token(
        user=applicant,
        name="after",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    assert _authenticates(key)


def test_changepassword_command_revokes_the_users_tokens(applicant, monkeypatch):
    # Any door that saves a new password hash revokes, not only the portal's pages.
    from django.core.management import call_command

    token, key = create_api_token(user=applicant, name="ci")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", applicant.email, stdout=__import__("io").StringIO())
    assert not _authenticates(key)
    assert _revocations(token) == [
        {"actor_id": None, "detail": {"name": "ci", "reason": "password_changed"}}
    ]


def test_saving_the_user_without_a_new_password_keeps_the_tokens(applicant):
    token, key = create_api_token(user=applicant, name="ci")
    applicant.name = "Renamed"
    applicant.save()
    applicant.save(update_fields=["last_login"])
    assert _authenticates(key)
    assert _revocations(token) == []
