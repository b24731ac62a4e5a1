"""Sessions: an absolute lifetime, an idle timeout for staff and reviewers, the end of other
sessions when the password changes, and an audit row for each authentication event."""

import re
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import sessions
from accounts.audit import audit_events_for

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def age_session(client, *, seen: int = 0, auth: int = 0) -> None:
    """Move the session's clocks ``seen`` / ``auth`` seconds into the past."""
    session = client.session
    session[sessions.SEEN_AT_KEY] -= seen
    session[sessions.AUTH_AT_KEY] -= auth
    session.save()


def test_session_defaults_twelve_hours_and_thirty_minutes_for_staff():
    assert django_settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert django_settings.KCITY_SESSION_IDLE_TIMEOUT_STAFF == 30 * 60
    assert django_settings.KCITY_SESSION_IDLE_TIMEOUT == 0


def test_staff_session_expiry_is_the_idle_timeout(client, kind_staff):
    client.force_login(kind_staff)
    assert client.session.get_expiry_age() == 30 * 60
    age_session(client, seen=120)
    response = client.get("/staff/")
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60


def test_requests_within_a_minute_do_not_write_the_session(client, kind_staff):
    client.force_login(kind_staff)
    age_session(client, seen=50)
    response = client.get("/staff/")
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies


def test_applicant_session_expiry_is_the_rest_of_the_lifetime(client, applicant):
    client.force_login(applicant)
    age_session(client, seen=120, auth=3600)
    response = client.get("/applications/")
    max_age = response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"]
    assert 11 * 3600 - 5 <= max_age <= 11 * 3600


@pytest.mark.parametrize("who", ["kind_staff", "reviewer", "programme_admin"])
def test_staff_and_reviewers_logged_out_after_thirty_idle_minutes(request, client, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    age_session(client, seen=30 * 60 + 1)
    response = client.get("/accounts/profile/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "You were logged out after 30 minutes without activity." in response.content.decode()
    event = audit_events_for(user).filter(action="session_expired").get()
    assert event.detail["reason"] == "idle"


def test_staff_activity_within_the_idle_time_keeps_the_session(client, kind_staff):
    client.force_login(kind_staff)
    age_session(client, seen=29 * 60)
    assert client.get("/staff/").status_code == 200
    assert time.time() - client.session[sessions.SEEN_AT_KEY] < 5


def test_applicant_not_logged_out_when_idle(client, applicant):
    client.force_login(applicant)
    age_session(client, seen=5 * 3600)
    assert client.get("/applications/").status_code == 200


def test_idle_timeout_configurable_for_applicants(client, applicant, settings):
    settings.KCITY_SESSION_IDLE_TIMEOUT = 3600
    client.force_login(applicant)
    age_session(client, seen=3601)
    assert client.get("/applications/").status_code == 302


def test_any_session_ends_at_its_absolute_lifetime(client, applicant):
    client.force_login(applicant)
    age_session(client, auth=12 * 3600)
    response = client.get("/applications/", follow=True)
    assert "Your session reached its maximum length." in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = audit_events_for(applicant).get(action="session_expired")
    assert event.detail["reason"] == "lifetime"


def test_activity_does_not_extend_the_absolute_lifetime(client, kind_staff):
    client.force_login(kind_staff)
    age_session(client, seen=120, auth=12 * 3600 - 60)
    assert client.get("/staff/").status_code == 200
    assert client.session.get_expiry_age() <= 60


def test_session_store_forgets_an_idle_staff_session(client, kind_staff):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(kind_staff)
    client.get("/staff/")
    row = Session.objects.get(session_key=client.session.session_key)
    assert (row.expire_date - timezone.now()).total_seconds() <= 30 * 60


# --- Password change and reset end sessions ---------------------------------------------------


def test_password_change_keeps_this_session_ends_the_others(kind_staff):
    this, other = Client(), Client()
    this.force_login(kind_staff)
    other.force_login(kind_staff)
    response = this.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert this.get("/staff/").status_code == 200
    assert other.get("/staff/").status_code == 302
    assert "_auth_user_id" not in other.session
    event = audit_events_for(kind_staff).get(action="password_changed")
    assert event.actor == kind_staff and event.detail["ip"] == "127.0.0.1"


def test_password_reset_ends_every_session(client, applicant, django_capture_on_commit_callbacks):
    logged_in = Client()
    logged_in.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers the link
        client.post(reverse("accounts:password_reset"), {"email": applicant.email})
    link = re.search(r"(/accounts/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[-1].body)[1]
    form_url = client.get(link)["Location"]
    response = client.post(
        form_url,
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 302
    assert logged_in.get("/applications/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert audit_events_for(applicant).filter(action="password_reset").count() == 1


# --- Audit rows of log-in and log-out ---------------------------------------------------------


def test_login_and_logout_write_audit_rows(client, applicant):
    client.post(reverse("accounts:login"), {"username": applicant.email, "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    rows = audit_events_for(applicant).values_list("action", "actor", "detail")
    assert [(action, actor) for action, actor, _ in rows] == [
        ("logged_in", applicant.pk),
        ("logged_out", applicant.pk),
    ]
    assert rows[0][2] == {"ip": "127.0.0.1", "path": "/accounts/login/"}


def test_failed_login_for_an_account_writes_an_audit_row(client, applicant):
    client.post(reverse("accounts:login"), {"username": applicant.email, "password": "wrong"})
    event = audit_events_for(applicant).get()
    assert (event.action, event.actor, event.detail["ip"]) == ("login_failed", None, "127.0.0.1")


def test_failed_login_for_an_unknown_address_writes_no_row(client, role_groups):
    from accounts.models import AuditEvent

    client.post(reverse("accounts:login"), {"username": "nobody@example.org", "password": "x"})
    assert not AuditEvent.objects.exists()


def test_typing_in_a_form_keeps_a_staff_session_alive(client, kind_staff):
    """The page being typed in says the user is there (static/js/portal.js posts to
    accounts:session_alive): the idle clock restarts, as with any other request."""
    client.force_login(kind_staff)
    age_session(client, seen=29 * 60)
    response = client.post(reverse("accounts:session_alive"))
    assert response.status_code == 204
    assert time.time() - client.session[sessions.SEEN_AT_KEY] < 5
    assert client.get("/staff/").status_code == 200


def test_the_page_learns_that_the_session_has_ended(client, kind_staff):
    client.force_login(kind_staff)
    age_session(client, seen=30 * 60 + 1)
    assert client.post(reverse("accounts:session_alive")).status_code == 401
    assert client.get("/staff/").status_code == 302  # logged out by that request
    assert Client().post(reverse("accounts:session_alive")).status_code == 401
    assert Client().get(reverse("accounts:session_alive")).status_code == 405


def test_pages_tell_how_often_to_say_so_only_where_there_is_an_idle_limit(
    client, kind_staff, applicant
):
    client.force_login(kind_staff)
    body = client.get("/accounts/profile/").content.decode()
    assert f'data-session-alive="{reverse("accounts:session_alive")}"' in body
    assert 'data-session-alive-every="300"' in body  # a third of 30 minutes, at most 5
    client.force_login(applicant)  # no idle limit: nothing to keep alive
    assert "data-session-alive" not in client.get("/accounts/profile/").content.decode()


def test_alive_every_is_a_third_of_the_idle_time_within_bounds(settings, kind_staff, applicant):
    assert sessions.alive_every(kind_staff) == 300
    settings.KCITY_SESSION_IDLE_TIMEOUT_STAFF = 6 * 60
    assert sessions.alive_every(kind_staff) == 120
    settings.KCITY_SESSION_IDLE_TIMEOUT_STAFF = 9
    assert sessions.alive_every(kind_staff) == 5
    assert sessions.alive_every(applicant) == 0
