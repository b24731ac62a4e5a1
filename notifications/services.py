"""The outbox: messages are rows written with the change that causes them, delivered by Celery."""

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from notifications.models import Message

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


def _queue_delivery(message_ids: list[int]) -> None:
    from notifications.tasks import task_deliver_message

    for message_id in message_ids:
        try:
            task_deliver_message.delay(message_id=message_id)
        except Exception:  # noqa: BLE001 - a broker outage must not break the request
            # The periodic resend job will pick the message up; nothing is lost.
            logger.warning("Could not queue message %s; the resend job will retry.", message_id)


def queue_message(
    *,
    recipient=None,
    to_email: str = "",
    template: str,
    context: dict | None = None,
    channels: Iterable[str] = (Message.Channel.EMAIL, Message.Channel.IN_APP),
    link: str = "",
    language: str | None = None,
    dedupe_key: str | None = None,
) -> list[Message]:
    """Write outbox rows for one notification and queue their delivery after commit.

    Call inside the transaction of the change that causes the message. With ``dedupe_key``,
    a second call with the same key writes nothing (used by periodic reminders). Does not send.
    """
    language = language or (recipient.language if recipient is not None else "en")
    to_email = to_email or (recipient.email if recipient is not None else "")
    created = []
    for channel in channels:
        if channel == Message.Channel.IN_APP and recipient is None:
            continue
        key = f"{dedupe_key}:{channel}" if dedupe_key else None
        if key and Message.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    recipient=recipient,
                    to_email=to_email if channel == Message.Channel.EMAIL else "",
                    channel=channel,
                    template=template,
                    context=context or {},
                    language=language,
                    link=link,
                    dedupe_key=key,
                )
        except IntegrityError:
            continue  # a concurrent call wrote the same reminder
        created.append(message)
    email_ids = [m.pk for m in created if m.channel == Message.Channel.EMAIL]
    for message in created:
        if message.channel == Message.Channel.IN_APP:
            render_message(message)
            message.status = Message.Status.SENT
            message.sent_at = timezone.now()
            message.save(update_fields=["subject", "body", "status", "sent_at"])
    if email_ids:
        transaction.on_commit(lambda: _queue_delivery(email_ids))
    return created


def in_each_language(key: str, value: Callable[[], str]) -> dict[str, str]:
    """Context entries for a name the reader should see in their own language.

    ``value`` is called once per site language inside ``translation.override`` (so
    ``display_name`` and choice labels follow it): ``key`` holds the English text and
    ``<key>_<code>`` the text in each other language, e.g. ``track`` and ``track_ko``.
    ``render_message`` picks the reader's one. Reads nothing from the database itself.
    """
    default = settings.LANGUAGE_CODE
    entries = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            entries[key if code == default else f"{key}_{code}"] = str(value())
    return entries


def _context_in_language(context: dict, language: str) -> dict:
    """The stored context with each ``<key>_<language>`` entry (if not blank) read as ``key``.

    Contexts stored before a key had its translated twin keep their single value.
    """
    suffix = f"_{language}"
    picked = dict(context)
    for key, value in context.items():
        if key.endswith(suffix) and value:
            picked[key.removesuffix(suffix)] = value
    return picked


def _render_text(name: str, context: dict) -> str:
    """A plain-text template rendered without HTML escaping: e-mails and in-app notices are
    text (the notices page escapes them when it shows them), so "Kim & Lee's" stays as typed
    instead of arriving as "Kim &amp; Lee&#x27;s"."""
    return get_template(name).template.render(Context(context, autoescape=False))


def render_message(message: Message) -> None:
    """Fill subject and body from the template in the recipient's language (no save).

    Names stored in each language (see ``in_each_language``) are read in that language.
    """
    language = message.language or "en"
    context = {
        **_context_in_language(message.context, language),
        "site_url": settings.SITE_URL,
        "link": message.link,
    }
    with translation.override(language):
        subject = _render_text(f"emails/{message.template}.subject.txt", context)
        body = _render_text(f"emails/{message.template}.txt", context)
    message.subject = " ".join(subject.split())[:255]
    message.body = body.strip() + "\n"


def deliver_message(*, message_id: int) -> Message | None:
    """Send one pending e-mail message. Idempotent: a sent message is not sent again.

    On failure the message is marked failed with the error and re-raised for the task's retry;
    after ``MAX_ATTEMPTS`` it is marked dead and staff see it in the admin.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status in (Message.Status.SENT, Message.Status.DEAD):
            return message
        render_message(message)
        message.attempts += 1
        try:
            email = EmailMultiAlternatives(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.to_email],
            )
            email.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - any SMTP failure is retried later
            message.status = (
                Message.Status.DEAD if message.attempts >= MAX_ATTEMPTS else Message.Status.FAILED
            )
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.save(update_fields=["subject", "body", "attempts", "status", "last_error"])
            raise
        message.status = Message.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(
            update_fields=["subject", "body", "attempts", "status", "sent_at", "last_error"]
        )
        return message


def resend_pending_messages(*, older_than_seconds: int = 60) -> int:
    """Re-queue e-mails still pending or failed; returns how many were queued. Sends nothing."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        Message.objects.filter(
            channel=Message.Channel.EMAIL,
            status__in=[Message.Status.PENDING, Message.Status.FAILED],
            created_at__lte=cutoff,
        ).values_list("pk", flat=True)[:1000]
    )
    _queue_delivery(ids)
    return len(ids)


def mark_message_read(*, message: Message, actor) -> Message:
    """Mark an in-app notice read by its recipient."""
    if message.recipient_id != actor.pk:
        raise PermissionError("Not your message.")
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
