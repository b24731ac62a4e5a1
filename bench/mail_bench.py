"""Benchmark of outbox e-mail delivery to a local SMTP sink (run by hand, not a test).

    .venv/bin/python bench/mail_bench.py [--messages 5000] [--reference 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcity_bench_mail \
        .venv/bin/python bench/mail_bench.py

Without DATABASE_URL the outbox lives in a fresh SQLite file in a temporary folder (the
embedded default, with its WAL settings); with a PostgreSQL URL the database is dropped and
created again (its name must start with ``kcity_bench``). Migrates it, starts an SMTP sink in
a process of its own (a threaded socket server that accepts everything and counts each
Message-ID),
points Django's SMTP backend at it, and measures:

- the floor: the same number of prepared e-mails sent with ``smtplib`` over one connection,
  no database — the sink's line rate;
- batched: N e-mails written in one transaction inside ``delivery_batch`` (as a release of
  decisions writes them), their delivery tasks run one after the other in this process the
  way one worker process runs them (``task_deliver_message`` called directly, database
  connections closed around each task as Celery's Django fix-up does);
- one task per e-mail (the reference): M e-mails each written in its own transaction (as
  submissions write their confirmations), so each is a task of one with its own connection —
  what every e-mail cost before batches.

Each run checks that every e-mail reached the sink exactly once (by Message-ID), and that
the outbox holds each as sent, with one attempt and no uncertainty. Besides the wall-clock
rate it prints the worker's CPU time per e-mail, which a busy machine changes less.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import platform
import smtplib
import socket
import socketserver
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcity.settings.test")

TARGET = 50.0  # messages per second from one worker (issue 16)


# --- the SMTP sink ----------------------------------------------------------------------------


def _serve_sink(listener: socket.socket, control) -> None:
    """The sink's process: accept every e-mail on ``listener`` and count it by Message-ID;
    answer "reset" and "counts" on the ``control`` pipe."""
    lock = threading.Lock()
    ids: collections.Counter[str] = collections.Counter()
    connections = [0]

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: bytes) -> None:
            self.wfile.write(line + b"\r\n")

        def handle(self):
            with lock:
                connections[0] += 1
            self.reply(b"220 sink ESMTP")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    self.reply(b"354 go on")
                    message_id, in_headers = "", True
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        if in_headers:
                            if chunk == b"\r\n":
                                in_headers = False
                            elif chunk[:11].lower() == b"message-id:":
                                message_id = chunk[11:].strip().decode()
                    with lock:
                        ids[message_id] += 1
                    self.reply(b"250 queued")
                elif verb in (b"EHLO", b"HELO"):
                    self.reply(b"250 sink")
                elif verb == b"QUIT":
                    self.reply(b"221 bye")
                    return
                else:
                    self.reply(b"250 OK")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True

        def server_bind(self):  # the socket is bound already (its port is known)
            pass

        def server_activate(self):
            pass

    server = Server(listener.getsockname(), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = listener
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        command = control.recv()
        with lock:
            if command == "reset":
                ids.clear()
                connections[0] = 0
                control.send(None)
            elif command == "counts":
                control.send((dict(ids), connections[0]))
            else:
                return


class SmtpSink:
    """An SMTP server in its own process (as a mail server would be: it takes no CPU time
    from the worker's interpreter) that accepts every e-mail and counts it by Message-ID."""

    def __init__(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._control, child = multiprocessing.Pipe()
        context = multiprocessing.get_context("fork")
        self._process = context.Process(target=_serve_sink, args=(listener, child), daemon=True)
        self._process.start()
        listener.close()

    def reset(self) -> None:
        self._control.send("reset")
        self._control.recv()

    def counts(self) -> tuple[collections.Counter[str], int]:
        """Each Message-ID received with how many times, and the connections opened."""
        self._control.send("counts")
        ids, connections = self._control.recv()
        return collections.Counter(ids), connections

    def stop(self) -> None:
        self._control.send("stop")
        self._process.join(timeout=5)


# --- the database -----------------------------------------------------------------------------


def prepare_database() -> str:
    """Point DATABASE_URL at a fresh private database; return a description of it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg2

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        if not name.startswith("kcity_bench"):
            raise SystemExit("Refusing: the benchmark database name must start with kcity_bench.")
        conn = psycopg2.connect(
            host=parsed.hostname, port=parsed.port or 5432, user=parsed.username, dbname="postgres"
        )
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return f"PostgreSQL database {name}"
    folder = Path(tempfile.mkdtemp(prefix="kcity_mail_bench_"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'outbox.sqlite3'}"
    return f"SQLite file {folder / 'outbox.sqlite3'} (WAL)"


def setup_django(sink: SmtpSink) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    call_command("migrate", verbosity=0)


# --- the runs ---------------------------------------------------------------------------------


def queue(count: int, *, together: bool, start: int, published: list[dict]) -> list[int]:
    """Write ``count`` e-mails through ``queue_message``: in one transaction inside
    ``delivery_batch`` (``together``) or each in its own transaction. The tasks they queue
    after commit are collected in ``published`` instead of a broker."""
    from django.db import transaction

    from notifications.services import delivery_batch, queue_message

    def one(n: int) -> int:
        return queue_message(
            to_email=f"applicant{n}@bench.test",
            template="applications/submitted",
            context={"reference": f"2026-PL-{n:05d}", "title": f"Plan {n}", "call": "Call 2026"},
            channels=("email",),
        )[0].pk

    numbers = range(start, start + count)
    if together:
        with delivery_batch(), transaction.atomic():
            return [one(n) for n in numbers]
    return [one(n) for n in numbers]  # autocommit: queued as each row commits


def run_tasks(published: list[dict]) -> tuple[float, float]:
    """Run the collected delivery tasks one after the other, as one worker process does;
    return the seconds taken and the CPU seconds this process used (the sink and the
    database server are other processes)."""
    from django.db import close_old_connections

    from notifications.tasks import task_deliver_message

    began, cpu = time.perf_counter(), time.process_time()
    for kwargs in published:
        close_old_connections()
        task_deliver_message(**kwargs)
        close_old_connections()
    return time.perf_counter() - began, time.process_time() - cpu


def verify(ids: list[int], sink: SmtpSink) -> str:
    """Every e-mail arrived exactly once and the outbox says so; return a summary (or exit)."""
    from notifications.models import DeliveryAttempt, Message

    received, _connections = sink.counts()
    rows = Message.objects.filter(pk__in=ids)
    message_ids = set(rows.values_list("message_id", flat=True))
    problems = []
    if len(message_ids) != len(ids):
        problems.append(f"{len(ids) - len(message_ids)} without a Message-ID")
    missing = [m for m in message_ids if received[m] == 0]
    twice = [m for m, n in received.items() if n > 1]
    strangers = set(received) - message_ids
    not_sent = rows.exclude(status=Message.Status.SENT).count()
    uncertain = rows.filter(delivery_uncertain=True).count()
    retried = rows.exclude(attempts=1).count()
    attempts = DeliveryAttempt.objects.filter(message_id__in=ids, outcome="sent").count()
    for label, value in (
        ("missing at the sink", len(missing)),
        ("arrived more than once", len(twice)),
        ("unknown at the sink", len(strangers)),
        ("not sent in the outbox", not_sent),
        ("uncertain", uncertain),
        ("tried more than once", retried),
    ):
        if value:
            problems.append(f"{value} {label}")
    if attempts != len(ids):
        problems.append(f"{attempts} sent attempts for {len(ids)} e-mails")
    if problems:
        raise SystemExit("VERIFICATION FAILED: " + "; ".join(problems))
    return f"all {len(ids)} arrived exactly once, each sent with one attempt"


def floor(count: int, sink: SmtpSink) -> float:
    """Seconds to send ``count`` prepared e-mails with smtplib over one connection."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives

    texts = [
        EmailMultiAlternatives(
            subject=f"Application 2026-PL-{n:05d} submitted",
            body="Your application was submitted.\n" * 12,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[f"floor{n}@bench.test"],
            headers={"Message-ID": f"<floor{n}@bench.test>"},
        )
        .message()
        .as_bytes(linesep="\r\n")
        for n in range(count)
    ]
    began = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for n, text in enumerate(texts):
            smtp.sendmail("noreply@bench.test", [f"floor{n}@bench.test"], text)
    seconds = time.perf_counter() - began
    received, _connections = sink.counts()
    if sum(received.values()) != count or len(received) != count:
        raise SystemExit("VERIFICATION FAILED: the floor's e-mails did not all arrive once")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="e-mails sent in batches")
    parser.add_argument(
        "--reference", type=int, default=500, help="e-mails sent one task each (0: skip)"
    )
    args = parser.parse_args()

    database = prepare_database()
    sink = SmtpSink()
    began = time.perf_counter()
    setup_django(sink)
    from django import get_version

    from notifications import services, tasks

    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"Python {platform.python_version()}, Django {get_version()}; {database}"
    )
    print(f"migrated in {time.perf_counter() - began:.1f} s; SMTP sink on port {sink.port}")

    published: list[dict] = []
    tasks.task_deliver_message.delay = lambda **kwargs: published.append(kwargs)

    sink.reset()
    floor_seconds = floor(args.messages, sink)
    floor_rate = args.messages / floor_seconds
    print(
        f"floor: smtplib, one connection, {args.messages} e-mails, no database: "
        f"{floor_seconds:.2f} s = {floor_rate:.0f} e-mails/s"
    )

    sink.reset()
    published.clear()
    began = time.perf_counter()
    ids = queue(args.messages, together=True, start=0, published=published)
    queued_in = time.perf_counter() - began
    seconds, cpu = run_tasks(published)
    rate = args.messages / seconds
    print(
        f"batched: {args.messages} e-mails written in {queued_in:.1f} s, "
        f"{len(published)} tasks of up to {services.DELIVERY_BATCH}, "
        f"{sink.counts()[1]} SMTP connections: delivered in {seconds:.2f} s = {rate:.0f} e-mails/s "
        f"({rate / floor_rate:.2f} x floor); worker CPU {cpu / args.messages * 1000:.1f} ms "
        f"an e-mail = {args.messages / cpu:.0f} e-mails per CPU second"
    )
    print(f"  verified: {verify(ids, sink)}")

    reference_rate = None
    if args.reference:
        sink.reset()
        published.clear()
        ids = queue(args.reference, together=False, start=args.messages, published=published)
        seconds, cpu = run_tasks(published)
        reference_rate = args.reference / seconds
        print(
            f"one task per e-mail (reference): {args.reference} e-mails, {len(published)} tasks, "
            f"{sink.counts()[1]} SMTP connections: delivered in {seconds:.2f} s = "
            f"{reference_rate:.0f} e-mails/s ({reference_rate / floor_rate:.2f} x floor); "
            f"worker CPU {cpu / args.reference * 1000:.1f} ms an e-mail"
        )
        print(f"  verified: {verify(ids, sink)}")
        print(f"batched / one task per e-mail: {rate / reference_rate:.1f} x")

    met = "met" if rate >= TARGET else "NOT MET"
    print(
        f"target: at least {TARGET:.0f} e-mails/s from one worker: {rate:.0f} e-mails/s, {met}; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    sink.stop()


if __name__ == "__main__":
    main()
