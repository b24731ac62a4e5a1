"""The clarification request's message names the reopened sections in the reader's language,
whatever language the staff member who asked works in."""

import pytest
from django.utils import translation

from applications import services
from applications.selectors import SECTION_LABELS
from notifications.models import Message
from notifications.services import render_message

pytestmark = pytest.mark.django_db

TEMPLATE = "applications/clarification_requested"


def _ask_in_english(application, staff, sections):
    services.submit_application(application=application, actor=application.created_by)
    with translation.override("en"):  # the staff member works in English
        services.request_clarification(
            application=application, actor=staff, message="Please say more.", sections=sections
        )
    return Message.objects.filter(template=TEMPLATE, channel=Message.Channel.EMAIL).latest("pk")


def _sections_line(message, opening: str) -> str:
    render_message(message)
    return next(line for line in message.body.splitlines() if line.startswith(opening))


def test_korean_applicant_reads_the_sections_in_korean(complete_draft, kind_staff):
    applicant = complete_draft.created_by
    applicant.language = "ko"
    applicant.save(update_fields=["language"])
    message = _ask_in_english(complete_draft, kind_staff, ["site", "budget"])
    with translation.override("ko"):
        korean = ", ".join(str(SECTION_LABELS[s]) for s in ("site", "budget"))
    assert message.language == "ko"
    assert _sections_line(message, "수정을 위해 열린 항목:") == f"수정을 위해 열린 항목: {korean}"


def test_english_applicant_reads_the_sections_in_english(complete_draft, kind_staff):
    message = _ask_in_english(complete_draft, kind_staff, ["site", "budget"])
    assert _sections_line(message, "Sections opened for changes:") == (
        "Sections opened for changes: Site, Budget"
    )
