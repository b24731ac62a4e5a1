"""Deliverable mails name the project and the deliverable in the reader's language."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts import roles
from awards.contractor_selection import remind_deliverables
from notifications.models import Message
from notifications.services import render_message
from tests.factories import DeliverableFactory, UserFactory

pytestmark = pytest.mark.django_db

PROJECT_KO = "클랑 침수 대응 계획"


def _rendered(recipient) -> str:
    message = Message.objects.get(channel="email", recipient=recipient)
    render_message(message)
    return message.subject + "\n" + message.body


def test_deliverable_reminder_names_project_and_kind_in_each_readers_language(
    contracted_project, contractor
):
    contracted_project.name_ko = PROJECT_KO
    contracted_project.save(update_fields=["name_ko"])
    korean = UserFactory(
        email="pm-ko@hanul.example",
        language="ko",
        roles=[roles.CONTRACTOR],
        organizations=[contractor.organizations.first()],
    )
    DeliverableFactory(
        project=contracted_project, due_on=timezone.localdate() + datetime.timedelta(days=5)
    )
    with translation.override("ko"):  # whoever runs the job, each reader gets their own
        remind_deliverables(today=timezone.localdate())
        korean_kind = gettext("Inception report")
    english_text = _rendered(contractor)
    korean_text = _rendered(korean)
    assert "Leaky Klang plan" in english_text and "Inception report" in english_text
    assert PROJECT_KO not in english_text and korean_kind not in english_text
    assert PROJECT_KO in korean_text and korean_kind in korean_text
    assert "Leaky Klang plan" not in korean_text and "Inception report" not in korean_text
