"""The outbox in the back office: status filters, the attempts, "Retry now", and no personal
token (verification, password reset, invitation links) shown to anyone."""

import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from accounts import services as account_services
from accounts.audit import audit_events_for
from notifications.models import Message
from notifications.selectors import HIDDEN_LINK, shown_body
from notifications.services import deliver_message, queue_message
from reviews import services as review_services
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_message_changelist"


def _change_url(message):
    return reverse("admin:notifications_message_change", args=[message.pk])


def _email(n=1, **kwargs):
    recipient = UserFactory(email=f"officer{n}@klang.gov.my")
    return queue_message(
        recipient=recipient,
        template="applications/submitted",
        context={"reference": f"2026-PL-{n:03d}", "title": "Klang plan", "call": "Call 2026"},
        channels=("email",),
        **kwargs,
    )[0]


def _failed(n=1):
    message = _email(n)

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPConnectError(421, b"busy")

    original = EmailMultiAlternatives.send
    EmailMultiAlternatives.send = refuse
    try:
        deliver_message(message_id=message.pk)
    finally:
        EmailMultiAlternatives.send = original
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    return message


def _retry(client, messages):
    return client.post(
        reverse(CHANGELIST),
        {"action": "retry_delivery", "_selected_action": [m.pk for m in messages]},
        follow=True,
    )


def test_retry_now_from_the_admin_puts_back_and_delivers_once(
    client, programme_admin, django_capture_on_commit_callbacks
):
    message = _failed()
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _retry(client, [message])
        message.refresh_from_db()
        assert message.status == Message.Status.PENDING  # before the commit: not sent yet
    assert response.status_code == 200
    assert "1 row changed." in response.content.decode()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 2
    assert [m.to for m in mail.outbox] == [["officer1@klang.gov.my"]]
    event = audit_events_for(message).get()
    assert (event.old_value, event.new_value, event.actor) == ("failed", "pending", programme_admin)

    # Retrying it again is refused: a sent message is never sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        response = _retry(client, [message])
    body = response.content.decode()
    assert "is not retried: only failed or given-up e-mails." in body
    assert len(mail.outbox) == 1


def test_retry_now_of_a_dead_message_and_a_sent_one_in_one_selection(
    client, programme_admin, django_capture_on_commit_callbacks
):
    dead = _failed(1)
    Message.objects.filter(pk=dead.pk).update(status=Message.Status.DEAD, next_attempt_at=None)
    sent = _email(2)
    deliver_message(message_id=sent.pk)
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        body = _retry(client, [dead, sent]).content.decode()
    assert "1 row changed." in body and "is not retried" in body
    dead.refresh_from_db()
    assert dead.status == Message.Status.SENT
    assert sorted(m.to[0] for m in mail.outbox) == [
        "officer1@klang.gov.my",
        "officer2@klang.gov.my",
    ]


def test_retry_now_is_not_offered_without_the_retry_permission(client, programme_admin):
    """The action asks the rule; a user who can read the outbox but not retry has no action."""
    from django.contrib.auth.models import Permission

    _failed()  # the action list is shown only above rows
    reader = UserFactory(email="reader@molit.go.kr", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(reader)
    body = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="retry_delivery"' not in body
    client.force_login(programme_admin)
    assert 'value="retry_delivery"' in client.get(reverse(CHANGELIST)).content.decode()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("status__exact=failed", Message.Status.FAILED),
        ("status__exact=dead", Message.Status.DEAD),
        ("status__exact=sending", Message.Status.SENDING),
        ("delivery_uncertain__exact=1", Message.Status.SENT),
    ],
)
def test_admin_filters_show_each_delivery_state(client, programme_admin, query, status):
    pending = _email(1)
    wanted = _email(2)
    Message.objects.filter(pk=wanted.pk).update(
        status=status, delivery_uncertain=query.startswith("delivery_uncertain")
    )
    client.force_login(programme_admin)
    body = client.get(reverse(CHANGELIST) + "?" + query).content.decode()
    assert _change_url(wanted) in body
    assert _change_url(pending) not in body


def test_admin_change_page_shows_the_attempts(client, programme_admin):
    message = _failed()
    client.force_login(programme_admin)
    body = client.get(_change_url(message)).content.decode()
    assert "Delivery attempts" in body or "delivery attempts" in body
    assert "SMTPConnectError: (421, b&#x27;busy&#x27;)" in body
    assert "Refused or unreachable" in body


# --- Personal tokens ------------------------------------------------------------------------


@pytest.fixture
def superuser(role_groups):
    return UserFactory(email="root@kcity.example", is_staff=True, is_superuser=True)


def _token_messages(kind_staff, planning_track, applicant):
    """One delivered message of each token-bearing template, through the real services."""
    user = UserFactory(email="new@zangilan.gov.az")
    account_services.send_verification_email(user=user)
    organization = OrganizationFactory(name="Zangilan city")
    owner = UserFactory(email="owner@zangilan.gov.az", organizations=[organization])
    account_services.invite_member(
        organization=organization, email="colleague@zangilan.gov.az", actor=owner
    )
    review_services.invite_reviewer(
        track=planning_track, email="expert@example.net", actor=kind_staff
    )
    messages = list(
        Message.objects.filter(
            template__in=["accounts/verify_email", "accounts/invitation", "reviews/invitation"]
        )
    )
    for message in messages:
        deliver_message(message_id=message.pk)
        message.refresh_from_db()
    assert {m.template for m in messages} == {
        "accounts/verify_email",
        "accounts/invitation",
        "reviews/invitation",
    }
    return messages


def _token_of(message) -> str:
    """The secret part of the message's link (its last path segment)."""
    return message.link.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize("who", ["programme_admin", "superuser"])
def test_admin_never_shows_a_personal_token(
    client, request, who, kind_staff, planning_track, applicant
):
    messages = _token_messages(kind_staff, planning_track, applicant)
    client.force_login(request.getfixturevalue(who))
    for message in messages:
        token = _token_of(message)
        assert len(token) > 15 and token in message.body  # the e-mail itself has it
        assert message.sensitive
        page = client.get(_change_url(message)).content.decode()
        assert token not in page, message.template
        assert str(HIDDEN_LINK) in page
        assert "K-City Network Portal" in page or "K-City Network secretariat" in page
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert all(_token_of(m) not in listing for m in messages)


def test_admin_shows_an_ordinary_message_in_full(client, programme_admin):
    message = _email(1, link="/applications/1/")
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert not message.sensitive
    client.force_login(programme_admin)
    page = client.get(_change_url(message)).content.decode()
    assert "/applications/1/" in page and "2026-PL-001" in page
    assert str(HIDDEN_LINK) not in page


def test_token_is_hidden_even_on_a_row_written_before_the_flag(db):
    user = UserFactory()
    message = Message(
        recipient=user,
        to_email=user.email,
        channel="email",
        template="accounts/verify_email",
        context={"name": "A", "verify_path": "/accounts/verify/SECRET-TOKEN/"},
        link="/accounts/verify/SECRET-TOKEN/",
        body="Hello A,\n\nopen:\n\nhttp://127.0.0.1:8000/accounts/verify/SECRET-TOKEN/\n\nBye\n",
        sensitive=False,
    )
    shown = shown_body(message)
    assert "SECRET-TOKEN" not in shown
    assert shown.splitlines()[0] == "Hello A," and str(HIDDEN_LINK) in shown


def test_the_recipient_still_gets_the_working_link(kind_staff, planning_track, applicant):
    messages = _token_messages(kind_staff, planning_track, applicant)
    for sent in mail.outbox:
        assert any(_token_of(m) in sent.body for m in messages)
    assert len(mail.outbox) == len(messages)
