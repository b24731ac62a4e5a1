"""Delivery through Django's real SMTP backend to a small SMTP server on this machine
(``smtp_responder``): refusals are retried, a cut connection during DATA is never resent,
and every message carries its stored Message-ID."""

import datetime
import email

import pytest
from django.utils import timezone

from notifications.models import DeliveryAttempt, Message
from notifications.services import deliver_message, queue_message, resend_pending_messages
from tests.factories import UserFactory
from tests.notifications.smtp_responder import SmtpResponder

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    """Start a responder with ``script`` and point the SMTP backend at it."""
    servers = []

    def start(*script):
        server = SmtpResponder(script).__enter__()
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def message(db):
    recipient = UserFactory(email="officer@issyk-kul.gov.kg")
    return queue_message(
        recipient=recipient,
        template="applications/submitted",
        context={"reference": "2026-PL-007", "title": "Issyk-Kul plan", "call": "Call 2026"},
        channels=("email",),
        link="/applications/7/",
    )[0]


def _make_due(message):
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_busy_server_then_accepting_server_delivers_exactly_once(smtp, message):
    server = smtp("busy", "accept")
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error.startswith("SMTPConnectError: (421")
    assert server.accepted == []

    _make_due(message)
    assert resend_pending_messages(older_than_seconds=0) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 2
    assert len(server.accepted) == 1
    sent = email.message_from_bytes(server.accepted[0])
    assert sent["Message-ID"] == message.message_id
    assert sent["To"] == "officer@issyk-kul.gov.kg"
    assert "2026-PL-007" in sent["Subject"] + sent.get_payload()

    assert resend_pending_messages(older_than_seconds=0) == 0
    deliver_message(message_id=message.pk)
    assert server.connections == 2 and len(server.received) == 1


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [("refuse_recipient", "SMTPRecipientsRefused"), ("reject_data", "SMTPDataError: (554")],
)
def test_refusals_with_a_reply_are_failures_to_retry(smtp, message, behaviour, error):
    server = smtp(behaviour)
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.next_attempt_at > timezone.now()
    assert message.last_error.startswith(error)
    assert server.accepted == []


def test_connection_cut_during_data_is_sent_with_a_warning_and_never_resent(smtp, message):
    server = smtp("cut_after_data", "accept")
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.delivery_uncertain is True
    assert message.last_error.startswith("delivery uncertain")
    assert "SMTPServerDisconnected" in message.last_error
    assert message.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.UNCERTAIN
    assert len(server.received) == 1

    assert resend_pending_messages(older_than_seconds=0) == 0
    deliver_message(message_id=message.pk)
    assert server.connections == 1 and len(server.received) == 1
