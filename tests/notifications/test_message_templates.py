"""Staff-edited message templates: versions in use instead of the code templates, in each
reader's language; the safe subset of the template language; the placeholder check; the
preview with a real message; reset to the default; who may edit."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from core.domain import DomainError
from notifications import message_templates
from notifications.models import Message, MessageTemplate
from notifications.services import (
    preview_message_template,
    queue_message,
    render_message,
    reset_message_template,
    save_message_template,
    template_errors,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "applications/submitted"
TEXTS = {
    "subject_en": "Received: {{ reference }}",
    "body_en": "We have your proposal “{{ title }}” for {{ call }}.\n{{ site_url }}{{ link }}",
    "subject_ko": "접수 완료: {{ reference }}",
    "body_ko": "{{ call }}에 제출하신 “{{ title }}” 제안서를 접수했습니다.",
}
CONTEXT = {
    "reference": "2026-PL-007",
    "title": "Klang flood sensors",
    "call": "K-City Network 2026",
    "call_ko": "케이시티 네트워크 2026",
}


def _save(actor, **changes):
    return save_message_template(name=NAME, actor=actor, **{**TEXTS, **changes})


def _message(language="en", **kwargs):
    recipient = UserFactory(email=f"officer-{language}@klang.gov.my", language=language)
    return queue_message(
        recipient=recipient,
        template=NAME,
        context=CONTEXT,
        channels=("email",),
        link="/applications/7/",
        **kwargs,
    )[0]


def test_custom_template_is_used_in_each_readers_language(programme_admin):
    _save(programme_admin)
    english, korean = _message("en"), _message("ko")
    render_message(english)
    render_message(korean)
    assert english.subject == "Received: 2026-PL-007"
    assert "We have your proposal “Klang flood sensors” for K-City Network 2026." in english.body
    assert "/applications/7/" in english.body
    assert korean.subject == "접수 완료: 2026-PL-007"
    assert (
        korean.body
        == "케이시티 네트워크 2026에 제출하신 “Klang flood sensors” 제안서를 접수했습니다.\n"
    )


def test_delivered_email_uses_the_custom_text(programme_admin, django_capture_on_commit_callbacks):
    _save(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        message = _message("ko")
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [m.subject for m in mail.outbox] == ["접수 완료: 2026-PL-007"]


def test_without_a_custom_version_the_code_template_is_used(programme_admin):
    message = _message("en")
    render_message(message)
    assert "Received" not in message.subject
    assert "2026-PL-007" in message.subject


def test_each_save_is_a_new_version_and_older_ones_are_kept(programme_admin):
    first = _save(programme_admin)
    second = _save(programme_admin, subject_en="Thank you: {{ reference }}")
    first.refresh_from_db()
    assert (first.version, first.is_active) == (1, False)
    assert (second.version, second.is_active) == (2, True)
    assert second.created_by == programme_admin
    message = _message("en")
    render_message(message)
    assert message.subject == "Thank you: 2026-PL-007"
    audit = AuditEvent.objects.filter(object_id=str(second.pk), action="is_active").get()
    assert audit.actor == programme_admin
    assert audit.detail == {"template": NAME, "version": 2, "replaces": 1}


def test_reset_to_default_uses_the_code_template_again_and_keeps_history(programme_admin):
    version = _save(programme_admin)
    reset_message_template(name=NAME, actor=programme_admin)
    version.refresh_from_db()
    assert version.is_active is False
    assert MessageTemplate.objects.filter(name=NAME).count() == 1
    message = _message("en")
    render_message(message)
    assert not message.subject.startswith("Received:")
    reset = AuditEvent.objects.filter(object_id=str(version.pk), action="is_active").last()
    assert (reset.old_value, reset.actor) == ("True", programme_admin)
    assert reset.detail == {"template": NAME, "version": 1, "reset_to_default": True}
    with pytest.raises(DomainError, match="already uses the default"):
        reset_message_template(name=NAME, actor=programme_admin)


def test_unknown_placeholder_is_refused_next_to_its_field(programme_admin):
    with pytest.raises(DomainError) as exc:
        _save(programme_admin, body_ko="{{ reviewer_name }} 님")
    assert exc.value.field == "body_ko"
    assert "reviewer_name" in str(exc.value.message)
    assert not MessageTemplate.objects.exists()


def test_syntax_error_is_refused(programme_admin):
    errors = template_errors(name=NAME, texts={**TEXTS, "subject_en": "{% if reference %}x"})
    assert list(errors) == ["subject_en"]
    assert "syntax error" in str(errors["subject_en"])
    with pytest.raises(DomainError):
        _save(programme_admin, subject_en="{{ reference| }}")


@pytest.mark.parametrize(
    "text",
    [
        "{% for c in call %}{{ c }}{% endfor %}",
        '{% include "base.html" %}',
        "{% debug %}",
        "{% load i18n %}",
        "{{ title.upper }}",
        "{{ title|safe }}",
        "{% now 'Y' %}",
    ],
)
def test_tags_filters_and_lookups_outside_the_subset_are_refused(text):
    assert message_templates.text_problem(text, {"title", "call"}) is not None


def test_if_placeholders_and_formatting_filters_are_allowed():
    text = (
        "{% if amount %}{{ amount|krw }}{% elif reserve_rank %}#{{ reserve_rank }}{% else %}"
        '{{ title|default:"—"|upper }}{% endif %}'
    )
    assert message_templates.text_problem(text, {"amount", "reserve_rank", "title"}) is None


def test_placeholders_are_read_from_the_code_template():
    assert message_templates.placeholders("applications/decision") == [
        "amount",
        "call",
        "committee_summary",
        "link",
        "outcome",
        "reference",
        "reserve_rank",
        "site_url",
        "title",
    ]


def test_preview_renders_the_latest_real_message_in_both_languages(programme_admin):
    _message("en")
    latest = _message("ko")
    preview = preview_message_template(name=NAME, texts=TEXTS, message=latest)
    assert preview["en"]["subject"] == "Received: 2026-PL-007"
    assert "K-City Network 2026" in preview["en"]["body"]
    assert preview["ko"]["body"].startswith("케이시티 네트워크 2026에 제출하신")
    assert not MessageTemplate.objects.exists()  # a preview saves nothing


def test_preview_page_uses_the_most_recent_message(client, programme_admin):
    _message("en")
    client.force_login(programme_admin)
    response = client.post(
        reverse("staff_notifications:template_edit", args=[NAME]),
        {**TEXTS, "action": "preview"},
    )
    assert response.status_code == 200
    assert "Received: 2026-PL-007" in response.content.decode()
    assert "케이시티 네트워크 2026에 제출하신" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_edit_page_saves_a_version(client, programme_admin):
    client.force_login(programme_admin)
    url = reverse("staff_notifications:template_edit", args=[NAME])
    response = client.post(url, {**TEXTS, "action": "save"})
    assert response.status_code == 302
    version = MessageTemplate.objects.get(name=NAME, is_active=True)
    assert version.subject_ko == TEXTS["subject_ko"]
    page = client.get(reverse("staff_notifications:templates")).content.decode()
    assert "Customised (version 1)" in page


def test_edit_page_shows_the_refusal_next_to_the_field_and_keeps_the_text(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(
        reverse("staff_notifications:template_edit", args=[NAME]),
        {**TEXTS, "body_en": "Dear {{ password }}", "action": "save"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["body_en"] == [
        "“password” is not a placeholder of this template."
    ]
    assert "Dear {{ password }}" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_version_page_shows_the_change(client, programme_admin):
    _save(programme_admin)
    _save(programme_admin, subject_en="Thank you: {{ reference }}")
    client.force_login(programme_admin)
    page = client.get(
        reverse("staff_notifications:template_version", args=[NAME, 2])
    ).content.decode()
    assert "-Received: {{ reference }}" in page
    assert "+Thank you: {{ reference }}" in page


def test_reset_page_restores_the_default(client, programme_admin):
    _save(programme_admin)
    client.force_login(programme_admin)
    response = client.post(reverse("staff_notifications:template_reset", args=[NAME]))
    assert response.status_code == 302
    assert not MessageTemplate.objects.filter(is_active=True).exists()


def test_secretariat_staff_and_applicants_may_not_edit(client, kind_staff, applicant):
    for user in (kind_staff, applicant):
        with pytest.raises(DomainError):
            _save(user)
        client.force_login(user)
        for url in (
            reverse("staff_notifications:templates"),
            reverse("staff_notifications:template_edit", args=[NAME]),
        ):
            assert client.get(url).status_code == 403
        response = client.post(
            reverse("staff_notifications:template_edit", args=[NAME]), {**TEXTS, "action": "save"}
        )
        assert response.status_code == 403
    assert not MessageTemplate.objects.exists()


def test_programme_admin_opens_every_template(client, programme_admin):
    client.force_login(programme_admin)
    names = message_templates.template_names()
    assert NAME in names and "applications/decision" in names
    for name in names:
        response = client.get(reverse("staff_notifications:template_edit", args=[name]))
        assert response.status_code == 200, name


def test_unknown_template_is_404(client, programme_admin):
    client.force_login(programme_admin)
    url = reverse("staff_notifications:template_edit", args=["applications/nothing"])
    assert client.get(url).status_code == 404


def test_plain_default_is_offered_as_the_starting_text(client, programme_admin):
    client.force_login(programme_admin)
    response = client.get(reverse("staff_notifications:template_edit", args=[NAME]))
    initial = response.context["form"].initial
    assert "{{ reference }}" in initial["subject_en"]
    assert (
        message_templates.text_problem(
            initial["body_ko"], set(message_templates.placeholders(NAME))
        )
        is None
    )


def test_template_list_query_count_does_not_grow_with_versions(client, programme_admin):
    client.force_login(programme_admin)
    url = reverse("staff_notifications:templates")
    _save(programme_admin)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for name in message_templates.template_names()[:5]:
        for number in range(2):
            save_message_template(
                name=name,
                actor=programme_admin,
                # Not ``link``: in the subject of an invitation it would show its key.
                subject_en="{{ site_url }}",
                body_en=f"x{number}",  # the same texts again would make no version
                subject_ko="{{ site_url }}",
                body_ko="y",
            )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(one)
    assert page.count("Customised (version") == 6  # five more besides NAME
