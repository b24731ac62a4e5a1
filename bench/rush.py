"""Deadline rush, run by hand: N applicants of one call submitting at once (issue 16).

    .venv/bin/python bench/rush.py [--applicants 300] [--concurrency 50] [--double-clicks 0.1]
                                   [--bare-requests 3000] [--worker]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and ``redis-server`` on the PATH. It
recreates the database ``kcity_bench_rush`` (never anyone's working database), starts its own
Redis on a free port (the shared one is never touched) and gunicorn as the Dockerfile runs it
(3 sync workers) on the production settings, with the bench's URLconf
(``bench.rush_settings``, ``bench.rush_urls``), which adds one bare view. With ``--worker``
a Celery worker with 4 processes delivers the confirmations to an SMTP sink in this process,
as in production; without it they wait in the outbox and the broker.

1. Seeds N applicants (a city government each, one member, logged in: a session made by
   Django's own ``login``), each with a complete draft in one open call, plus a few more
   submitted first to warm the workers up. Every applicant opens the review-and-submit page
   once, as a browser would before the click: the session and CSRF cookies and the form's
   token come from there.
2. Measures the bare view: ``--bare-requests`` GETs at the same concurrency, requests/s.
3. Fires the rush: every applicant POSTs the real submit form (``applications:submit``),
   ``--concurrency`` at a time, and a share of them (``--double-clicks``) a second time at
   once. Prints submissions/s (applications submitted ÷ wall time of the rush), its ratio to
   the bare view, the latency percentiles of every POST, errors (anything but the redirect
   to the application's page), and how many database sessions were seen waiting on a lock.
4. Checks the database: every application submitted once, references distinct, in the
   reference format and gap-free after the warm-up's, one ``submitted`` audit row and one
   confirmation e-mail per application.

Not a test: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import http.client
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
VENV_BIN = BASE_DIR / ".venv" / "bin"

from common import free_port, open_call_with_drafts, wait_for_port  # noqa: E402

DATABASE_NAME = "kcity_bench_rush"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"
TARGET_RATIO = 0.5
WARM_UP = 9  # applicants submitted before the rush, so each of the 3 workers has run the path


# --- The stack: Redis, gunicorn, optionally a Celery worker ------------------------------------


class Stack:
    def __init__(self, workdir: Path, *, smtp_port: int | None):
        self.workdir = workdir
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.rush_settings",
            "DJANGO_SECRET_KEY": "rush-bench-secret-key-not-for-production-0123456789abcdef",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SESSION_COOKIE_SECURE": "false",
            "DJANGO_CSRF_COOKIE_SECURE": "false",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(smtp_port or 25),
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "KCITY_SITE_URL": f"http://127.0.0.1:{self.web_port}",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def start_redis(self) -> None:
        self._start(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
        )
        wait_for_port(self.redis_port)

    def start_web(self, workers: int = 3) -> None:
        # As the Dockerfile's CMD: 3 sync workers unless told otherwise.
        self._start(
            "web",
            [str(VENV_BIN / "gunicorn"), "kcity.wsgi:application", "--workers", str(workers)]
            + ["--bind", f"127.0.0.1:{self.web_port}", "--timeout", "60"],
        )
        wait_for_port(self.web_port)

    def start_worker(self) -> None:
        self._start(
            "worker",
            [str(VENV_BIN / "celery"), "-A", "kcity", "worker", "-c", "4", "-l", "warning"],
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def setup_django(stack: Stack) -> None:
    for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        os.environ[key] = stack.env[key]
    for key, value in stack.env.items():
        if key.startswith(("DJANGO_", "KCITY_")):
            os.environ[key] = value
    import django

    django.setup()


# --- Data ---------------------------------------------------------------------------------------


def seed(count: int) -> tuple[list[dict], int]:
    """``count`` applicants, each a city government with one logged-in member and a complete
    draft in one open call (``common.open_call_with_drafts``); returns [{"pk", "session"}]
    and the call's year."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    password = make_password("correct-horse-battery")  # hashed once, not once per applicant
    track, drafts = open_call_with_drafts(
        count, email="officer{index}@city{index}.example.org", password=password
    )
    applicants = []
    for user, application in drafts:
        client = Client()
        client.force_login(user)  # django.contrib.auth.login: the session a log-in makes
        applicants.append(
            {"pk": application.pk, "session": client.cookies[settings.SESSION_COOKIE_NAME].value}
        )
    return applicants, track.call.year


# --- Requests -----------------------------------------------------------------------------------


class Web:
    def __init__(self, port: int):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, *, body: str = "", headers=None):
        """(status, headers, body, seconds); raises on a connection error."""
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, response, data, time.perf_counter() - started
        finally:
            conn.close()


def open_review_page(web: Web, applicant: dict) -> None:
    """GET the review-and-submit page as the applicant: the CSRF cookie and form token."""
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={applicant['session']}"
    status, response, body, _ = web.request(
        "GET", f"/applications/{applicant['pk']}/review/", headers={"Cookie": cookie}
    )
    if status != 200:
        raise SystemExit(f"The review page of {applicant['pk']} answered {status}.")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    csrf_cookie = re.search(
        rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", response.getheader("Set-Cookie") or ""
    )
    if not token or not csrf_cookie:
        raise SystemExit(f"No submit form or CSRF cookie on the review page of {applicant['pk']}.")
    applicant["cookie"] = f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf_cookie.group(1)}"
    applicant["token"] = token.group(1).decode()


def post_submit(web: Web, applicant: dict) -> tuple[str, float]:
    """POST the submit form; ("ok" | what went wrong, seconds)."""
    try:
        status, response, _body, took = web.request(
            "POST",
            f"/applications/{applicant['pk']}/submit/",
            body=f"csrfmiddlewaretoken={applicant['token']}",
            headers={
                "Cookie": applicant["cookie"],
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": web.origin,
                "Referer": f"{web.origin}/applications/{applicant['pk']}/review/",
            },
        )
    except OSError as exc:
        return f"connection: {type(exc).__name__}", float("nan")
    location = urlparse(response.getheader("Location") or "").path
    if status == 302 and location == f"/applications/{applicant['pk']}/":
        return "ok", took
    return f"{status} → {location or '-'}", took


def get_bare(web: Web, cookie: str = "") -> tuple[str, float]:
    """GET the bare view, anonymous or (``cookie``) in an applicant's session."""
    try:
        headers = {"Cookie": cookie} if cookie else {}
        status, _response, _body, took = web.request("GET", "/bench-bare/", headers=headers)
    except OSError as exc:
        return f"connection: {type(exc).__name__}", float("nan")
    return ("ok" if status == 200 else str(status)), took


def run_all(jobs, concurrency: int) -> tuple[list[tuple[str, float]], float]:
    """Run the callables ``concurrency`` at a time; (outcomes in order, wall seconds)."""
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(lambda job: job(), jobs))
    return outcomes, time.perf_counter() - started


class LockSampler:
    """Samples pg_stat_activity every 20 ms: the portal's sessions running a statement and,
    among them, those waiting on a lock."""

    def __init__(self):
        import psycopg2

        self.conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        self.conn.autocommit = True
        self.samples: list[tuple[int, int]] = []
        self.waits: collections.Counter = collections.Counter()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with self.conn.cursor() as cur:
            while self.running:
                cur.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), "
                    "count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
                    "FROM pg_stat_activity WHERE datname = %s",
                    [DATABASE_NAME],
                )
                self.samples.append(cur.fetchone())
                if self.samples[-1][1]:
                    cur.execute(
                        "SELECT l.locktype, l.relation::regclass::text, l.mode, "
                        "left(a.query, 60) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                        "WHERE NOT l.granted AND a.datname = %s",
                        [DATABASE_NAME],
                    )
                    self.waits.update(cur.fetchall())
                time.sleep(0.02)

    def stop(self) -> dict:
        self.running = False
        self.thread.join()
        self.conn.close()
        busy = [s for s in self.samples if s[0]]
        waiting = [s for s in busy if s[1]]
        return {
            "samples with a statement running": len(busy),
            "of which with a session waiting on a lock": len(waiting),
            "most sessions waiting on a lock at once": max((s[1] for s in busy), default=0),
            "locks waited for (type, table, mode, statement: samples)": dict(
                self.waits.most_common(5)
            ),
        }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(v for v in values if v == v)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- Checks in the database ---------------------------------------------------------------------


def verify(pks: list[int], year: int) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import close_old_connections
    from django.db.models import Count

    from accounts.models import AuditEvent
    from applications.models import Application
    from notifications.models import Message

    close_old_connections()
    rows = list(Application.objects.filter(pk__in=pks).values_list("pk", "status", "reference"))
    references = [r for _pk, _status, r in rows if r]
    shape = re.compile(rf"^{year}-PL-(\d{{3,}})$")
    numbers = sorted(int(m.group(1)) for r in references if (m := shape.match(r)))
    audits = dict(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Application),
            object_id__in=[str(pk) for pk in pks],
            action="status",
            new_value=Application.Status.SUBMITTED,
        )
        .values_list("object_id")
        .annotate(n=Count("id"))
    )
    mails = dict(
        Message.objects.filter(
            channel=Message.Channel.EMAIL,
            template="applications/submitted",
            link__in=[f"/applications/{pk}/" for pk in pks],
        )
        .values_list("link")
        .annotate(n=Count("id"))
    )
    return {
        "applications": len(pks),
        "submitted": sum(1 for _pk, status, _r in rows if status == "submitted"),
        "lost (not submitted)": sum(1 for _pk, status, _r in rows if status != "submitted"),
        "duplicate references": len(references) - len(set(references)),
        "references not in the format": len(references) - len(numbers),
        "references in sequence (no gap)": numbers == list(range(1, len(numbers) + 1)),
        "applications without exactly one audit row": sum(
            1 for pk in pks if audits.get(str(pk), 0) != 1
        ),
        "applications without exactly one confirmation e-mail": sum(
            1 for pk in pks if mails.get(f"/applications/{pk}/", 0) != 1
        ),
    }


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(name: str, figures: dict) -> None:
    print(f"\n## {name}")
    for key, value in figures.items():
        print(f"- {key}: {value}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--double-clicks", type=float, default=0.1)
    parser.add_argument("--bare-requests", type=int, default=3000)
    parser.add_argument("--worker", action="store_true", help="deliver mail with a Celery worker")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    workdir = Path(tempfile.mkdtemp(prefix="kcity-rush-"))
    sink = None
    if args.worker:
        from chaos import SmtpSink

        sink = SmtpSink()
    stack = Stack(workdir, smtp_port=sink.port if sink else None)
    print(
        f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the run",
        flush=True,
    )
    from aggregation_bench import recreate_database

    recreate_database(DATABASE_URL)
    try:
        stack.start_redis()
        setup_django(stack)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"Seeding {args.applicants} applicants (+{WARM_UP} for the warm-up) …", flush=True)
        everyone, year = seed(args.applicants + WARM_UP)
        warm_up, applicants = everyone[:WARM_UP], everyone[WARM_UP:]
        stack.start_web(args.web_workers)
        if args.worker:
            stack.start_worker()
        web = Web(stack.web_port)
        run_all([lambda a=a: open_review_page(web, a) for a in everyone], 6)
        run_all([lambda: get_bare(web)] * 60, 6)
        warm = run_all([lambda a=a: post_submit(web, a) for a in warm_up], 3)[0]
        if any(outcome != "ok" for outcome, _ in warm):
            raise SystemExit(f"The warm-up submissions failed: {warm}")

        bare_rates = {}
        for name, cookies in (
            ("Bare view, anonymous", [""]),
            ("Bare view, in the applicants' sessions", [a["cookie"] for a in applicants]),
        ):
            print(f"{name}: {args.bare_requests} GETs, {args.concurrency} at a time …", flush=True)
            cpu = cpu_seconds()
            rounds = [cookies[i % len(cookies)] for i in range(args.bare_requests)]
            bare, bare_wall = run_all(
                [lambda c=cookie: get_bare(web, c) for cookie in rounds], args.concurrency
            )
            bare_rates[name] = args.bare_requests / bare_wall
            report(
                name,
                {
                    "requests/s": round(bare_rates[name], 1),
                    "p50 / p95 / p99 (ms)": " / ".join(
                        f"{percentile([t for _, t in bare], p) * 1000:.0f}" for p in (50, 95, 99)
                    ),
                    "errors": sum(1 for outcome, _ in bare if outcome != "ok"),
                    "load generator CPU (s)": round(cpu_seconds() - cpu, 1),
                },
            )

        jobs = []
        doubled = set(
            rng.sample(range(len(applicants)), round(len(applicants) * args.double_clicks))
        )
        order = list(range(len(applicants)))
        rng.shuffle(order)
        for index in order:
            jobs.append(lambda a=applicants[index]: post_submit(web, a))
            if index in doubled:  # the second click, sent at once behind the first
                jobs.append(lambda a=applicants[index]: post_submit(web, a))
        print(
            f"Rush: {len(applicants)} submissions and {len(doubled)} double clicks, "
            f"{args.concurrency} at a time …",
            flush=True,
        )
        sampler = LockSampler()
        cpu = cpu_seconds()
        rush, rush_wall = run_all(jobs, args.concurrency)
        rush_client_cpu = cpu_seconds() - cpu
        locks = sampler.stop()
        rate = len(applicants) / rush_wall
        errors = [outcome for outcome, _ in rush if outcome != "ok"]
        times = [t for _, t in rush]
        report(
            "Deadline rush",
            {
                "POST requests": len(jobs),
                "wall time (s)": round(rush_wall, 2),
                "submissions/s": round(rate, 1),
                "requests/s": round(len(jobs) / rush_wall, 1),
                **{
                    f"ratio to the {name[0].lower()}{name[1:]}": f"{rate / bare_rate:.2f}×"
                    for name, bare_rate in bare_rates.items()
                },
                "p50 / p95 / p99 (ms)": " / ".join(
                    f"{percentile(times, p) * 1000:.0f}" for p in (50, 95, 99)
                ),
                "mean (ms)": round(statistics.fmean(t for t in times if t == t) * 1000),
                "errors": len(errors),
                "error kinds": dict(collections.Counter(errors)),
                "load generator CPU (s)": round(rush_client_cpu, 1),
                **locks,
            },
        )
        checks = verify([a["pk"] for a in everyone], year)
        report("In the database (rush and warm-up)", checks)
        if sink is not None:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and sink.counts()[0] < len(everyone):
                time.sleep(1)
            accepted, distinct, twice = sink.counts()
            report(
                "Mail (Celery worker, SMTP sink)",
                {"accepted": accepted, "distinct Message-IDs": distinct, "sent twice": twice},
            )
        met = (
            rate / min(bare_rates.values()) >= TARGET_RATIO
            and not errors
            and checks["lost (not submitted)"] == 0
            and checks["duplicate references"] == 0
            and checks["references not in the format"] == 0
            and checks["applications without exactly one audit row"] == 0
            and checks["applications without exactly one confirmation e-mail"] == 0
        )
        print(f"\nTargets {'MET' if met else 'NOT MET'}; load average now {os.getloadavg()[0]:.2f}")
    finally:
        stack.stop()
        if sink is not None:
            sink.server.shutdown()
        print(f"Logs: {workdir}")


if __name__ == "__main__":
    main()
