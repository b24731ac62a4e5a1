"""Benchmark of the staff tables at programme scale (run by hand, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcity_bench_board \
        .venv/bin/python bench/board_bench.py [--applications 10000] [--reviewers 500]

Recreates the dedicated database named in DATABASE_URL (its name must start with kcity_bench),
migrates it and generates, with ``bench/aggregation_bench.generate``, one track of N
applications under review, R reviewers (all on the track's committee here) and 5 reviews per
application. A share of the reviews is then moved back to the open states (in progress,
accepted and overdue, invited) and one conflict is declared per 10 applications, so every filter
has rows. After the aggregation, each page is fetched through Django's test client as a
programme admin: one warm-up, then the median of three. Prints, per page: time, query count and
size of the HTML.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcity.settings.test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")


def open_some_reviews(track, reviewers) -> None:
    """Committee seats for every reviewer, and a mix of review states: of every 10 reviews, 2 in
    progress, 1 accepted and overdue, 1 invited (the rest stay submitted); one declared conflict
    per 10 applications. Plain SQL: a few statements whatever the size."""
    from django.db import connection

    from reviews.models import CommitteeMember

    CommitteeMember.objects.bulk_create(CommitteeMember(track=track, reviewer=r) for r in reviewers)
    with connection.cursor() as cur:
        base = """UPDATE reviews_assignment a SET {set}
                  FROM applications_application ap
                  WHERE ap.id = a.application_id AND ap.track_id = %s AND a.id %% 10 IN ({ids})"""
        cur.execute(
            base.format(
                set="status = 'in_progress', total = NULL, submitted_at = NULL", ids="1, 2"
            ),
            [track.pk],
        )
        cur.execute(
            base.format(
                set="status = 'accepted', total = NULL, submitted_at = NULL, "
                "due_at = now() - interval '2 days'",
                ids="3",
            ),
            [track.pk],
        )
        cur.execute(
            base.format(set="status = 'invited', total = NULL, submitted_at = NULL", ids="4"),
            [track.pk],
        )
        # A declared conflict by a committee member who has no assignment on the application.
        cur.execute(
            """INSERT INTO reviews_conflictdeclaration
                   (reviewer_id, application_id, has_conflict, kind, source, details, declared_at)
               SELECT cm.reviewer_id, ap.id, true, 'personal', 'declared', '', now()
               FROM applications_application ap
               JOIN reviews_committeemember cm ON cm.track_id = ap.track_id
               WHERE ap.track_id = %s AND ap.id %% 10 = 0
                 AND cm.reviewer_id = (SELECT min(reviewer_id) FROM reviews_committeemember
                                       WHERE track_id = ap.track_id)
                 AND NOT EXISTS (SELECT 1 FROM reviews_assignment a
                                 WHERE a.application_id = ap.id AND a.reviewer_id = cm.reviewer_id)
            """,
            [track.pk],
        )
        cur.execute("ANALYZE")


def measure(client, url: str) -> tuple[float, int, int]:
    """(median seconds of three after a warm-up, queries, bytes of HTML) of one GET."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    times = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
    return sorted(times)[1], len(ctx.captured_queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--reviewers", type=int, default=500)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a dedicated PostgreSQL database (kcity_bench_…).")
    from aggregation_bench import generate, recreate_database

    recreate_database(url)

    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from results.aggregation import aggregate_track

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    track, _small, admin, _scores = generate(args.applications, args.reviewers, 5, 8)
    reviewers = list(User.objects.filter(email__endswith="@bench.test").exclude(pk=admin.pk))
    open_some_reviews(track, reviewers)
    aggregate_track(track=track, actor=None)
    print(
        f"generated {args.applications} applications, {len(reviewers)} committee members "
        f"in {time.perf_counter() - started:.1f} s"
    )

    from accounts.privacy import accept_privacy_notice

    # The staff pages first ask a user who has not accepted the privacy notice to read it.
    accept_privacy_notice(user=admin)
    client = Client()
    client.force_login(admin)
    # A staff page: the session also needs the second factor (accounts.two_factor).
    session = client.session
    device = TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    one = reviewers[len(reviewers) // 2].pk
    board = reverse("staff_reviews:board", args=[track.pk])
    assignments = reverse("staff_reviews:assignments", args=[track.pk])
    listing = reverse("staff_applications:track_applications", args=[track.pk])
    ranking = reverse("staff_results:board", args=[track.pk])
    pages = [
        ("review board, first page", board),
        ("review board, overdue only", f"{board}?state=overdue"),
        ("review board, one reviewer, page 2", f"{board}?reviewer={one}&page=2"),
        ("review board, fewer reviewers than the minimum", f"{board}?missing=1"),
        ("review board, last page", f"{board}?page={max(1, args.applications // 50)}"),
        ("assignment page, first page", assignments),
        ("assignment page, one reviewer", f"{assignments}?reviewer={one}"),
        ("application list, first page (25)", listing),
        ("application list, 100 per page, by amount", f"{listing}?per_page=100&sort=-budget"),
        ("application list, overdue review flag", f"{listing}?flag=overdue_review"),
        ("application list, search", f"{listing}?q=Application%2099"),
        ("ranking board, first page", ranking),
        ("ranking board, every column", f"{ranking}?columns=all"),
    ]
    width = max(len(label) for label, _url in pages)
    for label, page_url in pages:
        seconds, queries, size = measure(client, page_url)
        print(
            f"{label:<{width}}  {seconds * 1000:7.0f} ms  {queries:3d} queries  "
            f"{size / 1024:7.1f} KiB"
        )


if __name__ == "__main__":
    main()
