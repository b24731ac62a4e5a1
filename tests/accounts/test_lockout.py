"""One log-in lock-out for every door, per account and per client address (django-axes)."""

import re

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse

from accounts.audit import audit_events_for

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.KCITY_TRUSTED_PROXIES = []


def fail(client, email, times=1, **extra):
    for _ in range(times):
        response = client.post(LOGIN, {"username": email, "password": "wrong"}, **extra)
        assert response.status_code in (200, 429)


def test_lockout_per_account_refuses_right_password_with_clear_message(client, applicant):
    fail(client, applicant.email, 3)
    response = client.post(LOGIN, {"username": applicant.email, "password": RIGHT})
    assert response.status_code == 429
    body = response.content.decode()
    assert re.search(r"Too many failed log-in attempts\. Please wait 15 minutes", body)
    assert f'value="{applicant.email}"' in body
    assert "_auth_user_id" not in client.session


def test_lockout_per_account_counts_every_address_and_case(client, applicant):
    client.post(LOGIN, {"username": applicant.email, "password": "x"}, REMOTE_ADDR="192.0.2.1")
    client.post(
        LOGIN, {"username": applicant.email.upper(), "password": "x"}, REMOTE_ADDR="192.0.2.2"
    )
    client.post(
        LOGIN, {"username": f" {applicant.email} ", "password": "x"}, REMOTE_ADDR="192.0.2.3"
    )
    response = client.post(
        LOGIN, {"username": applicant.email, "password": RIGHT}, REMOTE_ADDR="192.0.2.4"
    )
    assert response.status_code == 429


def test_lockout_per_address_across_accounts(client, applicant, other_applicant):
    fail(client, "a@example.org")
    fail(client, "b@example.org")
    fail(client, "c@example.org")
    response = client.post(LOGIN, {"username": other_applicant.email, "password": RIGHT})
    assert response.status_code == 429


def test_lockout_of_an_address_leaves_other_addresses_in(client, applicant, other_applicant):
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        client.post(LOGIN, {"username": email, "password": "x"}, REMOTE_ADDR="192.0.2.66")
    response = client.post(
        LOGIN, {"username": other_applicant.email, "password": RIGHT}, REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 302


def test_lockout_forwarded_header_ignored_without_trusted_proxy(client, other_applicant):
    # Changing X-Forwarded-For does not give an attacker a fresh counter.
    for index, email in enumerate(("a@example.org", "b@example.org", "c@example.org")):
        client.post(
            LOGIN, {"username": email, "password": "x"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{index}"
        )
    response = client.post(
        LOGIN,
        {"username": other_applicant.email, "password": RIGHT},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429


def test_lockout_behind_trusted_proxy_counts_each_client(client, settings, other_applicant):
    settings.KCITY_TRUSTED_PROXIES = ["10.0.0.2"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        client.post(
            LOGIN, {"username": email, "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy
        )
    other_client = client.post(
        LOGIN,
        {"username": other_applicant.email, "password": RIGHT},
        HTTP_X_FORWARDED_FOR="203.0.113.6",
        **proxy,
    )
    assert other_client.status_code == 302
    client.logout()
    guesser = client.post(
        LOGIN,
        {"username": other_applicant.email, "password": RIGHT},
        HTTP_X_FORWARDED_FOR="203.0.113.5",
        **proxy,
    )
    assert guesser.status_code == 429


def test_lockout_success_clears_the_accounts_failures(client, applicant):
    right = {"username": applicant.email, "password": RIGHT}
    fail(client, applicant.email, 2, REMOTE_ADDR="192.0.2.1")
    assert client.post(LOGIN, right, REMOTE_ADDR="192.0.2.1").status_code == 302
    client.logout()
    # Without the reset the account would now be at 4 failures and refused.
    fail(client, applicant.email, 2, REMOTE_ADDR="192.0.2.2")
    assert client.post(LOGIN, right, REMOTE_ADDR="192.0.2.3").status_code == 302


def test_lockout_own_success_does_not_clear_failures_against_others(
    client, applicant, other_applicant
):
    # A guesser who also has an account cannot wipe their address's record by logging in.
    fail(client, other_applicant.email, 2)
    assert client.post(LOGIN, {"username": applicant.email, "password": RIGHT}).status_code == 302
    client.logout()
    fail(client, other_applicant.email)
    response = client.post(LOGIN, {"username": other_applicant.email, "password": RIGHT})
    assert response.status_code == 429


def test_lockout_also_closes_the_back_office_door(client, kind_staff):
    fail(client, kind_staff.email, 3)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": kind_staff.email, "password": RIGHT}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_back_office_login_page_sends_to_the_portal_login(client):
    response = client.get("/admin/login/", {"next": "/admin/projects/call/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fprojects%2Fcall%2F"


def test_back_office_login_page_drops_a_foreign_next(client):
    response = client.get("/admin/login/", {"next": "https://evil.example/"})
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_lockout_refuses_any_authenticate_call_with_a_request(client, applicant):
    fail(client, applicant.email, 3)
    request = RequestFactory().post("/somewhere/")
    assert authenticate(request, username=applicant.email, password=RIGHT) is None


def test_lockout_writes_audit_rows_for_failures_lock_and_refusals(client, applicant):
    fail(client, applicant.email, 3)
    client.post(LOGIN, {"username": applicant.email, "password": RIGHT})
    actions = list(audit_events_for(applicant).values_list("action", flat=True))
    # The third failure writes its own row and the lock-out's (in either order).
    assert actions[:2] == ["login_failed", "login_failed"]
    assert sorted(actions[2:4]) == ["locked_out", "login_failed"]
    assert actions[4:] == ["login_refused_locked_out"]
    locked = audit_events_for(applicant).get(action="locked_out")
    assert locked.detail["ip"] == "127.0.0.1" and locked.detail["failures"] == 3


def test_lockout_refused_attempts_do_not_prolong_it(client, applicant):
    from axes.models import AccessAttempt

    fail(client, applicant.email, 3)
    before = AccessAttempt.objects.get(username=applicant.email)
    fail(client, applicant.email, 2)
    after = AccessAttempt.objects.get(username=applicant.email)
    assert (after.failures_since_start, after.attempt_time) == (3, before.attempt_time)


def test_lockout_ends_after_the_cool_off(client, applicant):
    import datetime

    from axes.models import AccessAttempt

    fail(client, applicant.email, 3)
    AccessAttempt.objects.update(attempt_time=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    response = client.post(LOGIN, {"username": applicant.email, "password": RIGHT})
    assert response.status_code == 302


def test_lockout_lifted_by_a_password_reset(client, applicant, django_capture_on_commit_callbacks):
    fail(client, applicant.email, 3)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers the link
        client.post(reverse("accounts:password_reset"), {"email": applicant.email})
    from django.core import mail

    link = re.search(r"(/accounts/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[-1].body)[1]
    form_url = client.get(link)["Location"]
    response = client.post(
        form_url,
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 302
    login = client.post(LOGIN, {"username": applicant.email, "password": "a-new-long-passphrase"})
    assert login.status_code == 302
