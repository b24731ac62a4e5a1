"""The privacy notice, and its acceptance at sign-up and when its version changes."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts import privacy
from accounts.audit import audit_events_for
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "name": "Aminah Rahman",
    "email": "aminah@klang.gov.my",
    "password1": "smart-city-2026!",
    "password2": "smart-city-2026!",
    "language": "en",
    "time_zone": "Asia/Kuala_Lumpur",
    "privacy_consent": "on",
}


def test_signup_records_notice_version_time_and_audit_row(client, role_groups):
    response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="aminah@klang.gov.my")
    assert user.privacy_notice_version == privacy.PRIVACY_NOTICE_VERSION
    assert user.privacy_consented_at is not None
    event = audit_events_for(user).get(action="privacy_notice_accepted")
    assert (event.new_value, event.detail, event.actor) == (
        privacy.PRIVACY_NOTICE_VERSION,
        {"source": "signup"},
        user,
    )


def test_signup_without_consent_refused_error_next_to_field_values_kept(client, role_groups):
    data = {key: value for key, value in SIGNUP.items() if key != "privacy_consent"}
    response = client.post(reverse("accounts:signup"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_privacy_consent-error"' in body
    assert "Please confirm that you have read the privacy notice." in body
    assert 'aria-describedby="id_privacy_consent-help id_privacy_consent-error"' in body
    assert 'value="Aminah Rahman"' in body and 'value="aminah@klang.gov.my"' in body
    assert '<option value="Asia/Kuala_Lumpur" selected>' in body
    assert not User.objects.exists()


def test_signup_page_links_the_notice(client):
    body = client.get(reverse("accounts:signup")).content.decode()
    assert f'href="{reverse("privacy")}"' in body
    assert privacy.PRIVACY_NOTICE_VERSION in body


def test_register_consenting_user_refuses_without_consent(role_groups):
    from core.domain import DomainError

    with pytest.raises(DomainError) as refused:
        privacy.register_consenting_user(
            privacy_consent=False, email="a@example.org", name="A", password="long-password-1"
        )
    assert refused.value.field == "privacy_consent"
    assert not User.objects.exists()


def test_notice_renders_retention_table_from_the_registry(client):
    body = client.get(reverse("privacy")).content.decode()
    for row in privacy.retention_table():
        assert f"<td>{escape(row['label'])}</td><td>{row['retention']}</td>" in body
    assert "5 years after the call closes" in body
    assert "10 years after the project is completed" in body
    assert privacy.privacy_officer()["email"] in body
    assert f"<strong>{privacy.PRIVACY_NOTICE_VERSION}</strong>" in body


def test_notice_in_korean(client):
    client.cookies["django_language"] = "ko"
    body = client.get(reverse("privacy")).content.decode()
    assert "개인정보 처리방침" in body
    assert "개인정보 보호책임자" in body
    # The officer is named in Korean too, not by the English title.
    assert privacy.DEFAULT_PRIVACY_OFFICER["name_ko"] in body
    assert privacy.DEFAULT_PRIVACY_OFFICER["name"] not in body


def test_privacy_officer_from_settings(client, settings):
    settings.KCITY_PRIVACY_OFFICER = {"email": "dpo@molit.go.kr"}
    body = client.get(reverse("privacy")).content.decode()
    assert "dpo@molit.go.kr" in body


def test_footer_links_the_notice(client):
    body = client.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("privacy")}">Privacy notice</a>' in body


def test_user_of_an_older_version_is_asked_again_then_goes_on(client, applicant):
    User.objects.filter(pk=applicant.pk).update(privacy_notice_version="2025-01")
    client.force_login(applicant)
    profile = reverse("accounts:profile")
    response = client.get(profile)
    accept = reverse("accounts:privacy_accept")
    assert response.status_code == 302
    assert response["Location"] == f"{accept}?next=%2Faccounts%2Fprofile%2F"
    page = client.get(response["Location"]).content.decode()
    assert "since you accepted version 2025-01" in page
    refused = client.post(accept, {"next": profile})
    assert refused.status_code == 200
    assert 'id="id_privacy_consent-error"' in refused.content.decode()
    accepted = client.post(accept, {"next": profile, "privacy_consent": "on"})
    assert accepted["Location"] == profile
    applicant.refresh_from_db()
    assert applicant.privacy_notice_version == privacy.PRIVACY_NOTICE_VERSION
    event = audit_events_for(applicant).get(action="privacy_notice_accepted")
    assert (event.old_value, event.detail) == ("2025-01", {"source": "interstitial"})
    assert client.get(profile).status_code == 200


def test_account_opened_by_staff_is_asked_at_first_page(client, role_groups):
    user = UserFactory(privacy_notice_version="", privacy_consented_at=None)
    client.force_login(user)
    response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:privacy_accept"))


def test_notice_asks_only_page_views_not_posts_api_or_the_notice(client, applicant):
    User.objects.filter(pk=applicant.pk).update(privacy_notice_version="2025-01")
    client.force_login(applicant)
    assert client.get(reverse("privacy")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    posted = client.post(reverse("accounts:profile"), {"name": "A. Rahman", "language": "en"})
    assert posted.status_code == 200  # the form answers (here with its errors); not a redirect
    htmx = client.get(reverse("accounts:profile"), headers={"HX-Request": "true"})
    assert htmx.status_code == 200


def test_accept_is_idempotent_for_the_same_version(applicant):
    privacy.accept_privacy_notice(user=applicant)
    assert not audit_events_for(applicant).filter(action="privacy_notice_accepted").exists()
