"""E-mails delivered in batches over one connection to the mail server, with every guarantee of
one e-mail delivered alone: each message claimed before it is sent and recorded on its own, a
refusal of one message costing nothing to the others, a connection cut mid-batch (the message
in flight uncertain, the rest sent on a new connection or failed for a retry), a claim of
another worker left alone, a worker killed mid-batch leaving one claim for the sweep, and
nothing ever sent twice.

Two mail servers: ``CountingBackend``, a fake Django backend that counts the connections it
opens, and ``ScriptedSmtp``, a small SMTP server on 127.0.0.1 that answers each recipient
as told (refuse, reject, hang up, cut the connection during DATA, go down)."""

import contextlib
import datetime
import email
import smtplib
import socket
import socketserver
import threading

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection, connections, transaction
from django.utils import timezone

from notifications import services, tasks
from notifications.models import DeliveryAttempt, Message
from notifications.services import (
    DELIVERY_BATCH,
    deliver_messages,
    delivery_batch,
    holding_messages,
    queue_message,
    release_held_messages,
    resend_pending_messages,
)

pytestmark = pytest.mark.django_db


# -- the fake backend --------------------------------------------------------------------------


class CountingBackend(locmem.EmailBackend):
    """Django's test backend that must be opened before it sends, logs every open and close,
    and raises ``failures[address]`` for a message to that address."""

    log: list[str] = []
    failures: dict[str, BaseException] = {}

    def open(self):
        CountingBackend.log.append("open")
        self.is_open = True
        return True

    def close(self):
        if getattr(self, "is_open", False):
            CountingBackend.log.append("close")
        self.is_open = False

    def send_messages(self, messages):
        assert getattr(self, "is_open", False), "sent on a connection that was not opened"
        for message in messages:
            failure = CountingBackend.failures.get(message.to[0])
            if failure is not None:
                raise failure
        return super().send_messages(messages)


@pytest.fixture
def counting(settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.log, CountingBackend.failures = [], {}
    yield CountingBackend
    CountingBackend.log, CountingBackend.failures = [], {}


# -- the scripted SMTP server ------------------------------------------------------------------


class ScriptedSmtp:
    """An SMTP server on 127.0.0.1, one connection at a time.

    ``script[address]`` is a list of behaviours for the messages to ``address``, one used per
    message (then "accept"): "refuse" (550 to RCPT), "hang_up" (closes the connection at RCPT,
    no reply), "reject" (554 after DATA), "cut" (reads the text, closes without a reply),
    "cut_and_go_down" (the same, then answers 421 to every new connection). ``down`` can be
    set and cleared by the test. ``received`` holds (recipient, Message-ID) of every text
    read, ``accepted`` of those answered 250.
    """

    def __init__(self, script=None):
        self.script = {address: list(steps) for address, steps in (script or {}).items()}
        self.down = False
        self.connections = 0
        self.received: list[tuple[str, str]] = []
        self.accepted: list[tuple[str, str]] = []
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                server.connections += 1
                with contextlib.suppress(OSError):
                    server.talk(self.rfile, self.wfile)

        self._server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _next(self, address: str) -> str:
        steps = self.script.get(address, [])
        return steps.pop(0) if steps else "accept"

    def talk(self, rfile, wfile) -> None:
        def reply(line: str) -> None:
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        if self.down:
            reply("421 4.3.2 Service not available")
            return
        reply("220 scripted.test ESMTP")
        recipient, behaviour = "", "accept"
        while line := rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply("250 scripted.test")
            elif verb == b"RCPT":
                recipient = line.decode().split(":", 1)[1].strip().strip("<>")
                behaviour = self._next(recipient)
                if behaviour == "hang_up":
                    return
                reply("550 5.1.1 No such user" if behaviour == "refuse" else "250 Ok")
            elif verb == b"DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                text = email.message_from_bytes(b"".join(lines))
                self.received.append((recipient, text["Message-ID"]))
                if behaviour in ("cut", "cut_and_go_down"):
                    self.down = behaviour == "cut_and_go_down"
                    return
                if behaviour == "reject":
                    reply("554 5.7.1 Message rejected")
                    continue
                self.accepted.append((recipient, text["Message-ID"]))
                reply("250 2.0.0 Ok: queued")
            elif verb == b"QUIT":
                reply("221 Bye")
                return
            else:  # MAIL, RSET, NOOP
                reply("250 Ok")


@pytest.fixture
def smtp(settings):
    """Start a ``ScriptedSmtp`` with ``script`` and point Django's SMTP backend at it."""
    servers = []

    def start(script=None):
        server = ScriptedSmtp(script).__enter__()
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


# -- helpers -----------------------------------------------------------------------------------


def address(n: int) -> str:
    return f"officer{n}@batch.test"


def queue(count: int) -> list[Message]:
    """``count`` pending e-mails to officer1 … officerN (not queued: the test transaction does
    not commit, so each test delivers them itself)."""
    return [
        queue_message(
            to_email=address(n),
            template="applications/submitted",
            context={"reference": f"2026-PL-{n:03d}", "title": f"Plan {n}", "call": "Call 2026"},
            channels=("email",),
        )[0]
        for n in range(1, count + 1)
    ]


def ids(messages) -> list[int]:
    return [m.pk for m in messages]


def statuses(messages) -> list[str]:
    return [Message.objects.get(pk=m.pk).status for m in messages]


def outbox_addresses() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


@pytest.fixture
def published(monkeypatch):
    """The delivery tasks published, as their keyword arguments (nothing runs)."""
    calls = []
    monkeypatch.setattr(tasks.task_deliver_message, "delay", lambda **kw: calls.append(kw))
    return calls


# -- one connection per batch ------------------------------------------------------------------


def test_a_batch_sends_every_message_on_one_connection(counting):
    messages = queue(5)
    rows = deliver_messages(message_ids=ids(messages))

    assert counting.log == ["open", "close"]
    assert [row.status for row in rows] == ["sent"] * 5
    assert outbox_addresses() == [address(n) for n in range(1, 6)]
    for message in messages:
        message.refresh_from_db()
        assert (message.status, message.attempts, message.delivery_uncertain) == ("sent", 1, False)
        attempt = message.delivery_attempts.get()
        assert (attempt.number, attempt.outcome) == (1, DeliveryAttempt.Outcome.SENT)
    # Each e-mail carries its own stored Message-ID.
    sent_ids = {m.to[0]: m.message()["Message-ID"] for m in mail.outbox}
    assert sent_ids == {m.to_email: m.message_id for m in messages}
    assert len(set(sent_ids.values())) == 5


def test_a_batch_with_nothing_to_send_opens_no_connection(counting):
    sent = queue(2)
    deliver_messages(message_ids=ids(sent))
    counting.log.clear()
    with holding_messages("decisions:1"):
        held = queue(1)[0]
    waiting = queue(1)[0]
    Message.objects.filter(pk=waiting.pk).update(
        status=Message.Status.FAILED, next_attempt_at=timezone.now() + datetime.timedelta(hours=1)
    )
    # Sent already, held for review, failed and not due, no such row: nothing to do.
    deliver_messages(message_ids=[*ids(sent), held.pk, waiting.pk, 999_999])
    assert counting.log == []
    assert len(mail.outbox) == 2


def test_a_batch_over_a_real_smtp_connection(smtp):
    server = smtp()
    messages = queue(5)
    deliver_messages(message_ids=ids(messages))

    assert server.connections == 1
    assert server.accepted == [
        (m.to_email, Message.objects.get(pk=m.pk).message_id) for m in messages
    ]
    assert statuses(messages) == ["sent"] * 5


# -- queueing in batches -----------------------------------------------------------------------


def test_a_delivery_batch_block_queues_its_emails_in_tasks_of_the_batch_size(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), delivery_batch():
        messages = queue(2 * DELIVERY_BATCH + 20)
        assert published == []  # after the block, after commit
    assert [len(call["message_ids"]) for call in published] == [50, 50, 20]
    assert [i for call in published for i in call["message_ids"]] == ids(messages)


def test_without_a_block_each_email_is_queued_on_commit_by_itself(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        messages = queue(3)
    assert published == [{"message_ids": [m.pk]} for m in messages]


def test_the_resend_job_queues_due_emails_in_batches(published):
    messages = queue(DELIVERY_BATCH + 1)
    assert resend_pending_messages(older_than_seconds=0) == DELIVERY_BATCH + 1
    assert [len(call["message_ids"]) for call in published] == [DELIVERY_BATCH, 1]
    assert sorted(i for call in published for i in call["message_ids"]) == sorted(ids(messages))


def test_released_held_emails_are_queued_as_one_batch(
    programme_admin, published, django_capture_on_commit_callbacks
):
    with holding_messages("decisions:1"):
        held = queue(4)
    with django_capture_on_commit_callbacks(execute=True):
        assert release_held_messages(ids=ids(held), actor=programme_admin) == 4
    assert published == [{"message_ids": ids(held)}]


def test_the_task_takes_a_batch_and_still_the_single_message_form(counting):
    first, second, third = queue(3)
    tasks.task_deliver_message.delay(message_ids=[first.pk, second.pk])  # eager in tests
    assert counting.log == ["open", "close"]
    tasks.task_deliver_message(message_id=third.pk)  # a task queued before batches
    assert statuses([first, second, third]) == ["sent"] * 3
    assert len(mail.outbox) == 3


# -- a failure of one message ------------------------------------------------------------------


def test_a_refused_message_in_the_middle_fails_alone_on_the_same_connection(counting):
    messages = queue(5)
    counting.failures = {
        address(2): smtplib.SMTPRecipientsRefused({address(2): (550, b"No such user")}),
        address(3): smtplib.SMTPDataError(554, b"Message rejected"),
    }
    before = timezone.now()
    rows = deliver_messages(message_ids=ids(messages))

    assert [row.status for row in rows] == ["sent", "failed", "failed", "sent", "sent"]
    assert counting.log == ["open", "close"]  # a refusal leaves the connection usable
    assert outbox_addresses() == [address(1), address(4), address(5)]
    refused, rejected = (Message.objects.get(pk=m.pk) for m in messages[1:3])
    assert refused.last_error.startswith("SMTPRecipientsRefused")
    assert rejected.last_error.startswith("SMTPDataError: (554")
    for failed in (refused, rejected):
        assert failed.attempts == 1 and failed.next_attempt_at > before
        assert failed.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.FAILED


def test_refusals_over_a_real_smtp_connection(smtp):
    server = smtp({address(2): ["refuse"], address(3): ["reject"]})
    messages = queue(5)
    deliver_messages(message_ids=ids(messages))

    assert server.connections == 1
    assert statuses(messages) == ["sent", "failed", "failed", "sent", "sent"]
    assert [to for to, _ in server.accepted] == [address(1), address(4), address(5)]


# -- a connection cut mid-batch ----------------------------------------------------------------


def test_connection_cut_during_data_leaves_that_message_uncertain_and_sends_the_rest(smtp):
    server = smtp({address(3): ["cut"]})
    messages = queue(5)
    deliver_messages(message_ids=ids(messages))

    assert statuses(messages) == ["sent"] * 5
    cut = Message.objects.get(pk=messages[2].pk)
    assert cut.delivery_uncertain is True and cut.last_error.startswith("delivery uncertain")
    assert "SMTPServerDisconnected" in cut.last_error
    assert cut.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.UNCERTAIN
    others = Message.objects.filter(pk__in=ids(messages)).exclude(pk=cut.pk)
    assert not others.filter(delivery_uncertain=True).exists()
    assert server.connections == 2  # the rest went out on a new connection
    assert [to for to, _ in server.received] == [address(n) for n in range(1, 6)]

    # Nothing is sent again: not by the resend job, not by a duplicate task.
    assert resend_pending_messages(older_than_seconds=0) == 0
    deliver_messages(message_ids=ids(messages))
    assert len(server.received) == 5 and server.connections == 2


def test_connection_cut_then_server_down_fails_the_rest_for_a_retry(smtp):
    server = smtp({address(3): ["cut_and_go_down"]})
    messages = queue(5)
    before = timezone.now()
    deliver_messages(message_ids=ids(messages))

    assert statuses(messages) == ["sent", "sent", "sent", "failed", "failed"]
    assert Message.objects.get(pk=messages[2].pk).delivery_uncertain is True
    reconnect, untried = (Message.objects.get(pk=m.pk) for m in messages[3:])
    assert reconnect.last_error.startswith("SMTPConnectError: (421")
    assert untried.last_error.startswith("SMTPConnectError: (421")
    assert untried.last_error.endswith("(not tried: mail server unreachable)")
    for failed in (reconnect, untried):
        assert failed.attempts == 1 and failed.next_attempt_at > before + datetime.timedelta(
            seconds=59
        )
        assert failed.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.FAILED
    assert server.connections == 2  # one try to reconnect, not one per message
    assert len(server.received) == 3

    # Back up and due: the two failed ones go out once; the uncertain one never again.
    server.down = False
    Message.objects.filter(pk__in=ids(messages[3:])).update(next_attempt_at=timezone.now())
    assert resend_pending_messages(older_than_seconds=0) == 2
    assert statuses(messages) == ["sent"] * 5
    assert sorted(to for to, _ in server.received) == [address(n) for n in range(1, 6)]
    assert resend_pending_messages(older_than_seconds=0) == 0


def test_a_reused_connection_found_closed_before_data_sends_on_a_new_one(smtp):
    server = smtp({address(3): ["hang_up"]})  # the server drops the connection at RCPT
    messages = queue(5)
    deliver_messages(message_ids=ids(messages))

    assert statuses(messages) == ["sent"] * 5
    third = Message.objects.get(pk=messages[2].pk)
    assert (third.attempts, third.delivery_uncertain, third.last_error) == (1, False, "")
    assert server.connections == 2
    assert sorted(to for to, _ in server.accepted) == [address(n) for n in range(1, 6)]


def test_an_unreachable_mail_server_fails_the_whole_batch_for_a_retry(settings):
    with socket.socket() as closed:  # a port where nothing listens
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    messages = queue(3)
    rows = deliver_messages(message_ids=ids(messages))  # recorded, not raised

    assert [row.status for row in rows] == ["failed"] * 3
    first, *rest = (Message.objects.get(pk=m.pk) for m in messages)
    assert first.last_error.startswith("ConnectionRefusedError")
    assert all("not tried" in m.last_error for m in rest)
    assert all(m.attempts == 1 and m.next_attempt_at > timezone.now() for m in [first, *rest])


# -- claims ------------------------------------------------------------------------------------


def test_a_claim_held_by_another_worker_is_skipped_and_a_stale_one_resolved(counting):
    messages = queue(5)
    held, stale = messages[1], messages[3]
    Message.objects.filter(pk=held.pk).update(
        status=Message.Status.SENDING, attempts=1, claimed_at=timezone.now()
    )
    Message.objects.filter(pk=stale.pk).update(
        status=Message.Status.SENDING,
        attempts=1,
        claimed_at=timezone.now() - datetime.timedelta(minutes=11),
    )
    deliver_messages(message_ids=ids(messages))

    assert outbox_addresses() == [address(1), address(3), address(5)]
    held.refresh_from_db()
    assert (held.status, held.attempts, held.delivery_attempts.count()) == ("sending", 1, 0)
    stale.refresh_from_db()
    assert (stale.status, stale.delivery_uncertain, stale.attempts) == ("sent", True, 1)
    assert stale.last_error == services.UNCERTAIN_STOPPED


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_transaction_is_skipped_not_waited_for(counting, published):
    """PostgreSQL: a worker does not wait for a row another transaction holds (another worker
    claiming or recording it), so two batches never wait for each other's rows."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole transactions")
    messages = queue(3)
    locked, release = threading.Event(), threading.Event()

    def hold_the_second():
        try:
            with transaction.atomic():
                Message.objects.select_for_update().get(pk=messages[1].pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_second)
    holder.start()
    try:
        assert locked.wait(30)
        deliver_messages(message_ids=ids(messages))
        assert statuses(messages) == ["sent", "pending", "sent"]
    finally:
        release.set()
        holder.join(30)
    deliver_messages(message_ids=ids(messages))  # free again: sent now, the others not again
    assert statuses(messages) == ["sent"] * 3
    assert outbox_addresses() == [address(n) for n in range(1, 4)]


def test_a_worker_killed_mid_batch_leaves_one_claim_for_the_sweep(counting, monkeypatch, settings):
    messages = queue(5)
    real_record = services._record_outcome
    recorded = []

    def killed_at_the_third(message, attempt, error):
        if len(recorded) == 2:
            raise SystemExit(1)  # the worker dies after handing the third to the server
        recorded.append(message.pk)
        return real_record(message, attempt, error)

    monkeypatch.setattr(services, "_record_outcome", killed_at_the_third)
    with pytest.raises(SystemExit):
        deliver_messages(message_ids=ids(messages))
    monkeypatch.undo()

    assert statuses(messages) == ["sent", "sent", "sending", "pending", "pending"]
    assert counting.log == ["open", "close"]  # the connection is closed on the way out
    assert messages[2].delivery_attempts.get().outcome == DeliveryAttempt.Outcome.IN_PROGRESS
    assert not DeliveryAttempt.objects.filter(message__in=messages[3:]).exists()
    assert len(mail.outbox) == 3

    # A new worker: while the claim is fresh it is left alone, the unclaimed ones go out.
    assert resend_pending_messages(older_than_seconds=0) == 2
    assert statuses(messages) == ["sent", "sent", "sending", "sent", "sent"]
    # Once the claim is stale, the sweep resolves it as sent with a warning, not sent again.
    settings.KCITY_OUTBOX_CLAIM_TIMEOUT = 0
    assert resend_pending_messages(older_than_seconds=0) == 0
    third = Message.objects.get(pk=messages[2].pk)
    assert (third.status, third.delivery_uncertain) == ("sent", True)
    assert third.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.UNCERTAIN
    assert outbox_addresses() == [address(n) for n in range(1, 6)]


def test_two_batches_of_the_same_messages_at_once_send_each_message_once(counting, monkeypatch):
    messages = queue(5)
    real_send = services._send
    started, inner = [], []

    def send_while_another_worker_takes_the_batch(message):
        real_send(message)
        if not started:
            started.append(message.pk)
            inner.append(deliver_messages(message_ids=ids(messages)))  # a duplicate task

    monkeypatch.setattr(services, "_send", send_while_another_worker_takes_the_batch)
    deliver_messages(message_ids=ids(messages))

    # The second batch found the first message claimed and sent the others; the first batch
    # then found those sent.
    assert [row.status for row in inner[0]] == ["sending", "sent", "sent", "sent", "sent"]
    assert statuses(messages) == ["sent"] * 5
    assert outbox_addresses() == [address(n) for n in range(1, 6)]
    assert DeliveryAttempt.objects.filter(message__in=messages).count() == 5


def test_a_batch_out_of_time_queues_the_rest_again(counting, monkeypatch, published):
    monkeypatch.setattr(services, "BATCH_SECONDS", 0)
    messages = queue(4)
    deliver_messages(message_ids=ids(messages))

    assert statuses(messages) == ["sent", "pending", "pending", "pending"]
    assert published == [{"message_ids": ids(messages[1:])}]
