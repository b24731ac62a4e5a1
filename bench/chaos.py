"""Faults on the real stack, run by hand: prints the figures recorded in docs/reliability.md.

    .venv/bin/python bench/chaos.py [--applications 60] [--aggregation-applications 10000]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and ``redis-server`` on the PATH. It
recreates the database ``kcity_bench_chaos`` (never anyone's working database), starts its own
Redis on a free port (the shared one on 6379 is never touched), a small SMTP server in this
process that records every message it accepts by its Message-ID, and the production stack on
the production settings: gunicorn with 3 workers, a Celery worker with 2 processes and beat.
Then it injects the faults of issue 12, one scenario at a time:

1. **Redis stopped** for a while during a burst of API submissions, API reads and browser
   log-ins; started again; every confirmation e-mail must arrive exactly once.
2. **SMTP refusing** (421 to every connection) during another burst of submissions; the outbox
   must show the failures with their errors, and every e-mail must arrive once after recovery.
3. **A pool process killed** (SIGKILL) in the middle of an aggregation of a large track, then
   **the whole worker killed** and started again: how long until the job is finished or failed,
   and whether staff can start it again.
4. **PostgreSQL connections terminated** (``pg_terminate_backend`` on every connection of the
   portal, as a database restart does): how many of the next requests fail.

Each scenario prints what was sent, what answered 5xx, what was delivered, what twice, and what
stayed stuck. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import os
import re
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
VENV_BIN = BASE_DIR / ".venv" / "bin"

from common import free_port, open_call_with_drafts, wait_for_port  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kcity_bench_chaos"


# --- A tiny SMTP server that records what it accepts -----------------------------------------


class SmtpSink:
    """Accepts mail (or refuses every connection with 421 while ``refusing``) and records each
    accepted message's Message-ID, recipient and subject."""

    def __init__(self):
        self.refusing = False
        self.accepted: list[dict] = []
        self.refused_connections = 0
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                if sink.refusing:
                    with sink.lock:
                        sink.refused_connections += 1
                    self.reply("421 chaos: service not available")
                    return
                self.reply("220 chaos ESMTP")
                recipients: list[str] = []
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 chaos")
                    elif verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip(" <>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk.decode(errors="replace"))
                        text = "".join(data)
                        message_id = re.search(r"(?im)^message-id:\s*(\S+)", text)
                        subject = re.search(r"(?im)^subject:\s*(.*)$", text)
                        with sink.lock:
                            sink.accepted.append(
                                {
                                    "message_id": message_id.group(1) if message_id else "",
                                    "to": ",".join(recipients),
                                    "subject": subject.group(1).strip() if subject else "",
                                }
                            )
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.port = free_port()
        self.server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def counts(self) -> tuple[int, int, int]:
        """(accepted, distinct Message-IDs, messages accepted more than once)."""
        with self.lock:
            ids = collections.Counter(m["message_id"] or id(m) for m in self.accepted)
            by_content = collections.Counter((m["to"], m["subject"]) for m in self.accepted)
        twice = max(sum(n - 1 for n in ids.values()), sum(n - 1 for n in by_content.values()))
        return len(self.accepted), len(ids), twice


# --- The stack --------------------------------------------------------------------------------


class Stack:
    def __init__(self, workdir: Path, smtp_port: int):
        self.workdir = workdir
        self.redis_port = free_port()
        self.web_port = free_port()
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        # Like the compose file's restart policy: a worker that exits on its own is started
        # again (counted); one this script kills on purpose is not.
        self.worker_restarts = 0
        self.supervising = True
        threading.Thread(target=self._supervise, daemon=True).start()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kcity.settings.production",
            "DJANGO_SECRET_KEY": "chaos-run-secret-key-not-for-production-0123456789abcdef",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SESSION_COOKIE_SECURE": "false",
            "DJANGO_CSRF_COOKIE_SECURE": "false",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(smtp_port),
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "KCITY_SITE_URL": f"http://127.0.0.1:{self.web_port}",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def log(self, name: str):
        return open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=self.log("redis"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.redis_port)

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait()
            self.redis = None

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "kcity.wsgi",
                "--workers",
                "3",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log("web"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.web_port)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "kcity", "worker", "-c", "2", "-l", "warning"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log("worker"),
            stderr=subprocess.STDOUT,
        )

    def start_beat(self) -> None:
        self.beat = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "kcity",
                "beat",
                "-l",
                "warning",
                "-s",
                str(self.workdir / "beat-schedule"),
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log("beat"),
            stderr=subprocess.STDOUT,
        )

    def _supervise(self) -> None:
        while self.supervising:
            worker = self.worker
            if worker is not None and worker.poll() is not None and worker is self.worker:
                self.worker_restarts += 1
                print(f"   (the worker exited with {worker.returncode}; restarted)", flush=True)
                self.start_worker()
            time.sleep(1)

    def worker_children(self) -> list[int]:
        return [] if self.worker is None else self.worker_children_of(self.worker)

    @staticmethod
    def worker_children_of(worker: subprocess.Popen) -> list[int]:
        children = []
        tasks = Path(f"/proc/{worker.pid}/task")
        for task in tasks.iterdir() if tasks.exists() else ():
            with contextlib.suppress(OSError):
                children += [int(p) for p in (task / "children").read_text().split()]
        return children

    def kill_worker(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            for pid in self.worker_children_of(worker):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            worker.kill()
            worker.wait()

    def stop(self) -> None:
        self.supervising = False
        for proc in (self.beat, self.web):
            if proc is not None:
                proc.terminate()
        self.kill_worker()
        for proc in (self.beat, self.web):
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
        self.stop_redis()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"


# --- Data -------------------------------------------------------------------------------------


def setup_django(stack: Stack) -> None:
    os.environ.update({k: v for k, v in stack.env.items() if k.startswith(("DJANGO", "KCITY"))})
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["REDIS_URL"] = stack.env["REDIS_URL"]
    import django

    django.setup()


def seed_applicants(count: int) -> tuple[list[tuple[int, str]], object]:
    """``count`` verified applicants with a complete draft each in an open call
    (``common.open_call_with_drafts``), and an API token for each; returns
    [(application id, token key)] and a programme admin."""
    from accounts import roles
    from accounts.models import ApiToken
    from accounts.token_services import create_api_token
    from tests.factories import UserFactory

    _track, drafts = open_call_with_drafts(count, email="applicant{index}@chaos.example.org")
    admin = UserFactory(email="admin@molit.go.kr", roles=[roles.PROGRAMME_ADMIN], is_staff=True)
    keys = []
    for user, application in drafts:
        _token, key = create_api_token(user=user, name="chaos", scope=ApiToken.Scope.READ_WRITE)
        keys.append((application.pk, key))
    return keys, admin


# --- Requests ---------------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.codes = collections.Counter()
        self.lock = threading.Lock()

    def add(self, code) -> None:
        with self.lock:
            self.codes[code] += 1

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.codes.items() if code == "error" or int(code) >= 500)

    def __str__(self) -> str:
        return ", ".join(f"{code}: {n}" for code, n in sorted(self.codes.items(), key=str))


def request(tally: Tally, method: str, url: str, **kwargs) -> None:
    import requests

    try:
        response = requests.request(method, url, timeout=30, allow_redirects=False, **kwargs)
    except requests.RequestException:
        tally.add("error")
    else:
        tally.add(response.status_code)


def submit_all(stack: Stack, drafts, tally: Tally) -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        for application_id, key in drafts:
            pool.submit(
                request,
                tally,
                "POST",
                stack.url(f"/api/v1/applications/{application_id}/submit/"),
                headers={"Authorization": f"Token {key}"},
            )


def read_and_log_in(stack: Stack, tally: Tally, rounds: int, password: str, email: str) -> None:
    import requests

    for _ in range(rounds):
        request(tally, "GET", stack.url("/api/v1/calls/"))
        request(tally, "GET", stack.url("/"))
        session = requests.Session()
        try:
            page = session.get(stack.url("/accounts/login/"), timeout=30)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            response = session.post(
                stack.url("/accounts/login/"),
                data={
                    "username": email,
                    "password": password,
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                },
                headers={"Referer": stack.url("/accounts/login/")},
                timeout=30,
                allow_redirects=False,
            )
            tally.add(response.status_code)
        except requests.RequestException:
            tally.add("error")


def outbox_state() -> dict:
    from django.db import close_old_connections

    from notifications.models import Message

    close_old_connections()
    emails = Message.objects.filter(channel=Message.Channel.EMAIL)
    return dict(collections.Counter(emails.values_list("status", flat=True)))


def wait_for_outbox(expected: int, timeout: float) -> float:
    """Seconds until ``expected`` e-mails are sent (or the timeout)."""
    from celery import current_app

    start = time.monotonic()
    nudged = 0.0
    while time.monotonic() - start < timeout:
        if outbox_state().get("sent", 0) >= expected:
            return time.monotonic() - start
        if time.monotonic() - nudged > 20:
            # What beat does every two minutes, sooner: re-queue what is due.
            with contextlib.suppress(Exception):
                current_app.send_task("notifications.resend_pending_messages")
            nudged = time.monotonic()
        time.sleep(1)
    return float("nan")


# --- Scenarios --------------------------------------------------------------------------------


def scenario_redis(stack: Stack, sink: SmtpSink, drafts, outage: float) -> dict:
    third = len(drafts) // 3
    before, during, after = drafts[:third], drafts[third : 2 * third], drafts[2 * third :]
    tally_before, tally_during, tally_after = Tally(), Tally(), Tally()
    submit_all(stack, before, tally_before)
    stack.stop_redis()
    started = time.monotonic()
    submit_all(stack, during, tally_during)
    read_and_log_in(stack, tally_during, 5, "correct-horse-battery", "applicant0@chaos.example.org")
    time.sleep(max(0.0, outage - (time.monotonic() - started)))
    stack.start_redis()
    submit_all(stack, after, tally_after)
    took = wait_for_outbox(len(drafts), 300)
    accepted, distinct, twice = sink.counts()
    return {
        "before": str(tally_before),
        "during outage": str(tally_during),
        "after": str(tally_after),
        "5xx during outage": tally_during.errors,
        "mails expected": len(drafts),
        "mails accepted": accepted,
        "distinct Message-IDs": distinct,
        "sent twice": twice,
        "seconds to deliver all after recovery": round(took, 1),
        "outbox": outbox_state(),
    }


def scenario_smtp(stack: Stack, sink: SmtpSink, drafts, outage: float, already: int) -> dict:
    from notifications.models import Message

    sink.refusing = True
    tally = Tally()
    submit_all(stack, drafts, tally)
    time.sleep(outage)
    failed_rows = Message.objects.filter(
        channel=Message.Channel.EMAIL, status__in=["failed", "dead"]
    ).exclude(last_error="")
    visible = failed_rows.count()
    sink.refusing = False
    took = wait_for_outbox(already + len(drafts), 600)
    accepted, distinct, twice = sink.counts()
    return {
        "submissions": str(tally),
        "5xx": tally.errors,
        "connections refused": sink.refused_connections,
        "failed messages visible with their error during the outage": visible,
        "mails expected (all scenarios)": already + len(drafts),
        "mails accepted": accepted,
        "distinct Message-IDs": distinct,
        "sent twice": twice,
        "seconds to deliver after recovery": round(took, 1),
        "outbox": outbox_state(),
    }


def _wait_job(job_id: int, statuses: set[str], timeout: float) -> tuple[str, float]:
    from django.db import close_old_connections

    from reviews.models import Job

    start = time.monotonic()
    status = ""
    while time.monotonic() - start < timeout:
        close_old_connections()
        status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status in statuses:
            return status, time.monotonic() - start
        time.sleep(0.2)
    return status, float("nan")


def scenario_worker(stack: Stack, n_apps: int) -> dict:
    from aggregation_bench import generate

    from results.aggregation import start_aggregation
    from reviews.models import Job

    track, _small, admin, n_scores = generate(n_apps, max(50, n_apps // 20), 5, 8)
    figures: dict = {"scores": n_scores}
    for kill in ("pool process", "whole worker"):
        job = start_aggregation(track=track, actor=admin)
        status, _ = _wait_job(job.pk, {"running", "succeeded", "failed"}, 120)
        figures[f"{kill} killed: job status when killed"] = status
        if kill == "pool process":
            for pid in stack.worker_children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        else:
            stack.kill_worker()
            time.sleep(2)
            stack.start_worker()
        killed_at = time.monotonic()
        final, _ = _wait_job(job.pk, {"succeeded", "failed"}, 600)
        attempts = Job.objects.filter(pk=job.pk).values_list("attempts", flat=True).first()
        figures[f"{kill} killed: job ended"] = f"{final} after {attempts} start(s)"
        figures[f"{kill} killed: seconds until it ended"] = round(time.monotonic() - killed_at, 1)
        again = start_aggregation(track=track, actor=admin)
        figures[f"{kill} killed: a new start made a new job"] = again.pk != job.pk
        final_again, took = _wait_job(again.pk, {"succeeded", "failed"}, 600)
        figures[f"{kill} killed: the new job"] = f"{final_again} in {took:.1f} s"
    return figures


def scenario_postgres(stack: Stack) -> dict:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = 'kcity_bench_chaos' AND pid <> pg_backend_pid()"
        )
        terminated = cur.fetchone()[0]
    conn.close()
    tally = Tally()
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        for _ in range(30):
            pool.submit(request, tally, "GET", stack.url("/api/v1/calls/"))
            pool.submit(request, tally, "GET", stack.url("/readyz"))
    return {
        "connections terminated": terminated,
        "next 60 requests": str(tally),
        "5xx": tally.errors,
    }


def report(name: str, figures: dict) -> None:
    print(f"\n## {name}")
    for key, value in figures.items():
        print(f"- {key}: {value}")
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=90)
    parser.add_argument("--aggregation-applications", type=int, default=10000)
    parser.add_argument("--redis-outage", type=float, default=20.0)
    parser.add_argument("--smtp-outage", type=float, default=20.0)
    args = parser.parse_args()

    from aggregation_bench import recreate_database

    workdir = Path(tempfile.mkdtemp(prefix="kcity-chaos-"))
    sink = SmtpSink()
    stack = Stack(workdir, sink.port)
    recreate_database(DATABASE_URL)
    stack.start_redis()
    setup_django(stack)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    drafts, _admin = seed_applicants(args.applications)
    stack.start_web()
    stack.start_worker()
    stack.start_beat()
    time.sleep(3)
    results = {}
    try:
        split = len(drafts) * 2 // 3
        scenarios = [
            (
                "Redis outage",
                lambda: scenario_redis(stack, sink, drafts[:split], args.redis_outage),
            ),
            (
                "SMTP outage",
                lambda: scenario_smtp(stack, sink, drafts[split:], args.smtp_outage, already=split),
            ),
            ("Worker killed", lambda: scenario_worker(stack, args.aggregation_applications)),
            ("PostgreSQL restart", lambda: scenario_postgres(stack)),
        ]
        for number, (name, run) in enumerate(scenarios, start=1):
            print(f"{number}. {name} …", flush=True)
            results[name] = run()
            report(name, results[name])
    finally:
        stack.stop()
        sink.server.shutdown()
    report("Supervisor", {"worker restarts after exiting on its own": stack.worker_restarts})
    print(f"\nLogs: {workdir}")


if __name__ == "__main__":
    main()
