"""A real Celery worker (not eager mode) delivers an outbox e-mail through the configured broker:
an in-memory broker locally, Redis in CI (REDIS_URL)."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connections, transaction

from kcity.celery import app as celery_app
from notifications.models import Message
from notifications.services import queue_message
from notifications.tasks import task_deliver_message
from tests.factories import UserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings):
    """Turn eager mode off and run a worker thread against the configured broker."""
    # Read the eager flag before the settings change: the first read of ``celery_app.conf`` in a
    # process loads it from the Django settings, and would otherwise remember the test's value.
    previous = celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    ran_in = []

    def record(sender=None, **kwargs):
        ran_in.append((sender.name, threading.get_ident()))
        # The worker thread's own database connection must not outlive the test database.
        connections.close_all()

    task_postrun.connect(record, weak=False)
    try:
        with start_worker(
            celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
        ):
            yield ran_in
    finally:
        task_postrun.disconnect(record)
        celery_app.conf.task_always_eager = previous


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_celery_worker_delivers_outbox_email_through_broker(real_worker):
    assert not celery_app.conf.task_always_eager
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    recipient = UserFactory(email="officer@klang.gov.my", name="Aminah Rahman")
    with transaction.atomic():
        queue_message(
            recipient=recipient,
            template="applications/submitted",
            context={"reference": "2026-PL-001", "title": "Klang smart city plan", "call": "2026"},
            channels=[Message.Channel.EMAIL],
        )
        message = Message.objects.get(recipient=recipient)
        assert message.status == Message.Status.PENDING  # nothing runs before the commit

    assert _wait_for(
        lambda: Message.objects.filter(pk=message.pk, status=Message.Status.SENT).exists()
    ), "the worker did not deliver the message"
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.sent_at is not None
    assert [m.to for m in mail.outbox] == [["officer@klang.gov.my"]]
    assert mail.outbox[0].subject == message.subject
    assert "2026-PL-001" in mail.outbox[0].body + mail.outbox[0].subject
    names_and_threads = list(real_worker)
    assert [name for name, _ in names_and_threads] == [task_deliver_message.name]
    assert names_and_threads[0][1] != threading.get_ident()  # ran in the worker, not inline
