"""A user changes the e-mail address they log in with: their password (or a current code of
their second factor) to ask, a signed single-use link to the NEW address to confirm, a notice
without any link to the OLD one. The address changes only when the link is opened by the
account's own (logged-in) user, and only while it is still free."""

import binascii
import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from accounts import privacy, services, tokens
from accounts.audit import ACTION_LABELS, audit_events_for
from accounts.models import OrganizationInvitation, User
from notifications.models import Message
from tests.factories import UserFactory
from tests.second_factor import authenticator_app

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW = "new.officer@klang.gov.my"
CHANGE = "/accounts/email/"


def _ask(client, *, new_email=NEW, confirmation=PASSWORD):
    return client.post(CHANGE, {"new_email": new_email, "confirmation": confirmation})


def _link_path(user) -> str:
    message = Message.objects.get(
        recipient=user, template="accounts/email_change_confirm", channel="email"
    )
    return message.link


def test_profile_links_to_the_email_change_page(client, applicant):
    client.force_login(applicant)
    assert reverse("accounts:email_change") == CHANGE
    assert CHANGE in client.get(reverse("accounts:profile")).content.decode()
    response = client.get(CHANGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="new_email"' in body and 'name="confirmation"' in body


def test_asking_sends_a_link_to_the_new_address_and_a_notice_without_link_to_the_old(
    client, applicant
):
    old = applicant.email
    client.force_login(applicant)
    response = _ask(client)
    assert response.status_code == 302
    applicant.refresh_from_db()
    # Nothing changes until the link is opened.
    assert applicant.email == old
    assert applicant.pending_email == NEW
    confirm = Message.objects.get(template="accounts/email_change_confirm", channel="email")
    assert confirm.to_email == NEW and confirm.recipient == applicant
    assert confirm.sensitive and confirm.link.startswith("/accounts/email/confirm/")
    notice = Message.objects.get(template="accounts/email_change_requested", channel="email")
    assert notice.to_email == old
    assert notice.link == "" and not notice.sensitive
    assert "confirm" not in str(notice.context) and confirm.link not in str(notice.context)
    assert NEW in str(notice.context.values())
    assert audit_events_for(applicant).filter(action="email_change_requested").exists()
    assert "email_change_requested" in ACTION_LABELS and "email_changed" in ACTION_LABELS


def test_wrong_password_is_refused_next_to_the_field_and_keeps_the_typed_address(client, applicant):
    client.force_login(applicant)
    response = _ask(client, confirmation="not-my-password")
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_confirmation-error"' in body
    assert f'value="{NEW}"' in body
    applicant.refresh_from_db()
    assert applicant.pending_email == ""
    assert not Message.objects.filter(template__startswith="accounts/email_change").exists()


def test_bad_address_is_refused_next_to_its_field(client, applicant):
    client.force_login(applicant)
    for bad in ("not-an-address", applicant.email.upper()):
        response = _ask(client, new_email=bad)
        assert response.status_code == 400
        assert 'id="id_new_email-error"' in response.content.decode()


def test_a_current_second_factor_code_confirms_the_request(client, applicant):
    device = authenticator_app(applicant)
    client.force_login(applicant)
    code = f"{TOTP(binascii.unhexlify(device.key)).token():06d}"
    assert _ask(client, confirmation=code).status_code == 302
    applicant.refresh_from_db()
    assert applicant.pending_email == NEW


def test_opening_the_link_changes_the_address_once(client, applicant):
    old = applicant.email
    client.force_login(applicant)
    _ask(client)
    link = _link_path(applicant)
    response = client.get(link)
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.email == NEW
    assert applicant.pending_email == "" and applicant.email_verified_at is not None
    event = audit_events_for(applicant).get(action="email_changed")
    assert (event.old_value, event.new_value) == (old, NEW)
    # The old address is told it happened.
    assert Message.objects.filter(template="accounts/email_changed", to_email=old).exists()
    # Single use.
    again = client.get(link)
    assert again.status_code == 400
    # The user logs in with the new address now.
    login = reverse("accounts:login")
    assert Client().post(login, {"username": old, "password": PASSWORD}).status_code == 200
    assert Client().post(login, {"username": NEW, "password": PASSWORD}).status_code == 302


def test_link_opened_logged_out_asks_to_log_in_first(client, applicant):
    client.force_login(applicant)
    _ask(client)
    link = _link_path(applicant)
    anonymous = Client()
    response = anonymous.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    applicant.refresh_from_db()
    assert applicant.email != NEW
    anonymous.force_login(applicant)
    assert anonymous.get(link).status_code == 302
    applicant.refresh_from_db()
    assert applicant.email == NEW


def test_link_opened_by_another_account_changes_nothing(client, applicant, other_applicant):
    client.force_login(applicant)
    _ask(client)
    link = _link_path(applicant)
    other = Client()
    other.force_login(other_applicant)
    assert other.get(link).status_code == 400
    applicant.refresh_from_db()
    other_applicant.refresh_from_db()
    assert applicant.email != NEW and other_applicant.email != NEW


def test_address_taken_meanwhile_is_refused_with_a_clear_message(client, applicant):
    client.force_login(applicant)
    _ask(client)
    # Another account takes it meanwhile, written in another case.
    UserFactory(email="NEW.officer@klang.gov.my")
    response = client.get(_link_path(applicant))
    assert response.status_code == 400
    assert "already used by another account" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.email == "officer@klang.gov.my"


def test_asking_for_a_taken_address_answers_as_for_a_free_one(client, applicant):
    """Whether another account has an address is not told at the request (the sign-up form
    already says it, limited per address): only whoever opens the link at that address
    learns it."""
    UserFactory(email="taken@example.org")
    client.force_login(applicant)
    taken = _ask(client, new_email="taken@example.org")
    free = _ask(client, new_email="free@example.org")
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]


def test_a_new_request_replaces_the_previous_link(client, applicant):
    client.force_login(applicant)
    _ask(client, new_email="first@example.org")
    first = Message.objects.get(to_email="first@example.org").link
    _ask(client, new_email="second@example.org")
    assert client.get(first).status_code == 400
    applicant.refresh_from_db()
    assert applicant.email == "officer@klang.gov.my"
    assert applicant.pending_email == "second@example.org"


def test_a_password_change_voids_the_link(client, applicant):
    client.force_login(applicant)
    _ask(client)
    link = _link_path(applicant)
    applicant.set_password("another-long-password-42")
    applicant.save()
    client.force_login(applicant)
    assert client.get(link).status_code == 400
    applicant.refresh_from_db()
    assert applicant.email != NEW


def test_expired_link_is_refused(client, applicant, monkeypatch):
    client.force_login(applicant)
    _ask(client)
    link = _link_path(applicant)
    monkeypatch.setattr(tokens, "EMAIL_CHANGE_MAX_AGE", -1)
    assert client.get(link).status_code == 400
    applicant.refresh_from_db()
    assert applicant.email != NEW


def test_cancelling_the_pending_change_voids_the_link(client, applicant):
    client.force_login(applicant)
    _ask(client)
    link = _link_path(applicant)
    assert client.post(reverse("accounts:email_change_cancel")).status_code == 302
    applicant.refresh_from_db()
    assert applicant.pending_email == ""
    assert client.get(link).status_code == 400


def test_invitations_to_the_old_address_are_not_moved(client, applicant, other_applicant):
    old = applicant.email
    organization = other_applicant.organizations.first()
    other_applicant.email_verified_at = timezone.now()
    other_applicant.save(update_fields=["email_verified_at"])
    invitation = services.invite_member(organization=organization, email=old, actor=other_applicant)
    client.force_login(applicant)
    _ask(client)
    client.get(_link_path(applicant))
    invitation.refresh_from_db()
    assert invitation.email == old
    assert not OrganizationInvitation.objects.filter(email__iexact=NEW).exists()


def test_lockout_counter_follows_the_account_to_its_new_address(client, applicant):
    client.force_login(applicant)  # (a log-in forgets the account's counters)
    _ask(client)
    AccessAttempt.objects.create(
        username=applicant.email,
        ip_address="203.0.113.9",
        user_agent="x",
        failures_since_start=3,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    client.get(_link_path(applicant))
    assert AccessAttempt.objects.get().username == NEW


def test_request_is_rate_limited(client, applicant, settings):
    settings.KCITY_RESET_RATE = "2/h"
    client.force_login(applicant)
    assert _ask(client, new_email="a@example.org").status_code == 302
    assert _ask(client, new_email="b@example.org").status_code == 302
    limited = _ask(client, new_email="c@example.org")
    assert limited.status_code == 429
    assert 'value="c@example.org"' in limited.content.decode()
    assert not Message.objects.filter(to_email="c@example.org").exists()


# --- Privacy and the back office ---------------------------------------------------------------


def test_erasure_clears_the_pending_change(client, applicant):
    client.force_login(applicant)
    _ask(client)
    privacy.anonymise_account(applicant)
    applicant.refresh_from_db()
    assert applicant.pending_email == "" and applicant.pending_email_requested_at is None


def test_export_shows_the_pending_change(client, applicant):
    client.force_login(applicant)
    _ask(client)
    applicant.refresh_from_db()
    rows = privacy.get_kind("accounts.account").export(applicant)
    assert rows[0]["pending_email"] == NEW


def test_retention_clears_an_expired_pending_change(client, applicant):
    client.force_login(applicant)
    _ask(client)
    User.objects.filter(pk=applicant.pk).update(
        pending_email_requested_at=timezone.now() - datetime.timedelta(days=4)
    )
    counts = privacy.apply_retention()
    assert counts["accounts.pending_email_change"] == 1
    applicant.refresh_from_db()
    assert applicant.pending_email == "" and applicant.pending_email_requested_at is None
    assert applicant.anonymised_at is None


def test_admin_shows_the_pending_change_read_only(client, applicant):
    client.force_login(applicant)
    _ask(client)
    superuser = UserFactory(email="root@molit.go.kr", is_superuser=True, is_staff=True)
    admin = Client()
    admin.force_login(superuser)
    body = admin.get(reverse("admin:accounts_user_change", args=[applicant.pk])).content.decode()
    assert NEW in body
    assert not re.search(r'name="pending_email"', body)
