"""The outbox: messages are rows written with the change that causes them, delivered by Celery.

Delivery of one e-mail is three steps, so that no failure can make it go out twice:

1. the claim (a transaction): the row moves to ``sending``, its attempt count and a
   ``DeliveryAttempt`` are written, the subject, body and a stable ``Message-ID`` are stored;
2. the send, outside any transaction (a slow mail server holds no lock);
3. the outcome (another transaction): ``sent``, or ``failed`` with the error and the time of
   the next try (exponential back-off), or ``dead`` after ``MAX_ATTEMPTS``.

A row still ``sending`` long after its claim (``claim_timeout``) lost its outcome: the worker
died or the database went away after the mail server may have taken the message. It is
resolved as sent with ``delivery_uncertain`` set, never sent again automatically; staff see it
in the admin. Retries are driven only by ``next_attempt_at`` through the periodic
``resend_pending_messages`` job: the Celery task never retries by itself.
"""

import datetime
import logging
import random
import smtplib
from collections.abc import Callable, Iterable
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.domain import DomainError, require_permission
from core.transitions import apply_transition
from notifications.models import DeliveryAttempt, Message
from notifications.selectors import is_sensitive_template

logger = logging.getLogger(__name__)

# Tries before a message is given up (``dead``); with the back-off below, about 20 hours.
MAX_ATTEMPTS = 12
FIRST_BACKOFF = datetime.timedelta(minutes=1)
MAX_BACKOFF = datetime.timedelta(hours=6)
# How many messages one run of the periodic job handles; the next run takes the rest.
RESEND_BATCH = 500
# A claim older than this lost its worker (a delivery task is killed after 90 seconds).
DEFAULT_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)

UNCERTAIN_STOPPED = (
    "delivery uncertain: the worker stopped after handing the message to the mail server"
)
UNCERTAIN_CUT = "delivery uncertain: the connection broke while the mail server was receiving it"

# The back-office permission to send a failed or given-up e-mail again (``accounts.rules``
# publishes it: notifications knows users only by permissions).
RETRY_DELIVERY = "notifications.retry_delivery"

# The one way back into the queue: staff retry a failed or given-up e-mail.
MESSAGE_TRANSITIONS = {
    Message.Status.FAILED: {Message.Status.PENDING},
    Message.Status.DEAD: {Message.Status.PENDING},
}


def claim_timeout() -> datetime.timedelta:
    """How long a ``sending`` claim may wait for its outcome (``KCITY_OUTBOX_CLAIM_TIMEOUT``
    seconds, default 10 minutes) before it is resolved as delivered-uncertain."""
    seconds = getattr(settings, "KCITY_OUTBOX_CLAIM_TIMEOUT", None)
    return DEFAULT_CLAIM_TIMEOUT if seconds is None else datetime.timedelta(seconds=seconds)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4 … minutes, at most 6 hours, plus up
    to 10 % jitter so messages that failed together do not all come back in the same second."""
    wait = min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)
    return wait * (1 + random.random() / 10)  # noqa: S311 - jitter, not a secret


def _queue_delivery(message_ids: list[int]) -> int:
    """Queue a delivery task per message; return how many were queued.

    Never raises: with the broker down the first failure stops the loop (every further call
    would wait for the same outage) and the periodic resend job picks the rows up later.
    """
    from notifications.tasks import task_deliver_message

    for queued, message_id in enumerate(message_ids):
        try:
            task_deliver_message.delay(message_id=message_id)
        except Exception:  # noqa: BLE001 - a broker outage must not break the request
            logger.warning(
                "Could not queue message %s (%d more left); the resend job will retry.",
                message_id,
                len(message_ids) - queued - 1,
            )
            return queued
    return len(message_ids)


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
                    sensitive=is_sensitive_template(template),
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


def _mail_domain() -> str:
    """The domain of the site's own ``Message-ID``s (the host of ``SITE_URL``)."""
    return urlsplit(settings.SITE_URL).hostname or "kcity.local"


def _fail(message: Message, attempt: DeliveryAttempt, error: str, now) -> None:
    """Record a failed attempt on the locked ``message``: retried after the back-off, or
    given up after ``MAX_ATTEMPTS``."""
    error = error[:2000]
    dead = message.attempts >= MAX_ATTEMPTS
    message.status = Message.Status.DEAD if dead else Message.Status.FAILED
    message.last_error = error
    message.next_attempt_at = None if dead else now + backoff(message.attempts)
    message.save(update_fields=["status", "last_error", "next_attempt_at"])
    attempt.outcome, attempt.error, attempt.finished_at = DeliveryAttempt.Outcome.FAILED, error, now
    attempt.save(update_fields=["outcome", "error", "finished_at"])


def _mark_uncertain(message: Message, note: str, now) -> None:
    """Resolve the locked ``message`` as sent without proof, and close its open attempts."""
    message.status = Message.Status.SENT
    message.delivery_uncertain = True
    message.sent_at = message.sent_at or now
    message.last_error = note[:2000]
    message.next_attempt_at = None
    message.save(
        update_fields=["status", "delivery_uncertain", "sent_at", "last_error", "next_attempt_at"]
    )
    message.delivery_attempts.filter(outcome=DeliveryAttempt.Outcome.IN_PROGRESS).update(
        outcome=DeliveryAttempt.Outcome.UNCERTAIN, error=note[:2000], finished_at=now
    )


def _claim_is_stale(message: Message, now) -> bool:
    return message.claimed_at is None or message.claimed_at <= now - claim_timeout()


@transaction.atomic
def _claim(message_id: int) -> tuple[Message | None, DeliveryAttempt | None]:
    """Step 1: take the message for one send, or say why not (no attempt returned).

    Nothing is sent for a sent or given-up message, a failed one whose next try is not due,
    or one another worker has just claimed (two queued tasks for one message). A stale claim
    is resolved as delivered-uncertain here: the earlier attempt may have reached the server.
    """
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.channel != Message.Channel.EMAIL:
        return message, None
    now = timezone.now()
    if message.status == Message.Status.SENDING:
        if _claim_is_stale(message, now):
            _mark_uncertain(message, UNCERTAIN_STOPPED, now)
        return message, None
    if message.status not in (Message.Status.PENDING, Message.Status.FAILED):
        return message, None
    if message.next_attempt_at is not None and message.next_attempt_at > now:
        return message, None
    previous = (message.status, message.attempts)
    message.attempts += 1
    attempt = DeliveryAttempt(message=message, number=message.attempts, started_at=now)
    try:
        render_message(message)
    except Exception as exc:  # noqa: BLE001 - a broken template is recorded, not retried at once
        attempt.save()
        message.save(update_fields=["attempts"])
        _fail(message, attempt, f"rendering failed: {type(exc).__name__}: {exc}", now)
        return message, None
    message.status = Message.Status.SENDING
    message.claimed_at = now
    message.message_id = message.message_id or make_msgid(domain=_mail_domain())
    # A compare-and-set, not a plain save: where the row lock is not real (SQLite), a second
    # worker that read the same row before this claim changes nothing and sends nothing.
    claimed = Message.objects.filter(
        pk=message.pk, status=previous[0], attempts=previous[1]
    ).update(
        status=message.status,
        attempts=message.attempts,
        claimed_at=now,
        message_id=message.message_id,
        subject=message.subject,
        body=message.body,
    )
    if not claimed:
        return message, None
    attempt.save()
    return message, attempt


def _send(message: Message) -> None:
    """Step 2: hand the e-mail to the mail server, with its stored ``Message-ID`` (a copy sent
    again by hand is recognisable as the same message)."""
    EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={"Message-ID": message.message_id},
    ).send(fail_silently=False)


# The smtplib steps after which the server may hold the message: DATA (the text went out, the
# reply did not come back) and QUIT (DATA was accepted).
_AFTER_DATA = {smtplib.SMTP.data.__code__, smtplib.SMTP.quit.__code__}


def may_have_been_accepted(exc: BaseException) -> bool:
    """Whether the mail server may have taken the message despite ``exc``.

    A reply from the server proves it did not take it: refused sender or recipients, a 4xx or
    5xx to DATA, a refused connection or greeting (``SMTPResponseException`` and
    ``SMTPRecipientsRefused``). So does any error before DATA (connection refused, HELO,
    TLS, log-in). Only a broken connection or a time-out during or after DATA leaves the
    outcome unknown: that is read from where in smtplib the error was raised.
    """
    if isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in _AFTER_DATA:
            return True
        tb = tb.tb_next
    return False


@transaction.atomic
def _record_outcome(
    message: Message, attempt: DeliveryAttempt, error: BaseException | None
) -> Message:
    """Step 3: write what the send did. Applies only while the row still holds this claim;
    if a sweep resolved it meanwhile (the send outlived the claim timeout), a success at
    least clears the uncertainty and anything else keeps the resolution."""
    now = timezone.now()
    row = Message.objects.select_for_update().get(pk=message.pk)
    attempt = DeliveryAttempt.objects.select_for_update().get(pk=attempt.pk)
    text = "" if error is None else f"{type(error).__name__}: {error}"
    if row.status != Message.Status.SENDING or row.attempts != attempt.number:
        resolved_by_sweep = row.status == Message.Status.SENT and row.attempts == attempt.number
        if error is None and resolved_by_sweep and row.delivery_uncertain:
            row.delivery_uncertain, row.last_error = False, ""
            row.save(update_fields=["delivery_uncertain", "last_error"])
            attempt.outcome, attempt.error = DeliveryAttempt.Outcome.SENT, ""
            attempt.finished_at = now
            attempt.save(update_fields=["outcome", "error", "finished_at"])
        return row
    if error is None:
        row.status = Message.Status.SENT
        row.sent_at = now
        row.last_error = ""
        row.next_attempt_at = None
        row.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
        attempt.outcome, attempt.finished_at = DeliveryAttempt.Outcome.SENT, now
        attempt.save(update_fields=["outcome", "finished_at"])
    elif may_have_been_accepted(error):
        logger.warning("Message %s: %s (%s)", row.pk, UNCERTAIN_CUT, text)
        _mark_uncertain(row, f"{UNCERTAIN_CUT} ({text})", now)
    else:
        _fail(row, attempt, text, now)
    return row


def deliver_message(*, message_id: int) -> Message | None:
    """Send one e-mail of the outbox at most once; return the row as recorded.

    Called by the delivery task (and so by the periodic job); idempotent. A refused or
    unreachable mail server is recorded (``failed`` with the time of the next try, or
    ``dead``), not raised: the task does not retry by itself. Only a database error escapes:
    then the row is still ``pending`` or ``failed`` (the claim failed, nothing was sent) or
    ``sending`` (the outcome was lost; the periodic job resolves it without sending again).
    """
    message, attempt = _claim(message_id)
    if attempt is None:
        return message
    try:
        _send(message)
    except Exception as exc:  # noqa: BLE001 - every failure of the send is recorded
        return _record_outcome(message, attempt, exc)
    return _record_outcome(message, attempt, None)


@transaction.atomic
def _resolve_claim(message_id: int) -> bool:
    """Resolve one stale ``sending`` claim as delivered-uncertain (never send it again)."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    now = timezone.now()
    if message is None or message.status != Message.Status.SENDING:
        return False
    if not _claim_is_stale(message, now):
        return False
    logger.warning("Message %s: %s", message.pk, UNCERTAIN_STOPPED)
    _mark_uncertain(message, UNCERTAIN_STOPPED, now)
    return True


def resolve_stale_claims(*, limit: int = RESEND_BATCH) -> int:
    """Resolve the claims whose outcome never came; return how many."""
    cutoff = timezone.now() - claim_timeout()
    ids = list(
        Message.objects.filter(status=Message.Status.SENDING)
        .filter(Q(claimed_at__lte=cutoff) | Q(claimed_at__isnull=True))
        .order_by("claimed_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_resolve_claim(pk) for pk in ids)


def resend_pending_messages(*, older_than_seconds: int = 60, limit: int = RESEND_BATCH) -> int:
    """The periodic job: resolve stale claims, then queue the e-mails that are due; return how
    many were queued. Sends nothing itself; never raises because the broker is down.

    Due: pending for longer than ``older_than_seconds`` (the task queued on commit had its
    chance; a broker outage may have lost it), and failed ones whose ``next_attempt_at`` has
    come. Oldest due first, ``limit`` a run.
    """
    resolve_stale_claims(limit=limit)
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ids = list(
        Message.objects.filter(channel=Message.Channel.EMAIL)
        .filter(
            Q(status=Message.Status.PENDING, created_at__lte=cutoff)
            | Q(status=Message.Status.FAILED)
        )
        .filter(due)
        .order_by(F("next_attempt_at").asc(nulls_first=True), "created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return _queue_delivery(ids)


def retry_message(*, message: Message, actor) -> Message:
    """Staff send a failed or given-up e-mail again now ("Retry now" in the admin).

    Back to ``pending`` with its next try due now, with an audit row, and queued after commit.
    A sent message is refused: it may have arrived (an uncertain one included), and sending it
    again is a person's decision to make outside the outbox. A given-up message gets one more
    try (its attempt count is kept, so another failure gives it up again).
    """
    require_permission(
        actor, RETRY_DELIVERY, message, message=_("Only programme admins retry deliveries.")
    )
    message = Message.objects.get(pk=message.pk)  # the audit row tells the stored attempts
    if message.channel != Message.Channel.EMAIL:
        raise DomainError(_("Only e-mails are delivered again; notices are shown in the portal."))

    def prepare(row: Message, old: str) -> None:
        row.next_attempt_at = timezone.now()

    return apply_transition(
        message,
        to=Message.Status.PENDING,
        table=MESSAGE_TRANSITIONS,
        actor=actor,
        refusal=_("A message that is “%(old)s” is not retried: only failed or given-up e-mails."),
        prepare=prepare,
        detail={"attempts": message.attempts, "last_error": message.last_error[:500]},
        after_commit=lambda row: _queue_delivery([row.pk]),
    )


def mark_message_read(*, message: Message, actor) -> Message:
    """Mark an in-app notice read by its recipient."""
    if message.recipient_id != actor.pk:
        raise PermissionError("Not your message.")
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
