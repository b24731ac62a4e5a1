"""Benchmark of the score aggregation and the ranking board (run by hand, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcity_bench \
        .venv/bin/python bench/aggregation_bench.py [--applications 10000] [--reviewers 500]

Recreates the dedicated database named in DATABASE_URL (it must not be anyone's working
database), migrates it, generates one track with N applications, R reviewers, 5 reviews per
application and 8 criteria (400,000 scores by default) with COPY, then prints:

- the floor: one plain SQL GROUP BY (application, criterion) → AVG(points) over the scores;
- the aggregation (``results.aggregation.aggregate_track``): wall time, Python peak memory
  (tracemalloc) and the growth of the process's maximum resident set size;
- the ranking board's first page through Django's test client: time and query count, and
  the query count for a track with a single application for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import random
import resource
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcity.settings.test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss() -> int:
    """Reset the kernel's peak-RSS mark (Linux) and return the current RSS in kB."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def peak_rss() -> int:
    return _status_kb("VmHWM")


def recreate_database(url: str) -> None:
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


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def generate(n_apps: int, n_reviewers: int, per_app: int, n_criteria: int):
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts import roles
    from accounts.models import Membership, Organization, User
    from applications.models import Application
    from projects.models import Call, Country, Track
    from reviews.models import Criterion

    roles.ensure_role_groups()
    now = timezone.now()
    # get_or_create: bench/chaos.py generates a track in a database that already has them.
    kind, _ = Organization.objects.get_or_create(
        name="KIND", defaults={"kind": "korean_agency", "country_code": "KR"}
    )
    country, _ = Country.objects.get_or_create(
        code="MY", defaults={"iso3": "MYS", "name": "Malaysia", "region": "southeast_asia"}
    )
    call = Call.objects.create(
        year=2026,
        slug="bench",
        name="Benchmark call",
        status="in_review",
        opens_at=now - timezone.timedelta(days=90),
        closes_at=now - timezone.timedelta(days=30),
    )
    track = Track.objects.create(
        call=call,
        kind="planning",
        code="PL",
        name="Benchmark planning",
        secretariat=kind,
        applicant_kind="foreign_public",
        budget_floor=300_000_000,
        budget_ceiling=500_000_000,
        total_budget=4_000_000_000,
        min_reviewers=per_app,
    )
    small = Track.objects.create(
        call=call,
        kind="demonstration",
        code="DM",
        name="Benchmark small track",
        secretariat=kind,
        applicant_kind="korean_consortium",
        budget_floor=400_000_000,
        budget_ceiling=400_000_000,
        total_budget=800_000_000,
        min_reviewers=per_app,
    )
    max_points = Decimal(100) / n_criteria
    criteria = {}
    for t in (track, small):
        criteria[t.pk] = [
            Criterion.objects.create(
                track=t,
                code=f"c{i + 1}",
                name=f"Criterion {i + 1}",
                max_points=max_points,
                order=i,
                tiebreak_priority=i + 1 if i < 2 else None,
            )
            for i in range(n_criteria)
        ]
    admin = User.objects.create_user(email="admin@bench.test", password="x", name="Admin")
    admin.groups.add(Group.objects.get(name=roles.PROGRAMME_ADMIN))
    applicant_org = Organization.objects.create(
        name="Applicant", kind="city_government", country_code="MY"
    )
    Membership.objects.create(user=admin, organization=kind, role="member")
    reviewers = User.objects.bulk_create(
        [
            User(email=f"r{i}@bench.test", name=f"Reviewer {i}", password="!")
            for i in range(n_reviewers)
        ]
    )
    rng = random.Random(2022)
    with transaction.atomic(), connection.cursor() as cur:
        raw = cur.connection.cursor()
        for t, count in ((track, n_apps), (small, 1)):
            copy_rows(
                raw,
                "applications_application",
                [
                    "reference",
                    "public_id",
                    "call_id",
                    "track_id",
                    "organization_id",
                    "created_by_id",
                    "status",
                    "contact_name",
                    "contact_position",
                    "contact_email",
                    "contact_phone",
                    "country_id",
                    "site_description",
                    "title",
                    "summary",
                    "objectives",
                    "outputs",
                    "requested_deliverable",
                    "existing_plans",
                    "land_status",
                    "budget_lines",
                    "prior_consultation",
                    "prior_consultation_details",
                    "budget_requested",
                    "co_financing",
                    "co_financing_description",
                    "submitted_at",
                    "status_reason",
                    "created_at",
                    "updated_at",
                    "version",
                    "section_edits",
                ],
                (
                    (
                        f"2026-{t.code}-{i:05d}",
                        uuid.uuid4(),
                        call.pk,
                        t.pk,
                        applicant_org.pk,
                        admin.pk,
                        "under_review",
                        "",
                        "",
                        "",
                        "",
                        country.pk,
                        "",
                        f"Application {i}",
                        "",
                        "",
                        "",
                        "master_plan",
                        "",
                        "",
                        "",
                        "false",
                        "",
                        rng.randrange(300, 501) * 1_000_000,
                        0,
                        "",
                        (now - timezone.timedelta(seconds=i)).isoformat(),
                        "",
                        now.isoformat(),
                        now.isoformat(),
                        1,
                        "{}",
                    )
                    for i in range(count)
                ),
            )
        apps = {
            t_id: list(ids)
            for t_id, ids in (
                (track.pk, Application.objects.filter(track=track).values_list("id", flat=True)),
                (small.pk, Application.objects.filter(track=small).values_list("id", flat=True)),
            )
        }
        assignment_rows = []
        bias = [rng.gauss(0, 4) for _ in reviewers]
        for _t_id, ids in apps.items():
            for index, app_id in enumerate(ids):
                for k in range(per_app):
                    r = (index * per_app + k) % n_reviewers
                    assignment_rows.append((app_id, reviewers[r].pk, r))
        copy_rows(
            raw,
            "reviews_assignment",
            [
                "application_id",
                "reviewer_id",
                "status",
                "assigned_at",
                "decline_reason",
                "decline_note",
                "recommendation",
                "overall_comment",
                "total",
                "submitted_at",
                "draft_version",
            ],
            (
                (
                    a,
                    rv,
                    "submitted",
                    now.isoformat(),
                    "",
                    "",
                    "fund",
                    "Feasible.",
                    0,
                    now.isoformat(),
                    1,
                )
                for a, rv, _ in assignment_rows
            ),
        )
        raw.execute("SELECT id, application_id, reviewer_id FROM reviews_assignment ORDER BY id")
        assignment_ids = raw.fetchall()
        reviewer_bias = {reviewers[i].pk: bias[i] for i in range(n_reviewers)}
        app_track = {a: t_id for t_id, ids in apps.items() for a in ids}
        score_rows = []
        totals = []
        for assignment_id, app_id, reviewer_id in assignment_ids:
            total = Decimal(0)
            quality = (app_id * 7919) % 100 / 100
            for criterion in criteria[app_track[app_id]]:
                value = float(max_points) * min(
                    1.0,
                    max(
                        0.0,
                        0.55
                        + 0.35 * quality
                        + reviewer_bias[reviewer_id] / 100
                        + rng.gauss(0, 0.08),
                    ),
                )
                points = Decimal(value).quantize(Decimal("0.1"))
                points = min(points, max_points)
                total += points
                score_rows.append(
                    (
                        assignment_id,
                        criterion.pk,
                        points,
                        max_points.quantize(Decimal("0.1")),
                        "",
                        now.isoformat(),
                    )
                )
            totals.append((assignment_id, total))
        copy_rows(
            raw,
            "reviews_score",
            [
                "assignment_id",
                "criterion_id",
                "points",
                "max_points",
                "justification",
                "updated_at",
            ],
            score_rows,
        )
        raw.execute("CREATE TEMP TABLE tmp_totals (id bigint, total numeric)")
        copy_rows(raw, "tmp_totals", ["id", "total"], totals)
        raw.execute(
            "UPDATE reviews_assignment a SET total = t.total FROM tmp_totals t WHERE a.id = t.id"
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return track, small, admin, len(score_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--reviewers", type=int, default=500)
    parser.add_argument("--per-application", type=int, default=5)
    parser.add_argument("--criteria", type=int, default=8)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a dedicated PostgreSQL database (kcity_bench).")
    recreate_database(url)

    import warnings

    import django

    # The test settings point STATIC_ROOT at var/staticfiles, which the benchmark never fills.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from results.aggregation import aggregate_track

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    track, small, admin, n_scores = generate(
        args.applications, args.reviewers, args.per_application, args.criteria
    )
    print(
        f"generated {args.applications} applications, {n_scores} scores "
        f"in {time.perf_counter() - started:.1f} s"
    )

    floor_sql = """
        SELECT a.application_id, s.criterion_id, AVG(s.points)
        FROM reviews_score s
        JOIN reviews_assignment a ON a.id = s.assignment_id
        JOIN applications_application ap ON ap.id = a.application_id
        WHERE ap.track_id = %s AND a.status = 'submitted'
        GROUP BY a.application_id, s.criterion_id
    """
    floors = []
    for _ in range(3):
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(floor_sql, [track.pk])
            cur.fetchall()
            floors.append(time.perf_counter() - t0)
    floor = min(floors)
    print(
        f"floor: plain SQL GROUP BY (application, criterion) AVG: {floor * 1000:.0f} ms "
        f"(best of 3; runs {', '.join(f'{f * 1000:.0f}' for f in floors)} ms)"
    )

    # Wall time without tracemalloc (it slows Python down several times), then memory.
    gc.collect()
    for label in ("first run (inserts)", "second run (upserts, identical values)"):
        rss_before = reset_peak_rss()
        t0 = time.perf_counter()
        summary = aggregate_track(track=track, actor=None)
        elapsed = time.perf_counter() - t0
        growth = peak_rss() - rss_before
        print(
            f"aggregation, {label}: {elapsed * 1000:.0f} ms = {elapsed / floor:.1f} × floor; "
            f"peak RSS growth {growth / 1024:.1f} MB; {summary}"
        )
    # Inside a caller's transaction the criterion GROUP BY cannot run on a second connection
    # (it would not see uncommitted rows), so it runs in line: the no-overlap figure.
    from django.db import transaction

    rss_before = reset_peak_rss()
    t0 = time.perf_counter()
    with transaction.atomic():
        aggregate_track(track=track, actor=None)
    elapsed = time.perf_counter() - t0
    print(
        f"aggregation, re-run inside a transaction (GROUP BY in line, no overlap): "
        f"{elapsed * 1000:.0f} ms = {elapsed / floor:.1f} × floor; "
        f"peak RSS growth {(peak_rss() - rss_before) / 1024:.1f} MB"
    )
    tracemalloc.start()
    aggregate_track(track=track, actor=None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"aggregation, Python memory: tracemalloc peak {peak / 2**20:.1f} MB")
    aggregate_track(track=small, actor=None)

    client = Client()
    client.force_login(admin)
    # A staff page: the session also needs the second factor (accounts.two_factor).
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session = client.session
    device = TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    for t, label in ((track, f"{args.applications} applications"), (small, "1 application")):
        url_board = reverse("staff_results:board", args=[t.pk])
        client.get(url_board)  # warm the template cache
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url_board)
                times.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.status_code
        print(
            f"ranking board first page, {label}: median {sorted(times)[2] * 1000:.0f} ms "
            f"(best {min(times) * 1000:.0f} ms), {len(ctx.captured_queries)} queries"
        )


if __name__ == "__main__":
    main()
