"""The clarification request's message and its template in the editor: the reopened sections
are text in each language (``in_each_language``), so the default text the editor offers reads
``{{ sections }}`` in both languages, and a message stored when they were a list still reads."""

import pytest
from django.urls import reverse
from django.utils import translation

from notifications import message_templates
from notifications.models import Message
from notifications.services import default_texts, render_message

pytestmark = pytest.mark.django_db

NAME = "applications/clarification_requested"


def test_default_text_names_the_sections_placeholder_in_both_languages():
    texts = default_texts(NAME)
    assert "Sections opened for changes: {{ sections }}" in texts["body_en"]
    assert "수정을 위해 열린 항목: {{ sections }}" in texts["body_ko"]


def test_no_default_text_spells_a_placeholder_letter_by_letter():
    spelled = {
        name: part
        for name in message_templates.template_names()
        for part, text in default_texts(name).items()
        if "{, {" in text
    }
    assert spelled == {}


def test_template_editor_shows_the_readable_default_text(client, programme_admin):
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    body = client.get(reverse("staff_notifications:template_edit", args=[NAME])).content.decode()
    assert "{, {," not in body
    assert "수정을 위해 열린 항목: {{ sections }}" in body


def test_message_stored_with_a_list_of_sections_still_reads():
    message = Message(
        template=NAME,
        context={"reference": "2026-PL-001", "title": "Klang", "sections": ["Site", "Budget"]},
        language="en",
        link="/applications/1/",
    )
    with translation.override("ko"):
        render_message(message)
    assert "Sections opened for changes: Site, Budget\n" in message.body


def test_a_stored_version_that_joined_the_sections_prints_them_as_text():
    """Migration 0006: a staff-edited clarification message written when the sections were a
    list (``{{ sections|join:", " }}``) prints the text they are now; other templates and
    the rest of the text are left as they were."""
    import importlib

    from django.apps import apps

    from notifications.models import MessageTemplate

    migration = importlib.import_module(
        "notifications.migrations.0006_clarification_sections_as_text"
    )
    edited = MessageTemplate.objects.create(
        name="applications/clarification_requested",
        version=1,
        subject_en="Clarification",
        body_en='Open: {{ sections|join:", " }}.',
        subject_ko="보완 요청",
        body_ko="열린 항목: {{ sections | join:'; ' }}",
        is_active=True,
    )
    other = MessageTemplate.objects.create(
        name="applications/submitted",
        version=1,
        subject_en="Submitted",
        body_en='{{ sections|join:", " }}',
        subject_ko="제출",
        body_ko="제출",
    )
    migration.sections_as_text(apps, None)
    edited.refresh_from_db()
    other.refresh_from_db()
    assert edited.body_en == "Open: {{ sections }}."
    assert edited.body_ko == "열린 항목: {{ sections }}"
    assert other.body_en == '{{ sections|join:", " }}'
