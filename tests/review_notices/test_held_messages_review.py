"""Review of the messages held for review: released or discarded by two people at once (nothing
sent twice, nobody's batch lost), a message sent meanwhile that staff meant to discard, and
every door closed to secretariat staff."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.audit import audit_events_for
from notifications import services
from notifications.models import Message
from tests.notifications.test_held_messages import _held
from tests.results.test_selection import _email_templates  # noqa: F401

pytestmark = pytest.mark.django_db


def _meanwhile(monkeypatch, name, other: Message, to: str):
    """Before the first message of a batch is moved, another programme admin's request moves
    ``other`` to ``to`` and commits (the race two tabs or two people make)."""
    real = getattr(services, name)
    done = []

    def wrapped(*args, **kwargs):
        if not done:
            done.append(True)
            Message.objects.filter(pk=other.pk).update(status=to)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, name, wrapped)


def test_a_release_skips_what_another_release_sent_meanwhile(
    applicant, programme_admin, monkeypatch, django_capture_on_commit_callbacks
):
    email, notice = sorted(
        _held(applicant, django_capture_on_commit_callbacks), key=lambda m: m.channel
    )
    _meanwhile(monkeypatch, "release_held_message", notice, Message.Status.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        released = services.release_held_messages(ids=[email.pk, notice.pk], actor=programme_admin)
    assert released == 1
    email.refresh_from_db()
    assert email.status == Message.Status.SENT and len(mail.outbox) == 1
    assert audit_events_for(notice).filter(action__contains="status").count() == 0


def test_a_discard_skips_what_was_sent_meanwhile(
    applicant, programme_admin, monkeypatch, django_capture_on_commit_callbacks
):
    email, notice = sorted(
        _held(applicant, django_capture_on_commit_callbacks), key=lambda m: m.channel
    )
    _meanwhile(monkeypatch, "apply_transition", email, Message.Status.PENDING)
    discarded = services.discard_held_messages(
        ids=[email.pk, notice.pk], reason="Wrong call", actor=programme_admin
    )
    assert discarded == 1
    email.refresh_from_db()
    notice.refresh_from_db()
    assert (email.status, notice.status) == (Message.Status.PENDING, Message.Status.DISCARDED)


def test_the_page_says_a_ticked_message_was_sent_before_it_could_be_discarded(
    client, applicant, programme_admin, django_capture_on_commit_callbacks
):
    email, notice = sorted(
        _held(applicant, django_capture_on_commit_callbacks), key=lambda m: m.channel
    )
    client.force_login(programme_admin)
    url = reverse("staff_notifications:held")
    client.get(url)  # the page is read with both held ...
    with django_capture_on_commit_callbacks(execute=True):
        services.release_held_messages(ids=[email.pk], actor=programme_admin)  # ... one goes
    response = client.post(
        url, {"message": [email.pk, notice.pk], "discard": "1", "reason": "Wrong call"}, follow=True
    )
    page = response.content.decode()
    assert "1 held message is discarded; it will not be sent." in page
    assert "1 of the chosen messages was no longer held" in page
    email.refresh_from_db()
    assert email.status == Message.Status.SENT


def test_secretariat_staff_cannot_release_held_messages_in_the_admin(
    client, applicant, kind_staff, django_capture_on_commit_callbacks
):
    messages = _held(applicant, django_capture_on_commit_callbacks)
    client.force_login(kind_staff)
    changelist = reverse("admin:notifications_message_changelist")
    assert client.get(changelist).status_code == 403
    response = client.post(
        changelist, {"action": "release_held", "_selected_action": [m.pk for m in messages]}
    )
    assert response.status_code == 403
    assert set(Message.objects.values_list("status", flat=True)) == {"held"}
