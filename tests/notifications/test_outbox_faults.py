"""Faults of e-mail delivery: a refusing or unreachable mail server, a worker that dies or a
database that fails between the send and its record. The outbox records every failure (it is
not rolled back), retries on its own schedule, gives up after ``MAX_ATTEMPTS`` and never sends
one message twice."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError, connection
from django.utils import timezone

from accounts.audit import audit_events_for
from core.domain import DomainError
from notifications import services, tasks
from notifications.models import DeliveryAttempt, Message
from notifications.services import (
    MAX_ATTEMPTS,
    deliver_message,
    queue_message,
    resend_pending_messages,
    retry_message,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_message(db):
    recipient = UserFactory(email="officer@klang.gov.my")
    return queue_message(
        recipient=recipient,
        template="applications/submitted",
        context={"reference": "2026-PL-001", "title": "Klang plan", "call": "Call 2026"},
        channels=("email",),
        link="/applications/1/",
    )[0]


def _smtp_down(monkeypatch, exc):
    def send(self, fail_silently=False):
        raise exc

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)


def _make_due(message):
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def _age_claim(message, minutes=11):
    Message.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


REFUSALS = [
    smtplib.SMTPConnectError(421, b"Service not available"),
    smtplib.SMTPRecipientsRefused({"officer@klang.gov.my": (550, b"No such user")}),
    smtplib.SMTPSenderRefused(553, b"Sender refused", "noreply@kcity.local"),
    smtplib.SMTPDataError(554, b"Message rejected"),
    ConnectionRefusedError(111, "Connection refused"),
    smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),  # before DATA
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda e: type(e).__name__)
def test_smtp_refusal_is_recorded_and_kept_after_the_call(email_message, monkeypatch, refusal):
    _smtp_down(monkeypatch, refusal)
    before = timezone.now()
    returned = deliver_message(message_id=email_message.pk)  # recorded, not raised

    message = Message.objects.get(pk=email_message.pk)  # what the database holds now
    assert returned.status == message.status == Message.Status.FAILED
    assert message.attempts == 1
    assert message.last_error.startswith(type(refusal).__name__)
    assert message.delivery_uncertain is False
    # The first retry comes after a minute (with at most 10 % jitter), not at once.
    assert before + datetime.timedelta(seconds=59) < message.next_attempt_at
    assert message.next_attempt_at < timezone.now() + datetime.timedelta(seconds=67)
    attempt = DeliveryAttempt.objects.get(message=message)
    assert (attempt.number, attempt.outcome) == (1, DeliveryAttempt.Outcome.FAILED)
    assert attempt.finished_at is not None and attempt.error == message.last_error
    assert mail.outbox == []


def test_failed_message_waits_for_its_next_attempt(email_message, monkeypatch):
    _smtp_down(monkeypatch, smtplib.SMTPConnectError(421, b"busy"))
    deliver_message(message_id=email_message.pk)
    deliver_message(message_id=email_message.pk)  # a second task queued for the same row
    assert resend_pending_messages(older_than_seconds=0) == 0  # not due yet
    email_message.refresh_from_db()
    assert email_message.attempts == 1
    assert DeliveryAttempt.objects.filter(message=email_message).count() == 1


def test_resend_job_retries_a_due_failure_and_delivers_once(email_message, monkeypatch):
    _smtp_down(monkeypatch, smtplib.SMTPConnectError(421, b"busy"))
    deliver_message(message_id=email_message.pk)
    monkeypatch.undo()  # the mail server is back
    _make_due(email_message)

    assert resend_pending_messages(older_than_seconds=0) == 1
    email_message.refresh_from_db()
    assert email_message.status == Message.Status.SENT
    assert (email_message.attempts, email_message.last_error) == (2, "")
    assert email_message.next_attempt_at is None and email_message.sent_at is not None
    assert list(email_message.delivery_attempts.values_list("outcome", flat=True)) == [
        "failed",
        "sent",
    ]
    assert len(mail.outbox) == 1
    assert resend_pending_messages(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1


def test_repeated_failures_give_the_message_up_after_max_attempts(email_message, monkeypatch):
    _smtp_down(monkeypatch, smtplib.SMTPConnectError(421, b"busy"))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        _make_due(email_message)
        deliver_message(message_id=email_message.pk)
        email_message.refresh_from_db()
        assert email_message.attempts == attempt
        expected = Message.Status.DEAD if attempt == MAX_ATTEMPTS else Message.Status.FAILED
        assert email_message.status == expected
    assert email_message.next_attempt_at is None
    assert email_message.delivery_attempts.count() == MAX_ATTEMPTS

    monkeypatch.undo()
    assert resend_pending_messages(older_than_seconds=0) == 0  # given up: not picked again
    deliver_message(message_id=email_message.pk)
    email_message.refresh_from_db()
    assert (email_message.status, email_message.attempts) == (Message.Status.DEAD, MAX_ATTEMPTS)
    assert mail.outbox == []


def test_backoff_doubles_from_a_minute_and_stops_at_six_hours():
    minute = datetime.timedelta(minutes=1)
    for attempts, base in ((1, minute), (2, 2 * minute), (4, 8 * minute)):
        assert base <= services.backoff(attempts) <= base * 1.1
    six_hours = datetime.timedelta(hours=6)
    assert six_hours <= services.backoff(30) <= six_hours * 1.1


def test_crash_between_send_and_record_never_sends_twice(email_message, monkeypatch):
    """PostgreSQL restarts (or the worker dies) after the mail server took the message and
    before the outcome is written: the claim stays, and it is resolved, not resent."""

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "_record_outcome", database_gone)
    with pytest.raises(OperationalError):
        deliver_message(message_id=email_message.pk)
    monkeypatch.undo()  # the database is back
    assert len(mail.outbox) == 1
    email_message.refresh_from_db()
    assert email_message.status == Message.Status.SENDING

    # The delivery task queued again, and the periodic job, while the claim is fresh: nothing.
    deliver_message(message_id=email_message.pk)
    assert resend_pending_messages(older_than_seconds=0) == 0
    email_message.refresh_from_db()
    assert email_message.status == Message.Status.SENDING
    assert len(mail.outbox) == 1

    _age_claim(email_message)
    resend_pending_messages(older_than_seconds=0)
    email_message.refresh_from_db()
    assert email_message.status == Message.Status.SENT
    assert email_message.delivery_uncertain is True
    assert email_message.last_error == services.UNCERTAIN_STOPPED
    attempt = email_message.delivery_attempts.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.UNCERTAIN and attempt.finished_at
    deliver_message(message_id=email_message.pk)
    resend_pending_messages(older_than_seconds=0)
    assert len(mail.outbox) == 1


def test_stale_claim_found_by_the_delivery_task_is_resolved_without_sending(
    email_message, monkeypatch
):
    def worker_killed(*args):
        raise SystemExit(1)

    monkeypatch.setattr(services, "_send", lambda message: None)  # handed to the server…
    monkeypatch.setattr(services, "_record_outcome", worker_killed)  # …and the worker dies
    with pytest.raises(SystemExit):
        deliver_message(message_id=email_message.pk)
    monkeypatch.undo()
    _age_claim(email_message)
    deliver_message(message_id=email_message.pk)
    email_message.refresh_from_db()
    assert (email_message.status, email_message.delivery_uncertain) == ("sent", True)
    assert mail.outbox == []  # the real send was the patched one; nothing went out again


def test_outcome_lost_to_a_locked_database_is_not_resent(email_message, monkeypatch, settings):
    """The embedded default (SQLite): the worker sent the mail, then could not write "sent"
    (database is locked). A later run ends it as sent with a warning and sends nothing."""
    real_save = Message.save
    failures = []

    def save_locked_once(self, *args, **kwargs):
        if self.status == Message.Status.SENT and not failures:
            failures.append(self.pk)
            raise OperationalError("database is locked")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Message, "save", save_locked_once)
    with pytest.raises(OperationalError):
        deliver_message(message_id=email_message.pk)
    assert failures == [email_message.pk]
    assert len(mail.outbox) == 1

    assert resend_pending_messages(older_than_seconds=0) == 0  # the claim is still fresh
    settings.KCITY_OUTBOX_CLAIM_TIMEOUT = 0  # as if the timeout had passed
    resend_pending_messages(older_than_seconds=0)
    deliver_message(message_id=email_message.pk)
    email_message.refresh_from_db()
    assert email_message.status == Message.Status.SENT
    assert email_message.delivery_uncertain is True
    assert "delivery uncertain" in email_message.last_error
    assert len(mail.outbox) == 1


def test_a_second_task_for_a_message_being_sent_sends_nothing(email_message, monkeypatch):
    inner = []
    real_send = services._send

    def send_while_another_task_arrives(message):
        real_send(message)
        inner.append(deliver_message(message_id=message.pk))  # the duplicate task

    monkeypatch.setattr(services, "_send", send_while_another_task_arrives)
    deliver_message(message_id=email_message.pk)
    assert inner[0].status == Message.Status.SENDING  # it found the fresh claim and left it
    email_message.refresh_from_db()
    assert (email_message.status, email_message.delivery_uncertain) == ("sent", False)
    assert len(mail.outbox) == 1


def test_outcome_after_a_sweep_clears_the_uncertainty(email_message, monkeypatch, settings):
    """A send slower than the claim timeout: the sweep resolved it as uncertain meanwhile;
    the real success that arrives afterwards makes it certain (and sends nothing more)."""
    real_send = services._send

    def slow_send(message):
        real_send(message)
        settings.KCITY_OUTBOX_CLAIM_TIMEOUT = 0
        resend_pending_messages(older_than_seconds=0)

    monkeypatch.setattr(services, "_send", slow_send)
    deliver_message(message_id=email_message.pk)
    email_message.refresh_from_db()
    assert (email_message.status, email_message.delivery_uncertain) == ("sent", False)
    assert email_message.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.SENT
    assert len(mail.outbox) == 1


def test_message_id_is_stored_once_and_sent_as_the_header(email_message, monkeypatch):
    _smtp_down(monkeypatch, smtplib.SMTPConnectError(421, b"busy"))
    deliver_message(message_id=email_message.pk)
    email_message.refresh_from_db()
    first_id = email_message.message_id
    assert first_id.startswith("<") and first_id.endswith("@127.0.0.1>")
    monkeypatch.undo()
    _make_due(email_message)
    deliver_message(message_id=email_message.pk)
    email_message.refresh_from_db()
    assert email_message.message_id == first_id
    assert mail.outbox[0].message()["Message-ID"] == first_id


def test_a_template_that_cannot_render_is_recorded_as_a_failure(db):
    user = UserFactory()
    message = queue_message(recipient=user, template="nowhere/missing", channels=("email",))[0]
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.attempts == 1
    assert message.last_error.startswith("rendering failed: TemplateDoesNotExist")
    assert message.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.FAILED
    assert mail.outbox == []


def test_resend_job_does_not_raise_when_the_broker_is_down(email_message, monkeypatch):
    second = queue_message(
        recipient=email_message.recipient,
        template="applications/withdrawn",
        context={"reference": "2026-PL-002", "title": "Plan", "call": "Call"},
        channels=("email",),
    )[0]
    calls = []

    def broker_down(**kwargs):
        calls.append(kwargs)
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.task_deliver_message, "delay", broker_down)
    assert resend_pending_messages(older_than_seconds=0) == 0
    assert len(calls) == 1  # one failure stops the run; the next run tries again
    assert {m.status for m in Message.objects.filter(pk__in=[email_message.pk, second.pk])} == {
        Message.Status.PENDING
    }


def test_resend_job_leaves_recent_pending_messages_to_their_own_task(email_message):
    assert resend_pending_messages() == 0  # written less than a minute ago
    Message.objects.filter(pk=email_message.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert resend_pending_messages() == 1
    assert len(mail.outbox) == 1


# --- Retry by staff --------------------------------------------------------------------------


def test_retry_message_puts_a_failed_email_back_with_an_audit_row(
    email_message, monkeypatch, programme_admin, django_capture_on_commit_callbacks
):
    _smtp_down(monkeypatch, smtplib.SMTPConnectError(421, b"busy"))
    deliver_message(message_id=email_message.pk)
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        row = retry_message(message=email_message, actor=programme_admin)
        assert row.status == Message.Status.PENDING
        assert row.next_attempt_at <= timezone.now()
    email_message.refresh_from_db()
    assert email_message.status == Message.Status.SENT  # queued after commit (eager here)
    event = audit_events_for(email_message).get()
    assert (event.old_value, event.new_value, event.actor) == ("failed", "pending", programme_admin)
    assert event.detail["attempts"] == 1 and "SMTPConnectError" in event.detail["last_error"]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", ["sent", "pending", "sending"])
def test_retry_message_refuses_what_is_not_failed(email_message, programme_admin, status):
    Message.objects.filter(pk=email_message.pk).update(status=status)
    email_message.refresh_from_db()
    with pytest.raises(DomainError, match="is not retried"):
        retry_message(message=email_message, actor=programme_admin)
    email_message.refresh_from_db()
    assert email_message.status == status


def test_retry_message_is_for_programme_admins_only(email_message, kind_staff):
    Message.objects.filter(pk=email_message.pk).update(status=Message.Status.DEAD)
    email_message.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        retry_message(message=email_message, actor=kind_staff)
    assert refused.value.code == "forbidden"
    email_message.refresh_from_db()
    assert email_message.status == Message.Status.DEAD


@pytest.mark.django_db(transaction=True)
def test_the_send_holds_no_database_transaction(monkeypatch):
    """Step 2 runs between two committed transactions: a slow mail server holds no lock."""
    seen = []

    def send(self, fail_silently=False):
        seen.append(connection.in_atomic_block)
        seen.append(Message.objects.get(to_email=self.to[0]).status)  # the claim is committed
        return 1

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    recipient = UserFactory(email="officer@zuunmod.gov.mn")
    # Outside a transaction the delivery is queued at once, and runs at once (eager here).
    message = queue_message(
        recipient=recipient,
        template="applications/withdrawn",
        context={"reference": "2026-PL-003", "title": "Plan", "call": "Call"},
        channels=("email",),
    )[0]
    assert seen == [False, Message.Status.SENDING]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
