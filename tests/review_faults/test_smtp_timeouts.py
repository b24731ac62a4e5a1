"""A mail server that stops answering in the middle of a batch (a time-out, not a refusal nor a
cut): the message it stalled on is never sent a second time (by the same batch, a redelivered
task or the resend job), and the others of the batch still go out, each once. Real SMTP over
127.0.0.1 with a 1 s ``EMAIL_TIMEOUT``."""

import email
import socketserver
import threading
import time

import pytest

from notifications.models import DeliveryAttempt, Message
from notifications.services import deliver_messages, resend_pending_messages
from tests.notifications.test_batch_delivery import ScriptedSmtp, address, ids, queue

pytestmark = pytest.mark.django_db

STALL = 2.5  # seconds the server stays silent: longer than the client's time-out (1 s)


class StallingSmtp(ScriptedSmtp):
    """``ScriptedSmtp`` with two more behaviours: "stall_after_data" (reads the text, then stays
    silent past the client's time-out) and "stall_at_rcpt" (silent at RCPT: nothing handed
    over). Each connection is served in its own thread, as a real mail server does: a new
    connection is answered while the stalled one is still silent."""

    def __init__(self, script=None):
        super().__init__(script)
        handler = self._server.RequestHandlerClass
        self._server.server_close()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def talk(self, rfile, wfile) -> None:
        def reply(line: str) -> None:
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        reply("220 stalling.test ESMTP")
        recipient, behaviour = "", "accept"
        while line := rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply("250 stalling.test")
            elif verb == b"RCPT":
                recipient = line.decode().split(":", 1)[1].strip().strip("<>")
                behaviour = self._next(recipient)
                if behaviour == "stall_at_rcpt":
                    time.sleep(STALL)
                    return
                reply("250 Ok")
            elif verb == b"DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                text = email.message_from_bytes(b"".join(lines))
                self.received.append((recipient, text["Message-ID"]))
                if behaviour == "stall_after_data":
                    time.sleep(STALL)
                    return
                self.accepted.append((recipient, text["Message-ID"]))
                reply("250 2.0.0 Ok: queued")
            elif verb == b"QUIT":
                reply("221 Bye")
                return
            else:
                reply("250 Ok")


@pytest.fixture
def stalling(settings):
    servers = []

    def start(script):
        server = StallingSmtp(script).__enter__()
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 1
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _received_once(server):
    ids_seen = [message_id for _to, message_id in server.received]
    assert len(ids_seen) == len(set(ids_seen)), server.received


def test_time_out_after_data_is_uncertain_never_resent_and_the_rest_go(stalling):
    server = stalling({address(2): ["stall_after_data"]})
    messages = queue(4)
    deliver_messages(message_ids=ids(messages))

    stalled = Message.objects.get(pk=messages[1].pk)
    assert stalled.status == Message.Status.SENT and stalled.delivery_uncertain
    assert stalled.delivery_attempts.get().outcome == DeliveryAttempt.Outcome.UNCERTAIN
    assert [to for to, _ in server.accepted] == [address(1), address(3), address(4)]
    _received_once(server)

    # A redelivered task and the resend job send nothing more.
    deliver_messages(message_ids=ids(messages))
    assert resend_pending_messages(older_than_seconds=0) == 0
    assert len(server.received) == 4
    _received_once(server)


def test_time_out_before_data_on_a_reused_connection_is_sent_once_on_a_new_one(stalling):
    """Silent at RCPT of the second message: nothing was handed over, so it is tried on a new
    connection in the same attempt (or failed for a retry), never received twice."""
    server = stalling({address(2): ["stall_at_rcpt"]})
    messages = queue(3)
    deliver_messages(message_ids=ids(messages))

    for message in messages:
        message.refresh_from_db()
    assert [m.status for m in messages] == ["sent", "sent", "sent"]
    assert not any(m.delivery_uncertain for m in messages)
    assert sorted(to for to, _ in server.accepted) == [address(1), address(2), address(3)]
    _received_once(server)
    deliver_messages(message_ids=ids(messages))
    assert resend_pending_messages(older_than_seconds=0) == 0
    assert len(server.received) == 3
