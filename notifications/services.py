"""The outbox: messages are rows written with the change that causes them, delivered by Celery.

Delivery of one e-mail is three steps, so that no failure can make it go out twice:

1. the claim (a transaction): the row moves to ``sending``, its attempt count and a
   ``DeliveryAttempt`` are written, the subject, body and a stable ``Message-ID`` are stored;
2. the send, outside any transaction (a slow mail server holds no lock);
3. the outcome (another transaction): ``sent``, or ``failed`` with the error and the time of
   the next try (exponential back-off), or ``dead`` after ``MAX_ATTEMPTS``.

E-mails go out in batches (``deliver_messages``, up to ``DELIVERY_BATCH`` a task) over one
connection to the mail server, each message still through its own three steps: it is claimed
just before it is sent and its outcome recorded just after, so a batch holds at most one claim
at a time and a message that was never claimed was never sent.

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
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import Context, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.bilingual import is_korean
from core.concurrency import StaleEdit, fingerprint, refuse_if_changed
from core.domain import DomainError, IllegalTransition, clean_or_refuse, require_permission
from core.transitions import apply_transition
from notifications import message_templates
from notifications.models import DeliveryAttempt, Message, MessageTemplate
from notifications.selectors import (
    active_template,
    is_sensitive_template,
    notices_for_user,
    sensitive_placeholders,
    shown_context,
    shown_link,
)

logger = logging.getLogger(__name__)

# Tries before a message is given up (``dead``); with the back-off below, about 20 hours.
MAX_ATTEMPTS = 12
FIRST_BACKOFF = datetime.timedelta(minutes=1)
MAX_BACKOFF = datetime.timedelta(hours=6)
# How many messages one run of the periodic job handles; the next run takes the rest.
RESEND_BATCH = 500
# A claim older than this lost its worker (a delivery task is killed after 90 seconds).
DEFAULT_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
# E-mails per delivery task: they share one connection to the mail server.
DELIVERY_BATCH = 50
# A batch claims no further message after this many seconds and queues the rest as a new task:
# well inside the task's soft time limit (60 s), whatever the mail server's pace.
BATCH_SECONDS = 30
# How long the mail server may take to answer when ``EMAIL_TIMEOUT`` is not set (seconds): a
# server that stops answering costs a batch this much, not its whole time limit.
SMTP_TIMEOUT = 20

UNCERTAIN_STOPPED = (
    "delivery uncertain: the worker stopped after handing the message to the mail server"
)
UNCERTAIN_CUT = "delivery uncertain: the connection broke while the mail server was receiving it"

# The back-office permission to send a failed or given-up e-mail again (``accounts.rules``
# publishes it: notifications knows users only by permissions).
RETRY_DELIVERY = "notifications.retry_delivery"

# Editing the message templates, and sending messages held for review: programme admins
# (published by ``accounts.rules``, like ``RETRY_DELIVERY``).
EDIT_MESSAGE_TEMPLATES = "notifications.edit_message_templates"
RELEASE_HELD_MESSAGES = "notifications.release_held_messages"

# The one way back into the queue: staff retry a failed or given-up e-mail.
MESSAGE_TRANSITIONS = {
    Message.Status.FAILED: {Message.Status.PENDING},
    Message.Status.DEAD: {Message.Status.PENDING},
}
# A held message leaves review once: an e-mail into the queue, a notice shown at once. Its own
# table, so "Retry now" can never send a held message.
HELD_TRANSITIONS = {
    Message.Status.HELD: {Message.Status.PENDING, Message.Status.SENT, Message.Status.DISCARDED}
}
# A template version is put in use (saved) or out of use (replaced, reset to the default).
TEMPLATE_ACTIVATION = {False: {True}, True: {False}}

# The review batch that ``queue_message`` writes held messages into (see ``holding_messages``).
_held_batch: ContextVar[str | None] = ContextVar("notifications_held_batch", default=None)
# The e-mails queued inside ``delivery_batch``, queued together when it ends.
_delivery_ids: ContextVar[list[int] | None] = ContextVar("notifications_delivery_ids", default=None)
# The open connection of the batch being delivered, which ``_send`` sends on.
_sending_on: ContextVar = ContextVar("notifications_sending_on", default=None)


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


# After a publish fails, this process leaves the broker alone this long: the rows stay pending
# and the resend job (every minute) queues them once the broker answers. Without the pause, a
# broker that hangs rather than refuses cost each e-mail of a loop its own timeout (up to
# twice ``socket_timeout``), which a request writing dozens of them could not afford.
BROKER_PAUSE_SECONDS = 30
_broker_failed_at: float | None = None


def _broker_paused() -> bool:
    return _broker_failed_at is not None and (
        time.monotonic() - _broker_failed_at < BROKER_PAUSE_SECONDS
    )


def _queue_delivery(message_ids: list[int]) -> int:
    """Queue the delivery of ``message_ids``, one task per ``DELIVERY_BATCH`` of them; return
    how many messages were queued.

    Never raises: with the broker down the first failure stops the loop (every further call
    would wait for the same outage), the process does not try again for
    ``BROKER_PAUSE_SECONDS``, and the periodic resend job picks the rows up later.
    """
    global _broker_failed_at
    from notifications.tasks import task_deliver_message

    if _broker_paused():
        logger.info(
            "Broker failed recently: %d message(s) left to the resend job.", len(message_ids)
        )
        return 0
    for start in range(0, len(message_ids), DELIVERY_BATCH):
        try:
            task_deliver_message.delay(message_ids=message_ids[start : start + DELIVERY_BATCH])
        except Exception:  # noqa: BLE001 - a broker outage must not break the request
            _broker_failed_at = time.monotonic()
            logger.warning(
                "Could not queue %d message(s) from %s on; the resend job will retry.",
                len(message_ids) - start,
                message_ids[start],
            )
            return start
    _broker_failed_at = None
    return len(message_ids)


def _queue_after_commit(message_ids: list[int]) -> None:
    """Queue the delivery of ``message_ids`` once the current transaction commits (at once
    outside one); inside ``delivery_batch``, together with the block's other e-mails."""
    batch = _delivery_ids.get()
    if batch is not None:
        batch.extend(message_ids)
    else:
        transaction.on_commit(lambda: _queue_delivery(message_ids))


@contextmanager
def delivery_batch() -> Iterator[None]:
    """Inside the block, the e-mails ``queue_message`` writes (and the held ones released) are
    queued together when the block ends, after commit: a task per ``DELIVERY_BATCH`` of
    them, each sending on one connection, instead of a task and a connection per e-mail.

    For a caller that writes many e-mails at once (decisions, reminders). Wrap the block in
    its transaction or put it inside one. Nested blocks join the outermost. An id whose row
    was rolled back with a savepoint is skipped by the delivery.
    """
    if _delivery_ids.get() is not None:
        yield
        return
    ids: list[int] = []
    token = _delivery_ids.set(ids)
    try:
        yield
    finally:
        _delivery_ids.reset(token)
        if ids:
            transaction.on_commit(lambda: _queue_delivery(ids))


def language_for_address(recipient, *, sender) -> str:
    """The language of a message written to an e-mail address on someone's behalf (an
    invitation): the account's language when the address has one (``recipient``), else the
    language of ``sender``, who chose to write to that person and knows which one they read;
    the site's default when neither is known. The one rule of the organisation and the
    reviewer invitations."""
    if recipient is not None:
        return recipient.language
    return getattr(sender, "language", "") or settings.LANGUAGE_CODE


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
    Inside ``holding_messages`` the rows are written ``held``: neither sent nor shown.
    """
    held_batch = _held_batch.get()
    language = language or (recipient.language if recipient is not None else "en")
    to_email = to_email or (recipient.email if recipient is not None else "")
    created = []
    for channel in channels:
        if channel == Message.Channel.IN_APP and recipient is None:
            continue
        key = f"{dedupe_key}:{channel}" if dedupe_key else None
        if key and Message.objects.filter(dedupe_key=key).exists():
            continue
        message = Message(
            recipient=recipient,
            to_email=to_email if channel == Message.Channel.EMAIL else "",
            channel=channel,
            template=template,
            context=context or {},
            language=language,
            link=link,
            dedupe_key=key,
            sensitive=is_sensitive_template(template),
            **({"status": Message.Status.HELD, "held_batch": held_batch} if held_batch else {}),
        )
        if channel == Message.Channel.IN_APP and not held_batch:
            # An in-app notice is delivered by being written: rendered first, one INSERT.
            render_message(message)
            message.status = Message.Status.SENT
            message.sent_at = timezone.now()
        if key is None:
            message.save(force_insert=True)
        else:
            try:
                with transaction.atomic():  # only a reminder's key may collide
                    message.save(force_insert=True)
            except IntegrityError:
                continue  # a concurrent call wrote the same reminder
        created.append(message)
    if held_batch:
        return created  # staff release them (``release_held_messages``)
    email_ids = [m.pk for m in created if m.channel == Message.Channel.EMAIL]
    if email_ids:
        _queue_after_commit(email_ids)
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

    Contexts stored before a key had its translated twin keep their single value. A placeholder
    is text: a list some older context holds (the reopened sections of a clarification request,
    before they were stored in each language) reads as its items joined by commas.
    """
    suffix = f"_{language}"
    picked = {
        key: ", ".join(map(str, value)) if isinstance(value, list) else value
        for key, value in context.items()
    }
    for key, value in context.items():
        if key.endswith(suffix) and value:
            picked[key.removesuffix(suffix)] = value
    return picked


def _render_text(name: str, context: dict) -> str:
    """A plain-text template rendered without HTML escaping: e-mails and in-app notices are
    text (the notices page escapes them when it shows them), so "Kim & Lee's" stays as typed
    instead of arriving as "Kim &amp; Lee&#x27;s"."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _full_context(context: dict, language: str, link: str) -> dict:
    """What a template is rendered with: the stored context read in ``language``, plus the
    site's address and the message's link."""
    return {
        **_context_in_language(context, language),
        "site_url": settings.SITE_URL,
        "link": link,
    }


def _tidy(subject: str, body: str) -> tuple[str, str]:
    return " ".join(subject.split())[:255], body.strip() + "\n"


def _render_parts(
    message: Message, custom: MessageTemplate | None, language: str | None = None
) -> tuple[str, str]:
    """Subject and body of ``message`` from ``custom`` (a version in use) or the code
    template, in ``language`` (default: the recipient's)."""
    language = language or message.language or "en"
    context = _full_context(message.context, language, message.link)
    with translation.override(language):
        if custom is not None:
            subject = message_templates.render_custom(custom.subject_in(language), context)
            body = message_templates.render_custom(custom.body_in(language), context)
        else:
            subject = _render_text(f"emails/{message.template}.subject.txt", context)
            body = _render_text(f"emails/{message.template}.txt", context)
    return _tidy(subject, body)


def render_message(message: Message) -> None:
    """Fill subject and body from the template in the recipient's language (no save).

    The version staff put in use (``MessageTemplate``) wins over the code template; with none,
    the code template is rendered. Names stored in each language (see ``in_each_language``)
    are read in that language.
    """
    message.subject, message.body = _render_parts(message, active_template(message.template))


def notices_in_language(notices: list[Message], language: str) -> list[Message]:
    """In-app notices as the reader reads the site now: a notice stored in another language
    (written in the recipient's language of the day, before they switched) is rendered again in
    ``language`` from its template and stored names (not saved); one in ``language`` keeps its
    stored text. A notice whose template is gone keeps its stored text. One query for the
    templates in use, whatever the number of notices."""
    language = "ko" if is_korean(language) else "en"
    other = [n for n in notices if ("ko" if is_korean(n.language) else "en") != language]
    if other:
        in_use = {
            t.name: t
            for t in MessageTemplate.objects.filter(
                name__in={n.template for n in other}, is_active=True
            )
        }
        for notice in other:
            try:
                notice.subject, notice.body = _render_parts(
                    notice, in_use.get(notice.template), language
                )
            except (TemplateDoesNotExist, TemplateSyntaxError):
                continue
    return notices


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


def _due_for_a_try(message: Message, now) -> bool:
    """Whether the locked ``message`` may be tried now: an e-mail pending, or failed with its
    next try due.

    Not a sent or given-up message, nor a held one, nor one another worker has just claimed
    (two queued tasks for one message). A stale claim found on the way is resolved as
    delivered-uncertain here: the earlier attempt may have reached the server.
    """
    if message.channel != Message.Channel.EMAIL:
        return False
    if message.status == Message.Status.SENDING:
        if _claim_is_stale(message, now):
            _mark_uncertain(message, UNCERTAIN_STOPPED, now)
        return False
    if message.status not in (Message.Status.PENDING, Message.Status.FAILED):
        return False
    return message.next_attempt_at is None or message.next_attempt_at <= now


def _claim(
    message_id: int, templates: dict[str, MessageTemplate | None] | None = None
) -> tuple[Message | None, DeliveryAttempt | None]:
    """Step 1, inside the caller's transaction (``_record_and_claim``): take the message for
    one send, or say why not (no attempt returned): see ``_due_for_a_try``. A template that
    cannot render fails the attempt at once.

    A row locked by another transaction at that moment (another worker claiming or recording
    it, staff releasing it) is skipped, not waited for: whoever holds it sends it or queues
    it. ``templates`` keeps the version in use of each template for a batch (read once).
    """
    message = Message.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
    now = timezone.now()
    if message is None or not _due_for_a_try(message, now):
        return message, None
    previous = (message.status, message.attempts)
    message.attempts += 1
    attempt = DeliveryAttempt(message=message, number=message.attempts, started_at=now)
    try:
        if templates is None:
            render_message(message)
        else:
            if message.template not in templates:
                templates[message.template] = active_template(message.template)
            message.subject, message.body = _render_parts(message, templates[message.template])
    except Exception as exc:  # noqa: BLE001 - a broken template is recorded, not retried at once
        attempt.save()
        message.save(update_fields=["attempts"])
        _fail(message, attempt, f"rendering failed: {_error_text(exc)}", now)
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
    again by hand is recognisable as the same message), on the connection of the batch being
    delivered (``deliver_messages``)."""
    EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={"Message-ID": message.message_id},
        connection=_sending_on.get(),
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


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _reply_codes(exc: BaseException) -> set[int]:
    """The SMTP reply codes ``exc`` reports (none for an error without a reply)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return {code for code, _text in exc.recipients.values()}
    if isinstance(exc, smtplib.SMTPResponseException):
        return {exc.smtp_code}
    return set()


def _connection_usable_after(exc: BaseException) -> bool:
    """Whether the connection can carry the next message after ``exc``: only after a refusal
    of this one message (sender, recipient or text refused), which smtplib follows with RSET.
    Not after a 421 (the server is closing the connection) nor after any other error."""
    refusal = smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError
    return isinstance(exc, refusal) and 421 not in _reply_codes(exc)


def _closed_before_data(exc: BaseException) -> bool:
    """The server had closed the connection (or closes it now, 421) before the message's text
    went out: nothing was handed over."""
    closed = isinstance(exc, smtplib.SMTPServerDisconnected) or 421 in _reply_codes(exc)
    return closed and not may_have_been_accepted(exc)


class MailServerUnreachable(Exception):
    """The batch's connection to the mail server could not be opened (``error`` says why)."""

    def __init__(self, error: BaseException):
        super().__init__(_error_text(error))
        self.error = error


class _BatchConnection:
    """The one connection to the mail server a delivery batch sends on.

    Opened when the first claimed message is about to go out (a batch with nothing to send
    connects to nothing), kept open from one message to the next and closed at the end. After
    an error that leaves it unusable it is discarded: the next message closes it and opens a
    new one (after the failed message's outcome is written).
    """

    def __init__(self) -> None:
        self.backend = get_connection(
            fail_silently=False, timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT
        )
        self.is_open = self.discarded = False
        self.carried = 0  # messages handed over on the current connection

    def open(self) -> None:
        """Connect unless connected (a discarded connection is closed and replaced); a failure
        is raised as ``MailServerUnreachable``."""
        if self.is_open and not self.discarded:
            return
        self.close()
        try:
            self.backend.open()
        except Exception as exc:  # noqa: BLE001 - refused, time-out, 421 greeting, log-in
            raise MailServerUnreachable(exc) from exc
        self.is_open, self.discarded, self.carried = True, False, 0

    def discard(self) -> None:
        """The connection cannot carry another message: the next ``open`` replaces it."""
        self.discarded = True

    def send(self, message: Message) -> BaseException | None:
        """Hand ``message`` over, connecting first if needed; return the send's error, or
        None once sent. A failure to connect is raised (``MailServerUnreachable``)."""
        self.open()
        try:
            _send(message)
        except Exception as exc:  # noqa: BLE001 - every failure of the send is recorded
            return exc
        self.carried += 1
        return None

    def close(self) -> None:
        """Close the connection, or what was opened of it (Django's ``close`` does nothing on
        a closed one)."""
        self.is_open = False
        with suppress(Exception):  # a broken connection cannot say goodbye
            self.backend.close()


def _send_on(connection: _BatchConnection, message: Message) -> BaseException | None:
    """Hand ``message`` over on the batch's connection; return the error, or None once sent.

    Raises ``MailServerUnreachable`` when the connection cannot be opened. A connection that
    already carried messages may have been closed by the server since (an idle time-out, a
    limit per connection): found closed before DATA, the message is sent once more on a new
    connection, as a message delivered on its own would have been. Nothing was handed over on
    the closed one (``_closed_before_data``), so this cannot send it twice.
    """
    error = connection.send(message)
    if error is not None and connection.carried and _closed_before_data(error):
        logger.info("Message %s: reused connection found closed (%s).", message.pk, error)
        connection.discard()
        error = connection.send(message)
    return error


# The fields of the message row that the outcome of a send reads and writes.
_OUTCOME_FIELDS = (
    "status",
    "attempts",
    "delivery_uncertain",
    "sent_at",
    "last_error",
    "next_attempt_at",
)


@transaction.atomic
def _record_outcome(
    message: Message, attempt: DeliveryAttempt, error: BaseException | None
) -> Message:
    """Step 3: write what the send did; return ``message`` with its outcome as recorded.

    Applies only while the row still holds this claim (its status and attempt number, read
    under the row lock); if a sweep resolved it meanwhile (the send outlived the claim
    timeout), a success at least clears the uncertainty and anything else keeps the
    resolution. Only the outcome's fields are read: this runs once per e-mail sent.
    """
    now = timezone.now()
    row = Message.objects.select_for_update().only(*_OUTCOME_FIELDS).get(pk=message.pk)
    text = "" if error is None else _error_text(error)
    if row.status != Message.Status.SENDING or row.attempts != attempt.number:
        resolved_by_sweep = row.status == Message.Status.SENT and row.attempts == attempt.number
        if error is None and resolved_by_sweep and row.delivery_uncertain:
            row.delivery_uncertain, row.last_error = False, ""
            row.save(update_fields=["delivery_uncertain", "last_error"])
            attempt.outcome, attempt.error = DeliveryAttempt.Outcome.SENT, ""
            attempt.finished_at = now
            attempt.save(update_fields=["outcome", "error", "finished_at"])
    elif error is None:
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
    for field in _OUTCOME_FIELDS:
        setattr(message, field, getattr(row, field))
    return message


@transaction.atomic
def _record_and_claim(
    sent: tuple[Message, DeliveryAttempt, BaseException | None] | None,
    message_id: int,
    templates: dict[str, MessageTemplate | None],
) -> tuple[Message | None, Message | None, DeliveryAttempt | None]:
    """Step 3 of the message just sent (``sent``: message, attempt, error) and step 1 of the
    next one, in one transaction: one commit per message, not two. Returns the recorded row
    and the claim. Nothing is lost by joining them: the claim still commits before its
    message is sent, and a failure of the transaction leaves the sent message ``sending``
    (resolved as uncertain) and the next one unclaimed."""
    recorded = _record_outcome(*sent) if sent is not None else None
    return recorded, *_claim(message_id, templates)


@transaction.atomic
def _fail_untried(message_id: int, error: BaseException) -> Message | None:
    """Record the try of a message its batch could not make: the mail server could not be
    reached (``error``). The message is failed with that error and tried again after the
    back-off (or given up after ``MAX_ATTEMPTS``), as if it had failed to connect on its own.

    One transaction, with the same conditions and compare-and-set as the claim: a message
    that is not due, or that another worker holds, is left alone; and the row is never left
    claimed without having been sent.
    """
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    now = timezone.now()
    if message is None or not _due_for_a_try(message, now):
        return message
    claimed = Message.objects.filter(
        pk=message.pk, status=message.status, attempts=message.attempts
    ).update(attempts=message.attempts + 1)
    if not claimed:
        return message
    message.attempts += 1
    attempt = DeliveryAttempt.objects.create(
        message=message, number=message.attempts, started_at=now
    )
    _fail(message, attempt, f"{_error_text(error)} (not tried: mail server unreachable)", now)
    return message


def deliver_messages(*, message_ids: Iterable[int]) -> list[Message]:
    """Send outbox e-mails at most once each, over one connection to the mail server; return
    the rows as recorded (ids without a row left out).

    Each message goes through the three steps on its own: claimed just before it is sent,
    its outcome recorded just after. So in a batch, as alone:

    - a message that is not due (sent, given up, held, failed and waiting) or that another
      worker holds is skipped; a stale claim met on the way is resolved as uncertain;
    - a refusal of one message (sender, recipient, 4xx/5xx to DATA) is that message's failure,
      and the next one goes out on the same connection;
    - a connection that breaks mid-batch: the message being sent is failed or, if the server
      may have taken it, sent with ``delivery_uncertain`` (``may_have_been_accepted``); the
      next message opens a new connection. When the mail server cannot be reached, that
      message and every later one of the batch are failed with the error and retried after
      the back-off (``_fail_untried``);
    - a worker killed mid-batch leaves at most the message it was sending claimed (resolved
      as uncertain after ``claim_timeout``); the others were never claimed and the resend
      job sends them;
    - after ``BATCH_SECONDS`` the rest is queued again as a new task.

    The outcome of a message and the claim of the next are written in one transaction
    (``_record_and_claim``).

    A refused or unreachable mail server is recorded, not raised: the task does not retry by
    itself. Only a database error escapes (the messages before it are recorded; the one in
    hand is still ``pending``/``failed`` or, if the outcome was lost, ``sending`` and resolved
    later without being sent again; the rest were not touched).
    """
    ids = list(dict.fromkeys(message_ids))
    rows: list[Message] = []
    templates: dict[str, MessageTemplate | None] = {}
    connection = _BatchConnection()
    token = _sending_on.set(connection.backend)
    deadline = time.monotonic() + BATCH_SECONDS
    sent = None  # the message handed over whose outcome is not written yet
    rest: list[int] = []  # left for a new task when the time is up
    try:
        for index, message_id in enumerate(ids):
            if index and time.monotonic() >= deadline:
                rest = ids[index:]
                break
            recorded, message, attempt = _record_and_claim(sent, message_id, templates)
            sent = None
            if recorded is not None:
                rows.append(recorded)
            if attempt is None:
                if message is not None:
                    rows.append(message)
                continue
            try:
                error = _send_on(connection, message)
            except MailServerUnreachable as unreachable:
                logger.warning("Mail server unreachable: %s", unreachable)
                rows.append(_record_outcome(message, attempt, unreachable.error))
                for later in ids[index + 1 :]:
                    row = _fail_untried(later, unreachable.error)
                    rows.extend([row] if row is not None else [])
                break
            sent = (message, attempt, error)
            if error is not None and not _connection_usable_after(error):
                connection.discard()
        if sent is not None:
            rows.append(_record_outcome(*sent))
    finally:
        _sending_on.reset(token)
        connection.close()
    if rest:
        logger.info("Delivery batch out of time; %d message(s) queued again.", len(rest))
        _queue_delivery(rest)
    return rows


def deliver_message(*, message_id: int) -> Message | None:
    """Send one e-mail of the outbox at most once; return the row as recorded (None when there
    is no such row, or another transaction holds it): a batch of one (``deliver_messages``).
    Idempotent."""
    rows = deliver_messages(message_ids=[message_id])
    return rows[0] if rows else None


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


@transaction.atomic
def mark_all_notices_read(*, actor) -> int:
    """Mark every unread in-app notice of ``actor`` read (``notices_for_user``: only their
    own, never one held or discarded); returns how many. Nothing else changes."""
    return notices_for_user(actor, unread_only=True).update(read_at=timezone.now())


# -- messages held for review ------------------------------------------------------------------


@contextmanager
def holding_messages(batch: str) -> Iterator[None]:
    """Inside the block, every message ``queue_message`` writes is ``held`` in review batch
    ``batch``: not sent, not shown, until staff release it (``release_held_messages``).

    For a caller that sends many messages at once and wants them read first (decisions
    released with "hold the e-mails for review"); the callers below it need not know.
    """
    token = _held_batch.set(batch[:100])
    try:
        yield
    finally:
        _held_batch.reset(token)


def release_held_message(*, message: Message, actor) -> Message:
    """Send one held message: an e-mail moves to ``pending`` and is queued after commit (with
    the others of a ``delivery_batch``), a notice is rendered and shown (``sent``). Audited; a
    message no longer held is refused, so nothing is released twice."""
    require_permission(
        actor,
        RELEASE_HELD_MESSAGES,
        message,
        message=_("Only programme admins send messages held for review."),
    )
    email = message.channel == Message.Channel.EMAIL

    def prepare(row: Message, old: str) -> None:
        if email:
            row.next_attempt_at = None
        else:
            render_message(row)
            row.sent_at = timezone.now()

    row = apply_transition(
        message,
        to=Message.Status.PENDING if email else Message.Status.SENT,
        table=HELD_TRANSITIONS,
        actor=actor,
        refusal=_("This message is “%(old)s”: only held messages are released."),
        prepare=prepare,
        detail={"batch": message.held_batch, "template": message.template},
    )
    if email:
        _queue_after_commit([row.pk])
    return row


@transaction.atomic
def release_held_messages(*, ids: Iterable[int], actor) -> int:
    """Send the held messages among ``ids`` (others are left alone); return how many.

    One transaction: each is moved and audited by ``release_held_message``, and the e-mails
    are queued together once it commits (``delivery_batch``). A message another request sent or
    discarded since the list was read is left as it is (the row's lock decides, so nothing is
    sent twice) and not counted; the others are still sent.
    """
    require_permission(
        actor,
        RELEASE_HELD_MESSAGES,
        message=_("Only programme admins send messages held for review."),
    )
    held = Message.objects.filter(pk__in=list(ids), status=Message.Status.HELD).order_by("pk")
    released = 0
    with delivery_batch():
        for message in held:
            try:
                release_held_message(message=message, actor=actor)
            except IllegalTransition:  # sent or discarded meanwhile (its savepoint undone)
                continue
            released += 1
    return released


@transaction.atomic
def discard_held_messages(*, ids: Iterable[int], reason: str, actor) -> int:
    """Do not send the held messages among ``ids`` (others are left alone): each becomes
    ``discarded`` and is never e-mailed nor shown, audited with the reason (required: the
    trail must say why a recipient was not told). Returns how many were discarded: a message
    another request sent or discarded since the list was read is left as it is and not counted
    (the page says how many of those ticked were no longer held)."""
    require_permission(
        actor,
        RELEASE_HELD_MESSAGES,
        message=_("Only programme admins decide on messages held for review."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the messages are not sent."), field="reason")
    held = Message.objects.filter(pk__in=list(ids), status=Message.Status.HELD).order_by("pk")
    discarded = 0
    for message in held:
        try:
            apply_transition(
                message,
                to=Message.Status.DISCARDED,
                table=HELD_TRANSITIONS,
                actor=actor,
                refusal=_("This message is “%(old)s”: only held messages are discarded."),
                reason=reason,
                detail={"batch": message.held_batch, "template": message.template},
            )
        except IllegalTransition:  # sent or discarded meanwhile (its savepoint undone)
            continue
        discarded += 1
    return discarded


# -- staff-edited templates --------------------------------------------------------------------

TEMPLATE_FIELDS = ("subject_en", "body_en", "subject_ko", "body_ko")


def _template_state(active: MessageTemplate | None) -> dict:
    """What an edit page of a template stands on: the version in use (0: the default)."""
    return {"version": active.version if active is not None else 0}


def template_fingerprint(name: str) -> str:
    """The fingerprint (``core.concurrency``) of the version of ``name`` in use, which the
    edit page carries so that ``save_message_template`` does not replace a newer one."""
    return fingerprint(
        _template_state(MessageTemplate.objects.filter(name=name, is_active=True).first())
    )


def template_errors(*, name: str, texts: dict[str, str]) -> dict[str, str]:
    """Each field of ``texts`` (``TEMPLATE_FIELDS``) that may not be saved, with why (in the
    active language): a syntax error, a tag or filter outside the safe subset, or a
    placeholder the template does not have, or a personal key (the link of a password reset or
    an invitation) anywhere but as it is in a body, where the back office hides it."""
    allowed = set(message_templates.placeholders(name))
    secrets = frozenset(sensitive_placeholders(name))
    errors = {}
    for field in TEMPLATE_FIELDS:
        problem = message_templates.text_problem(
            texts.get(field, ""),
            allowed,
            secrets=secrets,
            in_subject=field.startswith("subject"),
        )
        if problem:
            errors[field] = problem
    return errors


def _require_known_template(name: str) -> None:
    if name not in message_templates.template_names():
        raise DomainError(_("There is no message template “%(name)s”.") % {"name": name})


def _set_active(version: MessageTemplate, *, active: bool, actor, detail: dict) -> MessageTemplate:
    """Put a version in or out of use, with its audit row (``core.transitions``)."""
    return apply_transition(
        version,
        to=active,
        field="is_active",
        table=TEMPLATE_ACTIVATION,
        actor=actor,
        refusal=_("This version is already in that state."),
        detail={"template": version.name, "version": version.version, **detail},
    )


@transaction.atomic
def save_message_template(
    *,
    name: str,
    subject_en: str,
    body_en: str,
    subject_ko: str,
    body_ko: str,
    actor,
    based_on: int | None = None,
    seen_version: str | None = None,
) -> MessageTemplate:
    """Save staff's text of a message template as a new version and put it in use.

    Checks the four texts (``template_errors``: the first refusal names its field), keeps
    every earlier version, and writes an audit row naming the version it replaces. Messages
    still waiting in the outbox are rendered with it when they go out. ``based_on`` records an
    older version brought back from the history. ``seen_version``: the fingerprint of the
    version in use when the page was opened (``template_fingerprint``); a newer one put in use
    since is not replaced (``StaleEdit``). Texts identical to the version in use (the same
    form sent twice) make no new version: refused as "nothing changed".
    """
    require_permission(
        actor,
        EDIT_MESSAGE_TEMPLATES,
        message=_("Only programme admins edit message templates."),
    )
    _require_known_template(name)
    texts = {"subject_en": subject_en, "body_en": body_en, "subject_ko": subject_ko}
    texts["body_ko"] = body_ko
    errors = template_errors(name=name, texts=texts)
    if errors:
        field, problem = next(iter(errors.items()))
        raise DomainError(problem, code="invalid", field=field)
    versions = list(MessageTemplate.objects.select_for_update().filter(name=name))
    current = next((v for v in versions if v.is_active), None)
    if current is not None and all(getattr(current, f) == texts[f] for f in TEMPLATE_FIELDS):
        raise DomainError(
            _("Nothing changed: these texts are already the version in use."), code="unchanged"
        )
    refuse_if_changed(
        _template_state(current),
        seen_version,
        what=_("message template"),
        describe=lambda _name: (
            _("version in use"),
            current.version if current is not None else _("the default text"),
        ),
    )
    if current is not None:
        # Out of use in the same transaction; the new version's audit row names it.
        MessageTemplate.objects.filter(pk=current.pk).update(is_active=False)
    version = MessageTemplate(
        name=name,
        version=max((v.version for v in versions), default=0) + 1,
        created_by=actor,
        **texts,
    )
    clean_or_refuse(version)
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as exc:
        # A colleague saved the template's first version at the same moment: there was no row
        # to lock yet, so both numbered theirs 1 and theirs committed first. Refused as any
        # stale edit is, with what is in use now (the page keeps what was typed).
        raise StaleEdit(
            _(
                "Someone else saved this message template at the same moment, so nothing was "
                "saved. Your texts are kept in the form: check the version now in use, then "
                "save again."
            ),
            current=template_fingerprint(name),
            changed=["version"],
        ) from exc
    return _set_active(
        version,
        active=True,
        actor=actor,
        detail={
            "replaces": current.version if current else None,
            **({"based_on": based_on} if based_on else {}),
        },
    )


@transaction.atomic
def reset_message_template(*, name: str, actor) -> MessageTemplate:
    """Go back to the code template: the version in use is put out of use (kept in the
    history, audited). Refused when the default is already in use."""
    require_permission(
        actor,
        EDIT_MESSAGE_TEMPLATES,
        message=_("Only programme admins edit message templates."),
    )
    current = MessageTemplate.objects.filter(name=name, is_active=True).first()
    if current is None:
        raise DomainError(_("This template already uses the default text."), code="default")
    return _set_active(current, active=False, actor=actor, detail={"reset_to_default": True})


def preview_message_template(
    *, name: str, texts: dict[str, str], message: Message | None
) -> dict[str, dict[str, str]]:
    """The draft ``texts`` rendered in each language against ``message``'s stored context (a
    real message of the template), or sample values ("[title]") without one. Writes nothing.

    The context is the one staff may read (``shown_context``: a personal token stays hidden).
    A text that may not be saved previews as its error.
    """
    if message is not None:
        context, link = shown_context(message), shown_link(message)
    else:
        context = {key: f"[{key}]" for key in message_templates.placeholders(name)}
        link = context.pop("link")
        context.pop("site_url")  # the real one
    preview = {}
    for code, _label in settings.LANGUAGES:
        full = _full_context(context, code, link)
        rendered = {}
        with translation.override(code):
            for part in ("subject", "body"):
                text = texts.get(f"{part}_{code}", "")
                try:
                    rendered[part] = message_templates.render_custom(text, full)
                except Exception as exc:  # noqa: BLE001 - a preview shows what went wrong
                    rendered[part] = str(exc)
        rendered["subject"], rendered["body"] = _tidy(rendered["subject"], rendered["body"])
        preview[code] = rendered
    return preview


def default_texts(name: str) -> dict[str, str]:
    """The code template of ``name`` in each language as custom-template text: rendered with
    every placeholder standing for itself (``{{ title }}``). Exact only for a plain template
    (``message_templates.default_is_plain``); otherwise a reading aid, in its own language:
    a count or an amount (a plural, a number filter) cannot take a placeholder, so the number
    2 stands in for it. Writes nothing."""
    markers = {key: "{{ " + key + " }}" for key in message_templates.placeholders(name)}
    texts = {}
    for code, _label in settings.LANGUAGES:
        parts = {}
        with translation.override(code):
            for part, suffix in (("subject", ".subject.txt"), ("body", ".txt")):
                try:
                    parts[part] = _reading_aid(f"emails/{name}{suffix}", markers)
                except (TemplateSyntaxError, TypeError, ValueError):
                    # Nothing renders it: show the source.
                    parts[part] = message_templates.default_source(name, part)
        texts[f"subject_{code}"], texts[f"body_{code}"] = _tidy(parts["subject"], parts["body"])
    return texts


def _reading_aid(template_name: str, markers: dict[str, str]) -> str:
    """``template_name`` rendered with each placeholder standing for itself, but for those
    that must be a number (a count, an amount): 2 stands in for just these. Before, such a
    template showed its source, so its Korean default read as the English code template."""
    problem = (TemplateSyntaxError, TypeError, ValueError)
    context = dict(markers)
    numbers = []
    for key in (None, *markers):
        if key is not None:
            context[key] = 2
            numbers.append(key)
        try:
            text = _render_text(template_name, context)
        except problem:
            continue
        for key in numbers:  # keep the number only where the template needs one
            trial = {**context, key: markers[key]}
            try:
                text = _render_text(template_name, trial)
            except problem:
                continue
            context = trial
        return text
    return _render_text(template_name, context)  # raises: nothing renders it


def render_for_review(messages: Iterable[Message]) -> list[Message]:
    """Fill subject and body of each message in memory as delivery would (no save), reading
    the templates in use once for all: what staff read before releasing held messages."""
    messages = list(messages)
    names = {m.template for m in messages}
    custom = {t.name: t for t in MessageTemplate.objects.filter(name__in=names, is_active=True)}
    for message in messages:
        try:
            message.subject, message.body = _render_parts(message, custom.get(message.template))
        except Exception as exc:  # noqa: BLE001 - staff see why it would fail
            message.subject, message.body = "", f"{type(exc).__name__}: {exc}"
    return messages
