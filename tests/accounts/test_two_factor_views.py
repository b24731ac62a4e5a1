"""The second factor at the door: staff and reviewers cannot use the portal or the back office
with a password alone; they set up an authenticator app at their first log-in and give a code
at every later one. Applicants may turn it on."""

import binascii

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.audit import audit_events_for
from accounts.two_factor_views import SETUP_KEY_SESSION_KEY
from notifications.models import Message
from tests.second_factor import authenticator_app, password_only_login

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/set-up/"
VERIFY = "/accounts/two-factor/verify/"
PASSWORD = "correct-horse-battery"


def code_for(key_hex: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(binascii.unhexlify(key_hex))
    totp.drift = steps_ahead
    return f"{totp.token():06d}"


def log_in_with_password(client, user, next_path=""):
    data = {"username": user.email, "password": PASSWORD}
    if next_path:
        data["next"] = next_path
    return client.post(reverse("accounts:login"), data)


# --- Password alone is not enough ------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/staff/", "/admin/", "/staff/reviews/", "/accounts/profile/", "/accounts/tokens/"]
)
def test_secretariat_staff_with_password_alone_sent_to_set_up(client, kind_staff, path):
    password_only_login(client, kind_staff)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize("who", ["programme_admin", "kind_staff", "reviewer"])
def test_enrolled_user_with_password_alone_sent_to_verify(request, client, who):
    user = request.getfixturevalue(who)
    authenticator_app(user)
    password_only_login(client, user)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fstaff%2F"


def test_secretariat_staff_cannot_post_with_password_alone(client, kind_staff, planning_track):
    password_only_login(client, kind_staff)
    response = client.post(f"/staff/reviews/tracks/{planning_track.pk}/criteria/", {})
    assert response.status_code == 302 and response["Location"] == SETUP


def test_password_login_of_staff_lands_on_set_up_then_staff_page(client, kind_staff):
    response = log_in_with_password(client, kind_staff, next_path="/staff/")
    assert response["Location"] == "/staff/"
    assert client.get("/staff/")["Location"] == f"{SETUP}?next=%2Fstaff%2F"


def test_unverified_staff_may_log_out_and_change_language(client, kind_staff):
    password_only_login(client, kind_staff)
    language = client.post(reverse("accounts:set_language"), {"language": "ko", "next": "/"})
    assert language.status_code == 302 and language["Location"] == "/"
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_typing_on_the_second_factor_pages_keeps_the_session(client, kind_staff):
    """Someone typing their code on the verification page is there: the page's "still here"
    signal is answered, not sent to the verification page it comes from."""
    password_only_login(client, kind_staff)
    assert client.post(reverse("accounts:session_alive")).status_code == 204


def test_unverified_staff_session_refused_by_the_api(client, kind_staff):
    password_only_login(client, kind_staff)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def test_api_token_request_is_not_a_session(client, kind_staff):
    from accounts.token_services import create_api_token

    authenticator_app(kind_staff)  # a staff member's token works once they have one
    password_only_login(client, kind_staff)
    _token, key = create_api_token(user=kind_staff, name="ci")
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_a_token_header_does_not_stand_in_for_the_second_factor_outside_the_api(client, kind_staff):
    """Pages and downloads read the session only: a made-up (or even a real) token header on
    them must not let a password-only session through."""
    from accounts.token_services import create_api_token

    password_only_login(client, kind_staff)
    _token, key = create_api_token(user=kind_staff, name="ci")
    for header in ("Token made-up", f"Token {key}"):
        response = client.get("/staff/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP)
    # On the API a made-up token is refused by the API itself, not taken as the session.
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token made-up")
    assert response.status_code == 401


def test_unverified_staff_htmx_request_told_to_load_verification(client, kind_staff):
    authenticator_app(kind_staff)
    password_only_login(client, kind_staff)
    response = client.get("/staff/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Fstaff%2F"


def test_applicant_without_second_factor_uses_the_portal_with_password(client, applicant):
    password_only_login(client, applicant)
    assert client.get("/applications/").status_code == 200


def test_applicant_with_second_factor_must_give_it(client, applicant):
    authenticator_app(applicant)
    password_only_login(client, applicant)
    assert client.get("/applications/")["Location"] == f"{VERIFY}?next=%2Fapplications%2F"


def test_anonymous_back_office_sent_to_the_portal_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


# --- Enrolment at the first log-in ----------------------------------------------------------


def test_set_up_page_shows_qr_code_and_secret_and_keeps_the_key(client, kind_staff):
    password_only_login(client, kind_staff)
    response = client.get(SETUP, {"next": "/staff/"})
    body = response.content.decode()
    key = client.session[SETUP_KEY_SESSION_KEY]
    secret = two_factor.totp_setup(user=kind_staff, key=key).secret
    assert response.status_code == 200
    assert '<svg class="qr-code" role="img" aria-label=' in body
    assert f'value="{secret}"' in body
    assert "style=" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert response["Cache-Control"].startswith("max-age=0")
    assert not TOTPDevice.objects.filter(user=kind_staff).exists()
    # Reloading the page keeps the same secret (the app may already have it).
    client.get(SETUP)
    assert client.session[SETUP_KEY_SESSION_KEY] == key


def test_set_up_with_right_code_turns_on_and_shows_recovery_codes_once(client, kind_staff):
    password_only_login(client, kind_staff)
    client.get(SETUP)
    key = client.session[SETUP_KEY_SESSION_KEY]
    response = client.post(SETUP, {"code": code_for(key), "next": "/staff/"})
    assert response.status_code == 200
    body = response.content.decode()
    codes = StaticToken.objects.filter(device__user=kind_staff).values_list("token", flat=True)
    assert len(codes) == 10 and all(f"<code>{code}</code>" in body for code in codes)
    assert 'href="/staff/"' in body
    assert SETUP_KEY_SESSION_KEY not in client.session
    assert TOTPDevice.objects.get(user=kind_staff).confirmed
    assert client.get("/staff/").status_code == 200
    assert audit_events_for(kind_staff).filter(action="second_factor_enrolled").count() == 1


def test_set_up_with_wrong_code_error_next_to_field_nothing_saved(client, kind_staff):
    password_only_login(client, kind_staff)
    client.get(SETUP)
    key = client.session[SETUP_KEY_SESSION_KEY]
    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_code-error"' in body and "That code is not right." in body
    assert not TOTPDevice.objects.filter(user=kind_staff).exists()
    assert client.session[SETUP_KEY_SESSION_KEY] == key
    assert client.get("/staff/").status_code == 302


def test_set_up_empty_code_is_a_form_error(client, kind_staff):
    password_only_login(client, kind_staff)
    response = client.post(SETUP, {"code": ""})
    assert response.status_code == 400
    assert 'id="id_code-error"' in response.content.decode()


def test_replacing_the_app_needs_the_current_one_first(client, kind_staff):
    authenticator_app(kind_staff)
    password_only_login(client, kind_staff)
    assert client.get(SETUP)["Location"] == VERIFY


def test_whole_first_log_in_through_the_pages(client, kind_staff):
    log_in_with_password(client, kind_staff, next_path="/staff/")
    setup = client.get(client.get("/staff/")["Location"])
    assert setup.status_code == 200
    key = client.session[SETUP_KEY_SESSION_KEY]
    client.post(SETUP, {"code": code_for(key), "next": "/staff/"})
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200


# --- Verification at later log-ins ------------------------------------------------------------


def test_verify_with_app_code_opens_staff_and_back_office(client, kind_staff):
    device = authenticator_app(kind_staff)
    log_in_with_password(client, kind_staff)
    response = client.post(VERIFY, {"code": code_for(device.key), "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200
    events = audit_events_for(kind_staff).filter(action="second_factor_verified")
    assert events.get().detail["method"] == "app"


def test_verify_changes_the_session_key(client, kind_staff):
    device = authenticator_app(kind_staff)
    password_only_login(client, kind_staff)
    before = client.session.session_key
    client.post(VERIFY, {"code": code_for(device.key)})
    assert client.session.session_key != before


def test_verify_code_cannot_be_used_twice(client, kind_staff):
    device = authenticator_app(kind_staff)
    code = code_for(device.key)
    password_only_login(client, kind_staff)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    password_only_login(client, kind_staff)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400


def test_verify_wrong_code_error_and_audit(client, kind_staff):
    device = authenticator_app(kind_staff)
    password_only_login(client, kind_staff)
    wrong = f"{(int(code_for(device.key)) + 5) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_code-error"' in body and "That code is not right." in body
    assert client.get("/staff/").status_code == 302
    assert audit_events_for(kind_staff).filter(action="second_factor_failed").count() == 1


def test_verify_throttles_repeated_wrong_codes(client, kind_staff):
    device = authenticator_app(kind_staff)
    password_only_login(client, kind_staff)
    client.post(VERIFY, {"code": "000000"})
    client.post(VERIFY, {"code": "000001"})
    # Even the right code is refused while the wait lasts.
    response = client.post(VERIFY, {"code": code_for(device.key)})
    assert response.status_code == 400
    assert "Too many wrong codes. Wait" in response.content.decode()


def test_verify_with_recovery_code_uses_it_up(client, kind_staff):
    authenticator_app(kind_staff)
    codes = two_factor.regenerate_recovery_codes(user=kind_staff, confirmation=PASSWORD)
    password_only_login(client, kind_staff)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200
    assert "You used a recovery code; 9 are left." in response.content.decode()
    assert client.get("/staff/").status_code == 200
    client.logout()
    password_only_login(client, kind_staff)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_verify_page_when_already_verified_goes_on(client, kind_staff):
    client.force_login(kind_staff)
    assert client.get(VERIFY, {"next": "/staff/"})["Location"] == "/staff/"


def test_verify_next_to_another_site_is_dropped(client, kind_staff):
    device = authenticator_app(kind_staff)
    password_only_login(client, kind_staff)
    response = client.post(VERIFY, {"code": code_for(device.key), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_reset_device_of_a_verified_session_asks_again(client, kind_staff, programme_admin):
    client.force_login(kind_staff)
    assert client.get("/staff/").status_code == 200
    two_factor.reset_second_factor(user=kind_staff, actor=programme_admin, reason="Phone lost")
    # The session has ended (one open on the lost device must not set up an app of its own):
    # the colleague logs in again, then sets up a new app.
    assert client.get("/staff/")["Location"] == "/accounts/login/?next=/staff/"
    log_in_with_password(client, kind_staff)
    assert client.get("/staff/")["Location"] == f"{SETUP}?next=%2Fstaff%2F"


# --- Managing it -------------------------------------------------------------------------------


def test_applicant_turns_second_factor_on_and_off(client, applicant):
    client.force_login(applicant)
    assert "Set up two-step verification" in client.get("/accounts/two-factor/").content.decode()
    client.get(SETUP)
    client.post(SETUP, {"code": code_for(client.session[SETUP_KEY_SESSION_KEY])})
    assert two_factor.has_second_factor(applicant)
    # An open session is not enough: the same form asks for the password or a current code.
    refused = client.post(reverse("accounts:two_factor_disable"), {"confirmation": "guess"})
    assert refused.status_code == 400
    assert 'id="id_confirmation-error"' in refused.content.decode()
    assert two_factor.has_second_factor(applicant)
    response = client.post(
        reverse("accounts:two_factor_disable"), {"confirmation": PASSWORD}, follow=True
    )
    assert "Two-step verification is off." in response.content.decode()
    assert not two_factor.has_second_factor(applicant)
    assert audit_events_for(applicant).filter(action="second_factor_disabled").count() == 1


def test_staff_cannot_turn_second_factor_off(client, kind_staff):
    client.force_login(kind_staff)
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Turn off two-step verification" not in page
    response = client.post(reverse("accounts:two_factor_disable"), {"confirmation": PASSWORD})
    assert "you can replace your app, not turn it off" in response.content.decode()
    assert two_factor.has_second_factor(kind_staff)


def test_new_recovery_codes_replace_the_old(client, kind_staff):
    client.force_login(kind_staff)
    old = two_factor.regenerate_recovery_codes(user=kind_staff, confirmation=PASSWORD)
    response = client.post(
        reverse("accounts:two_factor_recovery_codes"), {"confirmation": PASSWORD}
    )
    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=kind_staff).values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)
    assert all(code in response.content.decode() for code in new)


def test_profile_links_to_two_step_verification(client, applicant):
    client.force_login(applicant)
    body = client.get("/accounts/profile/").content.decode()
    assert 'href="/accounts/two-factor/"' in body and "(off)" in body


# --- A programme admin resets a colleague's -------------------------------------------------


RESET = "/accounts/two-factor/reset/"


def test_reset_page_allowed_to_programme_admin(client, programme_admin):
    client.force_login(programme_admin)
    assert client.get(RESET).status_code == 200
    assert RESET in client.get("/accounts/two-factor/").content.decode()


@pytest.mark.parametrize("who", ["kind_staff", "reviewer", "applicant"])
def test_reset_page_denied_to_others(request, client, who, programme_admin):
    colleague = programme_admin
    authenticator_app(colleague)
    client.force_login(request.getfixturevalue(who))
    assert client.get(RESET).status_code == 403
    response = client.post(RESET, {"email": colleague.email, "reason": "Phone lost"})
    assert response.status_code == 403
    assert two_factor.has_second_factor(colleague)


def test_reset_by_programme_admin_removes_app_audits_and_emails(
    client, programme_admin, kind_staff, django_capture_on_commit_callbacks
):
    authenticator_app(kind_staff)
    two_factor.regenerate_recovery_codes(user=kind_staff, confirmation=PASSWORD)
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            RESET, {"email": kind_staff.email.upper(), "reason": "Phone lost; called back"}
        )
    assert response.status_code == 302
    assert not two_factor.has_second_factor(kind_staff)
    assert two_factor.remaining_recovery_codes(kind_staff) == 0
    event = audit_events_for(kind_staff).get(action="second_factor_reset")
    assert event.actor == programme_admin and event.detail == {"reason": "Phone lost; called back"}
    message = Message.objects.get(recipient=kind_staff, template="accounts/second_factor_reset")
    assert message.channel == "email"
    assert mail.outbox[-1].to == [kind_staff.email]
    assert "has reset the two-step verification" in mail.outbox[-1].body


def test_reset_bad_input_errors_next_to_fields(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(RESET, {"email": "nobody@example.org", "reason": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_email-error"' in body and 'id="id_reason-error"' in body
    assert 'value="nobody@example.org"' in body


def test_reset_of_own_second_factor_refused(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(RESET, {"email": programme_admin.email, "reason": "Testing"})
    assert response.status_code == 400
    assert "Only a programme admin can reset a colleague" in response.content.decode()
    assert two_factor.has_second_factor(programme_admin)


# --- Changing it asks for the password or a current code in the same form --------------------


def test_new_recovery_codes_need_the_password_or_a_current_code(client, kind_staff):
    device = authenticator_app(kind_staff)
    client.force_login(kind_staff)
    old = two_factor.regenerate_recovery_codes(user=kind_staff, confirmation=PASSWORD)
    url = reverse("accounts:two_factor_recovery_codes")
    for data in ({}, {"confirmation": "not-my-password"}):
        refused = client.post(url, data)
        body = refused.content.decode()
        assert refused.status_code == 400 and 'id="id_confirmation-error"' in body
        assert not any(f"<code>{code}" in body for code in old)
    assert two_factor.remaining_recovery_codes(kind_staff) == 10
    assert set(
        StaticToken.objects.filter(device__user=kind_staff).values_list("token", flat=True)
    ) == set(old)
    # A code of the current app does it, as the password does.
    response = client.post(url, {"confirmation": code_for(device.key)})
    assert response.status_code == 200
    event = audit_events_for(kind_staff).filter(action="recovery_codes_regenerated").last()
    assert event.detail["confirmed_by"] == "app"


def test_wrong_confirmation_error_is_shown_in_korean(client, applicant):
    authenticator_app(applicant)
    applicant.language = "ko"
    applicant.save(update_fields=["language"])
    client.force_login(applicant)
    client.cookies["django_language"] = "ko"
    response = client.post(reverse("accounts:two_factor_disable"), {"confirmation": "guess"})
    body = response.content.decode()
    assert response.status_code == 400 and '<html lang="ko"' in body
    assert 'id="id_confirmation-error"' in body
    assert two_factor.has_second_factor(applicant)


def test_wrong_confirmations_are_limited(client, applicant):
    authenticator_app(applicant)
    client.force_login(applicant)
    url = reverse("accounts:two_factor_disable")
    for n in range(10):
        client.post(url, {"confirmation": f"guess-{n}"})
    # The right password is refused unchecked once the hour's wrong ones are used up.
    response = client.post(url, {"confirmation": PASSWORD})
    assert response.status_code == 400
    assert "Too many attempts." in response.content.decode()
    assert two_factor.has_second_factor(applicant)


def test_replacing_the_app_needs_the_password_or_a_current_code(client, kind_staff):
    old = authenticator_app(kind_staff)
    client.force_login(kind_staff)
    page = client.get(SETUP)
    assert 'name="confirmation"' in page.content.decode()
    key = client.session[SETUP_KEY_SESSION_KEY]
    refused = client.post(SETUP, {"code": code_for(key), "confirmation": "guess"})
    assert refused.status_code == 400
    assert 'id="id_confirmation-error"' in refused.content.decode()
    assert TOTPDevice.objects.get(user=kind_staff).pk == old.pk
    response = client.post(SETUP, {"code": code_for(key), "confirmation": PASSWORD})
    assert response.status_code == 200
    assert TOTPDevice.objects.get(user=kind_staff).key == key
