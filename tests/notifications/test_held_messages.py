"""Messages held for review: written but neither sent nor shown until programme admins release
them, then delivered once, with an audit row; decisions released "held" wait there."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.audit import audit_events_for
from applications.models import Application
from core.domain import DomainError
from notifications.models import Message
from notifications.privacy import messages_due
from notifications.selectors import notices_for_user
from notifications.services import (
    deliver_message,
    holding_messages,
    queue_message,
    release_held_messages,
    resend_pending_messages,
)
from reporting.system_status import outbox_status
from results.services import (
    confirm_decisions,
    decision_batch,
    propose_funding_line,
    release_decisions,
)
from tests.factories import UserFactory
from tests.results.test_selection import _email_templates, ranked_track  # noqa: F401

pytestmark = pytest.mark.django_db

BATCH = "2026-PL decisions"


def _held(applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), holding_messages(BATCH):
        return queue_message(
            recipient=applicant,
            template="applications/submitted",
            context={"reference": "2026-PL-001", "title": "Klang plan", "call": "Call 2026"},
            link="/applications/1/",
        )


def test_held_messages_are_neither_sent_nor_shown(applicant, django_capture_on_commit_callbacks):
    messages = _held(applicant, django_capture_on_commit_callbacks)
    assert {(m.channel, m.status, m.held_batch) for m in messages} == {
        ("email", "held", BATCH),
        ("in_app", "held", BATCH),
    }
    email = next(m for m in messages if m.channel == "email")
    assert resend_pending_messages(older_than_seconds=0) == 0
    assert deliver_message(message_id=email.pk).status == Message.Status.HELD
    assert mail.outbox == []
    assert list(notices_for_user(applicant)) == []
    email.refresh_from_db()
    assert (email.status, email.attempts, email.subject) == ("held", 0, "")


def test_held_messages_are_not_stuck_in_the_system_status(
    applicant, django_capture_on_commit_callbacks
):
    _held(applicant, django_capture_on_commit_callbacks)
    status = outbox_status()
    assert (status.pending_emails, status.failed, status.dead, status.stuck_sending) == (0, 0, 0, 0)


def test_held_messages_are_kept_by_the_retention_job(applicant, django_capture_on_commit_callbacks):
    from django.utils import timezone

    _held(applicant, django_capture_on_commit_callbacks)
    assert not messages_due(timezone.now() + timezone.timedelta(days=1)).exists()


def test_release_sends_each_message_once_with_an_audit_row(
    applicant, programme_admin, django_capture_on_commit_callbacks
):
    messages = _held(applicant, django_capture_on_commit_callbacks)
    ids = [m.pk for m in messages]
    with django_capture_on_commit_callbacks(execute=True):
        assert release_held_messages(ids=ids, actor=programme_admin) == 2
    assert len(mail.outbox) == 1
    assert "2026-PL-001" in mail.outbox[0].subject
    email, notice = (Message.objects.get(pk=pk) for pk in ids)
    assert (email.status, email.attempts) == (Message.Status.SENT, 1)
    assert notice.status == Message.Status.SENT and "2026-PL-001" in notice.subject
    assert list(notices_for_user(applicant)) == [notice]
    for message in (email, notice):
        (event,) = audit_events_for(message)
        assert (event.actor, event.old_value) == (programme_admin, "held")
        assert event.detail["batch"] == BATCH
    # Released again (a double click): nothing moves, nothing is sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert release_held_messages(ids=ids, actor=programme_admin) == 0
    assert resend_pending_messages(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1


def test_only_programme_admins_release(applicant, kind_staff, django_capture_on_commit_callbacks):
    messages = _held(applicant, django_capture_on_commit_callbacks)
    for user in (kind_staff, applicant):
        with pytest.raises(DomainError):
            release_held_messages(ids=[m.pk for m in messages], actor=user)
    assert set(Message.objects.values_list("status", flat=True)) == {"held"}


def test_held_page_lists_and_sends_a_batch(
    client, applicant, programme_admin, django_capture_on_commit_callbacks
):
    _held(applicant, django_capture_on_commit_callbacks)
    client.force_login(programme_admin)
    url = reverse("staff_notifications:held")
    page = client.get(url, {"batch": BATCH}).content.decode()
    assert "Klang plan" in page  # each message as it would be sent
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"batch": BATCH, "all": "1"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert not Message.objects.filter(status="held").exists()


def test_held_page_refuses_secretariat_staff_and_applicants(
    client, applicant, kind_staff, django_capture_on_commit_callbacks
):
    messages = _held(applicant, django_capture_on_commit_callbacks)
    url = reverse("staff_notifications:held")
    for user in (kind_staff, applicant):
        client.force_login(user)
        assert client.get(url, {"batch": BATCH}).status_code == 403
        response = client.post(url, {"message": [m.pk for m in messages]})
        assert response.status_code == 403
    assert set(Message.objects.values_list("status", flat=True)) == {"held"}


def test_admin_filters_held_messages_and_sends_them(
    client, applicant, programme_admin, django_capture_on_commit_callbacks
):
    messages = _held(applicant, django_capture_on_commit_callbacks)
    other = queue_message(
        recipient=UserFactory(), template="applications/submitted", channels=("email",)
    )[0]
    client.force_login(programme_admin)
    changelist = reverse("admin:notifications_message_changelist")
    response = client.get(changelist, {"status__exact": "held"})
    assert set(response.context["cl"].result_list) == set(messages)
    assert other not in response.context["cl"].result_list
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            changelist,
            {"action": "release_held", "_selected_action": [m.pk for m in messages]},
        )
    assert not Message.objects.filter(status="held").exists()
    assert len([m for m in mail.outbox if m.to == [applicant.email]]) == 1


def test_decisions_released_with_hold_wait_for_review(
    ranked_track,  # noqa: F811
    kind_staff,
    programme_admin,
    django_capture_on_commit_callbacks,
):
    track, applications = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    confirm_decisions(track=track, actor=programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert release_decisions(track=track, actor=programme_admin, hold_messages=True) == 7
    # The decisions are released; only the messages wait.
    assert Application.objects.get(pk=applications[0].pk).status == "selected"
    decision_messages = Message.objects.filter(template="applications/decision")
    assert decision_messages.count() == 7 * 2
    assert set(decision_messages.values_list("status", "held_batch")) == {
        ("held", decision_batch(track))
    }
    assert mail.outbox == []
    # Other messages of the release (status changes) are not held.
    assert not Message.objects.exclude(template="applications/decision").filter(status="held")
    with django_capture_on_commit_callbacks(execute=True):
        released = release_held_messages(
            ids=decision_messages.values_list("pk", flat=True), actor=programme_admin
        )
    assert released == 14
    assert len([m for m in mail.outbox if "decision" in m.subject.lower()]) == 7


def test_decisions_released_without_hold_are_sent_at_once(
    ranked_track,  # noqa: F811
    kind_staff,
    programme_admin,
    django_capture_on_commit_callbacks,
):
    track, _applications = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    confirm_decisions(track=track, actor=programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        release_decisions(track=track, actor=programme_admin)
    assert not Message.objects.filter(status="held").exists()
    assert Message.objects.filter(template="applications/decision", channel="email").count() == 7
    assert {m.status for m in Message.objects.filter(template="applications/decision")} == {"sent"}


def test_selection_page_holds_when_asked_and_links_to_the_batch(
    client,
    ranked_track,  # noqa: F811
    kind_staff,
    programme_admin,
    django_capture_on_commit_callbacks,
):
    track, _applications = ranked_track
    propose_funding_line(track=track, actor=kind_staff)
    confirm_decisions(track=track, actor=programme_admin)
    client.force_login(programme_admin)
    url = reverse("staff_results:selection", kwargs={"track_id": track.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "release_track", "hold": "1"})
    assert Message.objects.filter(template="applications/decision", status="held").count() == 14
    assert mail.outbox == []
    page = client.get(url).content.decode()
    assert "14 decision messages are held for review." in page
    assert reverse("staff_notifications:held") in page


def test_held_page_query_count_does_not_grow_with_messages(
    client, applicant, programme_admin, django_capture_on_commit_callbacks
):
    _held(applicant, django_capture_on_commit_callbacks)
    client.force_login(programme_admin)
    url = reverse("staff_notifications:held")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(5):
        _held(UserFactory(), django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(one)
    assert page.count('name="message"') == 12


# --- Discarding a held message ------------------------------------------------------------------


def test_discarded_held_messages_are_never_sent_and_say_why_in_the_trail(
    client, applicant, programme_admin, kind_staff, django_capture_on_commit_callbacks
):
    from notifications.services import discard_held_messages

    messages = _held(applicant, django_capture_on_commit_callbacks)
    ids = [m.pk for m in messages]
    with pytest.raises(DomainError) as refused:  # a reason is required
        discard_held_messages(ids=ids, reason=" ", actor=programme_admin)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError):  # and only programme admins decide
        discard_held_messages(ids=ids, reason="Decision changed", actor=kind_staff)
    client.force_login(programme_admin)
    url = reverse("staff_notifications:held")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"batch": BATCH, "message": ids, "discard": "1", "reason": "Decision changed"},
            follow=True,
        )
    assert "2 held messages are discarded; they will not be sent." in response.content.decode()
    assert set(Message.objects.values_list("status", flat=True)) == {"discarded"}
    for message in Message.objects.all():
        (event,) = audit_events_for(message)
        assert (event.actor, event.old_value, event.new_value) == (
            programme_admin,
            "held",
            "discarded",
        )
        assert event.detail["reason"] == "Decision changed"
    # Nothing brings them out: no release, no resend, no notice, no mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert release_held_messages(ids=ids, actor=programme_admin) == 0
        assert resend_pending_messages(older_than_seconds=0) == 0
    email = Message.objects.get(channel="email")
    assert deliver_message(message_id=email.pk).status == Message.Status.DISCARDED
    assert mail.outbox == [] and list(notices_for_user(applicant)) == []
    assert "No message is held for review." in client.get(url).content.decode()


def test_discarding_without_a_reason_keeps_the_messages_held(
    client, applicant, programme_admin, django_capture_on_commit_callbacks
):
    messages = _held(applicant, django_capture_on_commit_callbacks)
    client.force_login(programme_admin)
    response = client.post(
        reverse("staff_notifications:held"),
        {"message": [m.pk for m in messages], "discard": "1", "reason": ""},
        follow=True,
    )
    assert "Say why the messages are not sent." in response.content.decode()
    assert set(Message.objects.values_list("status", flat=True)) == {"held"}
