"""Discarding held messages: the reason is a form field (at most 500 characters, no NUL), its
error is shown next to it, and the messages ticked stay ticked."""

import pytest
from django.urls import reverse

from notifications.models import Message
from tests.notifications.test_held_messages import _held
from tests.results.test_selection import _email_templates  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(applicant, django_capture_on_commit_callbacks):
    return _held(applicant, django_capture_on_commit_callbacks)


def _discard(client, admin, held, reason):
    client.force_login(admin)
    return client.post(
        reverse("staff_notifications:held"),
        {"message": [held[0].pk], "discard": "1", "reason": reason},
    )


def _reason_error(page: str) -> str:
    assert 'id="id_reason-error"' in page, "no error next to the reason"
    return page.split('id="id_reason-error"', 1)[1].split("</p>", 1)[0]


def _ticked(page: str, message: Message) -> bool:
    start = page.index(f'id="message-{message.pk}"')
    tag = page[page.rindex("<input", 0, start) : page.index(">", start)]
    return "checked" in tag


def test_missing_reason_is_shown_next_to_it_with_the_messages_still_ticked(
    client, programme_admin, held
):
    response = _discard(client, programme_admin, held, "  ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why the messages are not sent." in _reason_error(page)
    assert _ticked(page, held[0]) and not _ticked(page, held[1])
    assert '<details class="discard" open>' in page
    assert set(Message.objects.values_list("status", flat=True)) == {"held"}


@pytest.mark.parametrize(
    ("reason", "error"),
    [("x" * 501, "at most 500 characters"), ("Decision\x00 changed", "Null characters")],
)
def test_overlong_or_nul_reason_is_refused_next_to_it(client, programme_admin, held, reason, error):
    response = _discard(client, programme_admin, held, reason)
    assert response.status_code == 400
    page = response.content.decode()
    assert error in _reason_error(page)
    assert _ticked(page, held[0])
    assert set(Message.objects.values_list("status", flat=True)) == {"held"}


def test_reason_typed_is_kept_when_nothing_was_ticked(client, programme_admin, held):
    client.force_login(programme_admin)
    response = client.post(
        reverse("staff_notifications:held"), {"discard": "1", "reason": "Decision changed"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "No held message was chosen." in page
    assert 'value="Decision changed"' in page


def test_reason_input_does_not_stop_the_browser_sending_messages(client, programme_admin, held):
    """The reason shares its form with "Send the chosen messages": not required in the page."""
    client.force_login(programme_admin)
    page = client.get(reverse("staff_notifications:held")).content.decode()
    start = page.index('id="id_reason"')
    tag = page[page.rindex("<input", 0, start) : page.index(">", start)]
    assert "required" not in tag and 'maxlength="500"' in tag
