"""The staff system-status page's headline under faults: it said "OK — the portal's services
answer and the background worker is running" whenever the readiness checks passed and the
heartbeat was fresh, while the mail server refused every e-mail (the outbox filling with
failures) or a job sat stuck on a long-job worker that was down. Staff must read "Attention",
and why the e-mails fail."""

import datetime
import socket

import pytest
from django.urls import reverse
from django.utils import timezone

from core import health
from notifications.models import Message
from notifications.services import deliver_message, queue_message
from reporting.system_status import system_status_for_user
from reviews.models import Job

pytestmark = pytest.mark.django_db

URL = reverse("staff_reporting:system_status")
HEALTHY = "The portal's services answer and the background worker is running."


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_healthy_page_says_ok(client, kind_staff):
    health.record_heartbeat(name=health.WORKER_HEARTBEAT)
    assert not system_status_for_user(kind_staff).needs_attention
    assert HEALTHY in _page(client, kind_staff)


def test_mail_server_down_is_attention_with_the_error(client, programme_admin, settings):
    """A real SMTP connection to a port where nothing listens: the e-mail is failed and will be
    retried; the page must not say everything works, and must say what the mail server did."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    health.record_heartbeat(name=health.WORKER_HEARTBEAT)
    [email] = queue_message(
        recipient=programme_admin,
        template="applications/submitted",
        context={"reference": "2026-PL-001", "title": "Klang plan", "call": "Call 2026"},
        channels=("email",),
        link="/applications/1/",
    )
    message = deliver_message(message_id=email.pk)
    assert message.status == Message.Status.FAILED

    status = system_status_for_user(programme_admin)
    assert status.needs_attention
    assert status.outbox.last_failure is not None
    assert "ConnectionRefused" in status.outbox.last_failure.error
    page = _page(client, programme_admin)
    assert HEALTHY not in page
    assert "Attention" in page
    assert "ConnectionRefused" in page

    # The mail server answers again and the e-mail goes: the headline is OK again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Message.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert deliver_message(message_id=email.pk).status == Message.Status.SENT
    status = system_status_for_user(programme_admin)
    assert status.outbox.last_failure is None
    assert not status.needs_attention
    assert HEALTHY in _page(client, programme_admin)


def test_a_stuck_job_is_attention_though_the_worker_beats(client, kind_staff, planning_track):
    """The default worker beats; the long-job worker is down and the aggregation waits."""
    health.record_heartbeat(name=health.WORKER_HEARTBEAT)
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    Job.objects.create(
        track=planning_track,
        kind=Job.Kind.AGGREGATE,
        status=Job.Status.PENDING,
        created_at=long_ago,
        queued_at=long_ago,
    )
    assert system_status_for_user(kind_staff).needs_attention
    page = _page(client, kind_staff)
    assert HEALTHY not in page
    assert "Attention" in page


def test_an_old_backlog_is_attention(client, kind_staff):
    """E-mails waiting for half an hour (the mail queue not consumed) while the heartbeat, on
    the default queue, is fresh."""
    health.record_heartbeat(name=health.WORKER_HEARTBEAT)
    message = Message.objects.create(
        channel=Message.Channel.EMAIL, to_email="officer@klang.gov.my", template="x"
    )
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert system_status_for_user(kind_staff).needs_attention
    assert HEALTHY not in _page(client, kind_staff)


def test_an_email_the_worker_died_sending_is_counted_as_without_proof(
    client, programme_admin, monkeypatch
):
    """The worker dies after the mail server took the e-mail and before its outcome was
    written: after the claim time-out the e-mail is resolved as sent without proof. It used to
    leave no trace on the status page once resolved; staff must see that it may not have
    arrived, with a link to those e-mails."""
    from django.core import mail
    from django.db import OperationalError

    from notifications import services
    from notifications.services import resend_pending_messages

    health.record_heartbeat(name=health.WORKER_HEARTBEAT)
    [email] = queue_message(
        recipient=programme_admin,
        template="applications/submitted",
        context={"reference": "2026-PL-001", "title": "Klang plan", "call": "Call 2026"},
        channels=("email",),
        link="/applications/1/",
    )

    def worker_killed(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patched, pytest.raises(OperationalError):
        patched.setattr(services, "_record_outcome", worker_killed)
        deliver_message(message_id=email.pk)
    assert len(mail.outbox) == 1
    Message.objects.filter(pk=email.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    resend_pending_messages(older_than_seconds=0)
    email.refresh_from_db()
    assert email.status == Message.Status.SENT and email.delivery_uncertain

    status = system_status_for_user(programme_admin)
    assert status.outbox.uncertain_recent == 1
    assert not status.needs_attention  # history to check, not an outage
    page = _page(client, programme_admin)
    assert "sent without proof of delivery in the last 7 days" in page
    assert "/admin/notifications/message/?delivery_uncertain__exact=1" in page
    assert len(mail.outbox) == 1  # and it was not sent again
