"""The message-template editor shows each template's default text in its own language. A
template with a count or an amount (a plural, a number filter) could not be rendered with
placeholders, so both columns showed the English code template (``{% load i18n %}{% translate
"Hello," %}…``): a Korean secretariat officer writing the Korean text saw no Korean default at
all, on 11 of the templates."""

import pytest
from django.urls import reverse

from notifications import message_templates
from notifications.services import default_texts

pytestmark = pytest.mark.django_db


def test_every_default_text_is_rendered_not_shown_as_template_source():
    source = {
        (name, part)
        for name in message_templates.template_names()
        for part, text in default_texts(name).items()
        if "{%" in text
    }
    assert source == set()


def test_a_counted_template_reads_in_korean_with_its_other_placeholders_kept():
    texts = default_texts("reviews/assigned")
    assert "{{ track }}" in texts["subject_ko"] and "{{ track }}" in texts["body_ko"]
    assert "평가할 신청서 2건" in texts["subject_ko"]
    assert "You have been assigned" not in texts["body_ko"]
    assert "{{ site_url }}{{ link }}" in texts["body_ko"]
    amounts = default_texts("awards/payment_approved")
    # Only the amount needed a number; the tranche and the project stay placeholders.
    assert "{{ tranche }}" in amounts["body_ko"] and "{{ project }}" in amounts["body_ko"]
    assert "{{ amount }}" not in amounts["body_ko"]


def test_the_editor_shows_the_korean_default_in_korean(client, programme_admin):
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    body = client.get(
        reverse("staff_notifications:template_edit", args=["reviews/assigned"])
    ).content.decode()
    korean = body[body.index('id="default-heading"') :]
    korean = korean[korean.index('<div lang="ko">') : korean.index("</section>")]
    assert "배정되었습니다" in korean
    assert "{% load i18n %}" not in korean
