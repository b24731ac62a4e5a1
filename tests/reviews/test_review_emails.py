"""Every review e-mail renders in English and Korean with the context its service gives."""

import pytest

from notifications.models import Message
from notifications.services import render_message

pytestmark = pytest.mark.django_db

CASES = {
    "reviews/invitation": {"name": "Dr Kim", "track": "2026 — Smart City Planning"},
    "reviews/assigned": {"track": "2026 — Smart City Planning", "count": 3},
    "reviews/reopened": {"reference": "2026-PL-001", "reason": "Score contradicts text"},
    "reviews/reminder": {"reference": "2026-PL-001", "due_at": "2026-06-30 18:00", "overdue": True},
    "reviews/reviewer_dropped": {"reference": "2026-PL-001", "reviewer": "Dr Kim", "why": "time"},
}


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("template", sorted(CASES))
def test_review_email_renders(template, language):
    message = Message(
        template=template,
        context=CASES[template],
        language=language,
        link="/reviews/",
        channel="email",
        to_email="expert@example.net",
    )
    render_message(message)
    assert message.subject.strip()
    assert "/reviews/" in message.body
    assert "{%" not in message.body and "{{" not in message.body
    for value in CASES[template].values():
        if isinstance(value, str) and template != "reviews/assigned" and value != "time":
            assert value in message.subject + message.body


def test_assigned_email_uses_the_plural():
    message = Message(template="reviews/assigned", context=CASES["reviews/assigned"], language="en")
    render_message(message)
    assert "3 applications to review" in message.subject


def test_invitation_email_delivered_to_someone_without_an_account(
    role_groups, planning_track, kind_staff, django_capture_on_commit_callbacks, mailoutbox
):
    from reviews import services

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_reviewer(
            track=planning_track, email="newcomer@example.net", actor=kind_staff
        )
    [email] = mailoutbox
    assert email.to == ["newcomer@example.net"]
    assert f"/reviews/invitations/{invitation.token}/" in email.body
