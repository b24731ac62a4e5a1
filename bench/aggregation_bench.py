"""Benchmark of the score aggregation and the ranking board (run by hand, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcity_bench \
        .venv/bin/python bench/aggregation_bench.py [--applications 10000] [--reviewers 500]

Recreates the dedicated database named in DATABASE_URL (it must not be anyone's working
database), migrates it, generates one track with N applications, R reviewers, 5 reviews per
application and 8 criteria (400,000 scores by default) with COPY, then prints:

- the floor: one plain SQL GROUP BY (application, criterion) → AVG(points) over the scores;
- the aggregation (``results.aggregation.aggregate_track``, which on PostgreSQL computes every
  figure in SQL): a first run into an empty table and a re-run, each the median of three
  rounds interleaved with the floor's, as a ratio to the floor; the growth of the process's
  peak resident set size and, in one more run, the Python allocation peak (tracemalloc);
- the same figures computed by the Python reference (``track_results_python``) and whether
  the two paths give identical results on every application and reviewer;
- whether the targets (at most 1.5 × the floor, memory growth under 100 MB) are met;
- the ranking board's first page through Django's test client: time and query count, and
  the query count for a track with a single application for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
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


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def model_defaults(table: str, columns: list[str]) -> dict[str, object]:
    """Columns of ``table``'s model that ``columns`` leaves out but that may not be NULL and
    have a default in the model: COPY skips Django's defaults, so they are given explicitly
    (a field another area adds later does not break the benchmark)."""
    from django.apps import apps

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:  # a scratch table of the benchmark's own
        return {}
    return {
        f.column: f.get_default()
        for f in model._meta.concrete_fields
        if f.column not in columns and not f.null and f.has_default() and not f.primary_key
    }


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    defaults = model_defaults(table, columns)
    extra = "".join("\t" + _copy_text(v) for v in defaults.values())
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(v) for v in row) + extra + "\n")
    buffer.seek(0)
    names = ", ".join([*columns, *defaults])
    cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)


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
    from reviews.services import points_by_criterion

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
            given = []  # (points, criterion), for the copy the scoring service writes
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
                given.append((points, criterion))
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
            totals.append((assignment_id, total, points_by_criterion(given)))
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
        raw.execute("CREATE TEMP TABLE tmp_totals (id bigint, total numeric, points jsonb)")
        copy_rows(raw, "tmp_totals", ["id", "total", "points"], totals)
        raw.execute(
            "UPDATE reviews_assignment a SET total = t.total, points_by_criterion = t.points "
            "FROM tmp_totals t WHERE a.id = t.id"
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return track, small, admin, len(score_rows)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _ms(values: list[float]) -> str:
    return ", ".join(f"{v * 1000:.0f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--reviewers", type=int, default=500)
    parser.add_argument("--per-application", type=int, default=5)
    parser.add_argument("--criteria", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of floor and runs (median)")
    parser.add_argument("--skip-board", action="store_true", help="skip the ranking board")
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
    from django.db import connection, transaction

    from results.aggregation import aggregate_track, track_results_python, track_results_sql
    from results.models import ApplicationResult

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    track, small, admin, n_scores = generate(
        args.applications, args.reviewers, args.per_application, args.criteria
    )
    print(
        f"generated {args.applications} applications, {n_scores} scores "
        f"in {time.perf_counter() - started:.1f} s"
    )
    load = os.getloadavg()
    print(f"load average before the runs: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    floor_sql = """
        SELECT a.application_id, s.criterion_id, AVG(s.points)
        FROM reviews_score s
        JOIN reviews_assignment a ON a.id = s.assignment_id
        JOIN applications_application ap ON ap.id = a.application_id
        WHERE ap.track_id = %s AND a.status = 'submitted'
        GROUP BY a.application_id, s.criterion_id
    """

    def floor_once() -> float:
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(floor_sql, [track.pk])
            cur.fetchall()
            return time.perf_counter() - t0

    def clear_results() -> None:
        # A first run writes into an empty table; TRUNCATE leaves no dead rows behind.
        with connection.cursor() as cur:
            cur.execute("TRUNCATE reviews_applicationresult, reviews_reviewertrackstat")

    def timed_run(**kwargs) -> tuple[float, float, dict]:
        """(seconds, peak RSS growth in MB, summary) of one aggregate_track run."""
        gc.collect()
        rss_before = reset_peak_rss()
        t0 = time.perf_counter()
        summary = aggregate_track(track=track, actor=None, **kwargs)
        elapsed = time.perf_counter() - t0
        return elapsed, (peak_rss() - rss_before) / 1024, summary

    # Warm-up: caches, the first connection, the planner's statistics.
    floor_once()
    aggregate_track(track=track, actor=None)
    # Rounds interleave the floor and the runs, so a load that comes and goes (a shared
    # machine) weighs on both alike; each figure is the median of the rounds.
    floors, firsts, reruns, computes, first_rss, rerun_rss = [], [], [], [], [], []
    for _ in range(args.rounds):
        floors.append(floor_once())
        clear_results()
        elapsed, growth, summary = timed_run()
        firsts.append(elapsed)
        first_rss.append(growth)
        elapsed, growth, _summary = timed_run()
        reruns.append(elapsed)
        rerun_rss.append(growth)
        t0 = time.perf_counter()
        track_results_sql(track=track)
        computes.append(time.perf_counter() - t0)
    floor = _median(floors)
    first, rerun, compute = _median(firsts), _median(reruns), _median(computes)
    print(
        f"floor: plain SQL GROUP BY (application, criterion) AVG over {n_scores} scores: "
        f"{floor * 1000:.0f} ms (median of {len(floors)}; runs {_ms(floors)} ms)"
    )
    print(f"aggregation (SQL path), {summary}")
    print(
        f"  first run ({args.applications:,} rows inserted): {first * 1000:.0f} ms = {first / floor:.2f} × floor "
        f"(median; runs {_ms(firsts)} ms); peak RSS growth {max(first_rss):.1f} MB (largest)"
    )
    print(
        f"  re-run (identical values, nothing rewritten): {rerun * 1000:.0f} ms = "
        f"{rerun / floor:.2f} × floor (median; runs {_ms(reruns)} ms); "
        f"peak RSS growth {max(rerun_rss):.1f} MB (largest)"
    )
    print(
        f"  figures, flags and ranks only (track_results_sql, no write): {compute * 1000:.0f} ms "
        f"= {compute / floor:.2f} × floor (median; runs {_ms(computes)} ms)"
    )

    # Inside a caller's transaction the pass over the scores cannot run on a second
    # connection (it would not see uncommitted rows): the statements run one after the other.
    t0 = time.perf_counter()
    with transaction.atomic():
        aggregate_track(track=track, actor=None)
    elapsed = time.perf_counter() - t0
    print(
        f"  re-run inside a transaction (statements in line, no overlap): "
        f"{elapsed * 1000:.0f} ms = {elapsed / floor:.2f} × floor (1 run)"
    )
    # A re-run after a few reviews changed (what a resubmission triggers): 100 totals move,
    # so their applications' figures, and ranks around them, are rewritten.
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE reviews_assignment SET total = total + 0.5 WHERE id IN (SELECT a.id FROM "
            "reviews_assignment a JOIN applications_application ap ON ap.id = a.application_id "
            "WHERE ap.track_id = %s AND a.total <= 99 ORDER BY a.id LIMIT 100)",
            [track.pk],
        )
    before = dict(
        ApplicationResult.objects.filter(track=track).values_list("application_id", "computed_at")
    )
    elapsed, _growth, _summary = timed_run()
    changed = sum(
        1
        for application_id, stamp in ApplicationResult.objects.filter(track=track).values_list(
            "application_id", "computed_at"
        )
        if before.get(application_id) != stamp
    )
    print(
        f"  re-run after 100 reviews changed: {elapsed * 1000:.0f} ms = "
        f"{elapsed / floor:.2f} × floor (1 run); {changed} rows rewritten"
    )
    tracemalloc.start()
    aggregate_track(track=track, actor=None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  Python memory: tracemalloc peak {peak / 2**20:.1f} MB (1 run)")

    # The reference: the same figures computed in Python, and the two compared row by row.
    t0 = time.perf_counter()
    reference = track_results_python(track=track)
    python_time = time.perf_counter() - t0
    in_sql = track_results_sql(track=track)
    same_results = sum(1 for a, b in zip(in_sql.results, reference.results, strict=True) if a == b)
    same_stats = sum(1 for a, b in zip(in_sql.stats, reference.stats, strict=True) if a == b)
    print(
        f"Python path (reference, figures only, no write): {python_time * 1000:.0f} ms = "
        f"{python_time / floor:.2f} × floor (1 run)"
    )
    print(
        f"SQL path equals the Python path: {same_results} of {len(reference.results)} "
        f"applications and {same_stats} of {len(reference.stats)} reviewers identical "
        f"(figures, flags, ranks, tie-breaks)"
    )
    worst = max(first, rerun) / floor
    growth = max(first_rss + rerun_rss)
    print(
        f"target aggregation <= 1.5 × floor: first run {first / floor:.2f} ×, re-run "
        f"{rerun / floor:.2f} × -> {'met' if worst <= 1.5 else 'NOT met'}"
    )
    print(
        f"target memory growth < 100 MB: {growth:.1f} MB peak RSS, "
        f"{peak / 2**20:.1f} MB tracemalloc -> "
        f"{'met' if max(growth, peak / 2**20) < 100 else 'NOT met'}"
    )
    load = os.getloadavg()
    print(f"load average after the runs: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    aggregate_track(track=small, actor=None)
    if not args.skip_board:
        board(track, small, admin, args.applications)


def board(track, small, admin, n_applications: int) -> None:
    """The ranking board's first page, 10,000 applications and 1, through the test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import two_factor

    # Staff pages first ask for the current privacy notice to be accepted (accounts.privacy).
    with contextlib.suppress(ImportError):
        from accounts.privacy import accept_privacy_notice

        accept_privacy_notice(user=admin, source="interstitial")
    client = Client()
    client.force_login(admin)
    # A staff page: the session also needs the second factor (accounts.two_factor).
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session = client.session
    device = TOTPDevice.objects.create(user=admin, name=two_factor.TOTP_DEVICE_NAME, confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    for t, label in ((track, f"{n_applications} applications"), (small, "1 application")):
        url_board = reverse("staff_results:board", args=[t.pk])
        response = client.get(url_board)  # warm the template cache
        if response.status_code != 200:
            print(
                f"ranking board: {response.status_code} "
                f"{response.get('Location', '')} — not measured"
            )
            return
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url_board)
                times.append(time.perf_counter() - t0)
        print(
            f"ranking board first page, {label}: median {sorted(times)[2] * 1000:.0f} ms "
            f"(best {min(times) * 1000:.0f} ms), {len(ctx.captured_queries)} queries"
        )


if __name__ == "__main__":
    main()
