"""What one submission costs against one bare request, in one process (issue 16), run by hand.

    .venv/bin/python bench/submit_cost.py [--applicants 250] [--rounds 3]

The deadline rush (``bench/rush.py``) is bound by the work of each submission; this script
measures that work without gunicorn, the load generator or other processes on the cores in
between. Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379
(database 14 only: the confirmations' delivery jobs are queued there, none is run). It
recreates the database ``kcity_bench_submit`` (never anyone's working database), seeds
``--applicants`` complete drafts of one open call (``common.open_call_with_drafts``), each
member logged in with Django's test client, on the rush's settings (``bench.rush_settings``:
production settings with the bench's bare view), and then, ``--rounds`` times:

* the submissions: a share of the drafts POSTed to ``applications:submit``, one at a time;
* the bare view ``/bench-bare/``, GET in the same applicants' sessions, three times as many.

It prints, per request, the process's CPU time, the CPU time of its PostgreSQL backend (read
from ``/proc``), wall time and the statements one submission makes, and the ratio of the two
costs. Not a test: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from common import open_call_with_drafts  # noqa: E402

DATABASE_NAME = "kcity_bench_submit"

ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "bench.rush_settings",
    "DJANGO_SECRET_KEY": "submit-cost-bench-secret-key-not-for-production-0123456789",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "DJANGO_ALLOWED_HOSTS": "testserver",
    # Production settings ask for the address e-mail links start with (never sent here).
    "KCITY_SITE_URL": "http://testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SESSION_COOKIE_SECURE": "false",
    "DJANGO_CSRF_COOKIE_SECURE": "false",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
}


def backend_cpu_seconds(pid: int) -> float:
    """User and system CPU time of one PostgreSQL backend process (same host)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(requests, backend_pid: int) -> dict[str, float]:
    """Run ``requests`` (callables), return per-request Python CPU, PostgreSQL CPU and wall."""
    pg0, cpu0, wall0 = backend_cpu_seconds(backend_pid), time.process_time(), time.perf_counter()
    for request in requests:
        request()
    n = len(requests)
    return {
        "python_ms": (time.process_time() - cpu0) / n * 1000,
        "postgres_ms": (backend_cpu_seconds(backend_pid) - pg0) / n * 1000,
        "wall_ms": (time.perf_counter() - wall0) / n * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="submit --applicants more drafts under cProfile and write the profile to FILE",
    )
    parser.add_argument("--statements", action="store_true", help="print the SQL of one submission")
    args = parser.parse_args()
    os.environ.update(ENVIRONMENT)
    from aggregation_bench import recreate_database

    recreate_database(ENVIRONMENT["DATABASE_URL"])

    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)  # the lock-out library logs every log-in of the seeding
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    warm_up = 5
    count = max(args.applicants, warm_up + 1 + args.rounds)
    profiled = args.applicants if args.profile else 0
    _track, drafts = open_call_with_drafts(count + profiled, email="applicant{index}@bench.example")
    sessions = []
    for user, application in drafts:
        client = Client()
        client.force_login(user)
        sessions.append((client, reverse("applications:submit", args=[application.pk])))

    def submit(client, url):
        response = client.post(url)
        if response.status_code != 302:
            raise SystemExit(f"a submission answered {response.status_code}")

    # The first submissions start the track's reference numbering and fill the caches.
    for client, url in sessions[:warm_up]:
        submit(client, url)
    client, url = sessions[warm_up]
    with CaptureQueriesContext(connection) as statements:
        submit(client, url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]

    rest = sessions[warm_up + 1 : count]
    share = len(rest) // args.rounds
    print(f"# One submission against one bare request, {len(rest)} submissions in all")
    print(
        f"- load average before: {os.getloadavg()[0]:.2f}; statements of a submission: "
        f"{len(statements.captured_queries)}"
    )
    if args.statements:
        for number, query in enumerate(statements.captured_queries, 1):
            print(f"  {number:2}. {query['sql'][:300]}")
    ratios = []
    for round_number in range(args.rounds):
        chunk = rest[round_number * share : (round_number + 1) * share]
        submissions = measure([lambda c=c, u=u: submit(c, u) for c, u in chunk], backend_pid)
        bare = measure([lambda c=c: c.get("/bench-bare/") for c, _u in chunk * 3], backend_pid)
        cost = submissions["python_ms"] + submissions["postgres_ms"]
        reference = bare["python_ms"] + bare["postgres_ms"]
        ratios.append(cost / reference)
        print(
            f"- round {round_number + 1}: submission {submissions['python_ms']:.1f} ms Python "
            f"+ {submissions['postgres_ms']:.1f} ms PostgreSQL ({submissions['wall_ms']:.1f} ms "
            f"wall); bare {bare['python_ms']:.1f} + {bare['postgres_ms']:.1f} ms "
            f"({bare['wall_ms']:.1f} ms wall); a submission costs {cost / reference:.1f} bare "
            "requests"
        )
    print(
        f"- a submission costs {min(ratios):.1f}–{max(ratios):.1f} bare requests of CPU; the "
        "rush's 0.5 × target asks for at most about 2 (docs/performance.md)"
    )
    print(f"- load average after: {os.getloadavg()[0]:.2f}")
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [submit(c, u) for c, u in sessions[count:]])
        profiler.dump_stats(args.profile)
        print(f"- a profile of {profiled} more submissions: {args.profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
