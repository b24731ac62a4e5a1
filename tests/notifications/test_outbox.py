import pytest
from django.core import mail

from applications import services
from notifications import services as notification_services
from notifications import tasks
from notifications.models import Message
from notifications.services import resend_pending_messages

pytestmark = pytest.mark.django_db


def test_outbox_delivers_after_simulated_broker_outage(
    complete_draft, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(**kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.task_deliver_message, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    message = Message.objects.get(template="applications/submitted", channel="email")
    assert message.status == Message.Status.PENDING
    assert mail.outbox == []

    failed_at = notification_services._broker_failed_at
    monkeypatch.undo()  # the broker is back, and the resend job runs a minute later
    monkeypatch.setattr(
        notification_services,
        "_broker_failed_at",
        failed_at - notification_services.BROKER_PAUSE_SECONDS,
    )
    assert resend_pending_messages(older_than_seconds=0) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(mail.outbox) == 1
    assert complete_draft.organization.memberships.first().user.email in mail.outbox[0].to


def test_every_application_template_renders_in_both_languages(complete_draft):
    from django.utils import translation

    from notifications.services import render_message

    for template in (
        "applications/submitted",
        "applications/clarification_requested",
        "applications/status_changed",
        "applications/ineligible",
        "applications/decision",
        "applications/withdrawn",
        "applications/draft_reminder",
    ):
        for language in ("en", "ko"):
            message = Message(
                template=template,
                language=language,
                context={
                    "reference": "2026-PL-001",
                    "title": "A & B",
                    "call": "Call",
                    "status": "eligible",
                    "reason": "R",
                    "days": 7,
                    "closes_at": "x",
                    "message": "M",
                    "sections": ["Site"],
                },
                link="/applications/1/",
            )
            with translation.override("en"):
                render_message(message)
            assert message.subject.strip()
            assert "A & B" in message.body and "&amp;" not in message.body


def test_decision_email_states_released_outcome_in_recipient_language():
    from notifications.services import render_message

    message = Message(
        template="applications/decision",
        language="en",
        context={
            "reference": "2026-PL-001",
            "title": "Klang plan",
            "call": "Call 2026",
            "outcome": "selected",
            "amount": 400_000_000,
            "committee_summary": "Strong site.",
        },
        link="/applications/1/",
    )
    render_message(message)
    assert "has been released: Selected." in message.body
    assert "KRW 400,000,000" in message.body and "Strong site." in message.body


def test_decision_email_without_outcome_reveals_nothing():
    from notifications.services import render_message

    message = Message(
        template="applications/decision",
        language="en",
        context={
            "reference": "2026-PL-001",
            "title": "Klang plan",
            "call": "Call 2026",
            "status": "rejected",
        },
        link="/applications/1/",
    )
    render_message(message)
    assert "Not selected" not in message.body and "rejected" not in message.body


@pytest.mark.parametrize("language", ["en", "ko"])
def test_text_messages_are_not_html_escaped(language):
    """E-mails and notices are plain text: names with & and ' arrive as typed, in every
    template (the mechanism, not each template's own autoescape tag)."""
    from notifications.services import render_message

    for template, context in (
        (
            "reviews/reviewer_dropped",
            {"why": "conflict", "reviewer": "Sean O'Brien", "reference": "2026-PL-001"},
        ),
        (
            "results/contractor_selected",
            {"project": "Kim & Lee's plan", "code": "2022-PL-X", "company": "Kim & Lee"},
        ),
        (
            "applications/decision",
            {
                "reference": "2026-PL-001",
                "title": 'Roads & "Rails"',
                "call": "Call",
                "outcome": "rejected",
            },
        ),
    ):
        message = Message(template=template, language=language, context=context, link="/x/")
        render_message(message)
        text = message.subject + message.body
        assert "&amp;" not in text and "&#x27;" not in text and "&quot;" not in text, template
        assert any(v in text for v in context.values() if any(c in v for c in "&'\"")), template


def test_a_failed_publish_pauses_the_broker_for_the_process(
    complete_draft, other_applicant, monkeypatch, django_capture_on_commit_callbacks
):
    """A broker that hangs costs one timeout, not one per e-mail: after a failed publish the
    process leaves the broker alone for a while and the rows wait for the resend job."""
    from notifications.services import queue_message

    calls = []

    def broker_hangs(**kwargs):
        calls.append(kwargs)
        raise TimeoutError("no answer from Redis")

    monkeypatch.setattr(tasks.task_deliver_message, "delay", broker_hangs)
    for user in (complete_draft.created_by, other_applicant):
        with django_capture_on_commit_callbacks(execute=True):
            queue_message(
                recipient=user,
                template="applications/withdrawn",
                context={"reference": "2026-PL-009", "title": "Plan", "call": "Call"},
                channels=("email",),
            )
    assert len(calls) == 1
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.PENDING}
    # The broker is back; once the pause is over it is asked again.
    failed_at = notification_services._broker_failed_at
    monkeypatch.undo()
    monkeypatch.setattr(
        notification_services,
        "_broker_failed_at",
        failed_at - notification_services.BROKER_PAUSE_SECONDS,
    )
    assert resend_pending_messages(older_than_seconds=0) == 2
