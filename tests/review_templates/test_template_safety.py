"""Review of the staff-edited message templates (an outside examiner's checks): a saved text
must neither break the change that writes its messages nor move a personal token to where the
back office shows it."""

import contextlib

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail

from accounts.services import send_password_reset_links
from core.domain import DomainError
from notifications.models import Message
from notifications.selectors import shown_body
from notifications.services import queue_message, render_message, save_message_template
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUBMITTED = "applications/submitted"
CONTEXT = {"reference": "2026-PL-007", "title": "Klang flood sensors", "call": "K-City 2026"}
RESET = "accounts/password_reset"
RESET_TEXTS = {
    "subject_en": "Reset your password",
    "body_en": "Hello {{ name }},\n{{ site_url }}{{ link }}\n",
    "subject_ko": "비밀번호 재설정",
    "body_ko": "{{ name }}님,\n{{ site_url }}{{ link }}\n",
}


def test_number_filter_on_a_text_placeholder_does_not_break_the_change(
    programme_admin, django_capture_on_commit_callbacks
):
    # ``krw`` is an allowed filter and ``title`` a placeholder: the save is accepted. The
    # messages are then written inside the change that causes them (an application's
    # submission): a filter that raises on a text would refuse the submission itself and
    # leave the e-mail failing until it is given up.
    save_message_template(
        name=SUBMITTED,
        actor=programme_admin,
        subject_en="Received: {{ reference|krw }}",
        body_en="Proposal {{ title|krw_compact }} for {{ call }}",
        subject_ko="접수: {{ reference|krw }}",
        body_ko="{{ title|krw }} 제안서",
    )
    recipient = UserFactory(email="officer@klang.gov.my", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        created = queue_message(recipient=recipient, template=SUBMITTED, context=CONTEXT)
    notice = next(m for m in created if m.channel == Message.Channel.IN_APP)
    assert notice.subject == "Received: 2026-PL-007"
    assert notice.body == "Proposal Klang flood sensors for K-City 2026\n"
    email = Message.objects.get(channel=Message.Channel.EMAIL, recipient=recipient)
    assert email.status == Message.Status.SENT
    assert [m.body for m in mail.outbox] == ["Proposal Klang flood sensors for K-City 2026\n"]


def test_number_filter_still_formats_a_number_in_a_custom_text(programme_admin):
    save_message_template(
        name="applications/decision",
        actor=programme_admin,
        subject_en="Decision",
        body_en="Amount: {{ amount|krw }}",
        subject_ko="결정",
        body_ko="금액: {{ amount|krw }}",
    )
    recipient = UserFactory(email="ko@klang.gov.my", language="ko")
    [notice] = queue_message(
        recipient=recipient,
        template="applications/decision",
        context={"amount": 400_000_000},
        channels=("in_app",),
    )
    assert notice.body == "금액: 4억 원\n"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("body_en", 'Your link: {{ link|join:" " }}'),
        ("body_en", "Your link: {{ link|upper }}"),
        ("body_en", "Code: {{ link|truncatechars:30 }}"),
        ("body_ko", "{{ link|default:'' }}"),
        ("body_en", '{% if "a" in link %}a{% endif %}'),
        ("subject_en", "Reset: {{ link }}"),
        ("subject_ko", "{{ site_url }}{{ link }}"),
    ],
)
def test_token_placeholder_may_not_be_reshaped_or_put_in_the_subject(programme_admin, field, text):
    # The back office hides each body line holding the token or an address and shows the
    # subject as it is; a reshaped token (spaced out, upper-cased, cut) or one in the subject
    # would be readable there: a password reset link of any account, superusers' included.
    with pytest.raises(DomainError) as refused:
        save_message_template(name=RESET, actor=programme_admin, **{**RESET_TEXTS, field: text})
    assert refused.value.field == field


def test_token_placeholder_as_it_is_in_the_body_is_accepted(programme_admin):
    version = save_message_template(name=RESET, actor=programme_admin, **RESET_TEXTS)
    assert version.is_active


def test_reshaped_token_is_not_readable_in_the_back_office(programme_admin):
    # End to end: whatever a programme admin managed to save, no line of a reset e-mail the
    # outbox shows spells the token out.
    with contextlib.suppress(DomainError):
        save_message_template(
            name=RESET,
            actor=programme_admin,
            **{**RESET_TEXTS, "body_en": 'Hello {{ name }}\nCode: {{ link|join:" " }}'},
        )
    victim = UserFactory(email="victim@molit.go.kr", language="en")
    send_password_reset_links(users=[victim], token_generator=default_token_generator)
    message = Message.objects.get(template=RESET, recipient=victim)
    render_message(message)
    token = message.context["token"]
    shown = shown_body(message).replace(" ", "").upper()
    assert token.upper() not in shown
    assert message.link.upper() not in shown
