"""The aggregation computed by PostgreSQL equals the Python reference (docs/scoring.md, "Two
paths"): ``track_results_sql`` against ``track_results_python`` (``compute_track``) on random
tracks, on a benchmark-like track and on the edge cases of every rule, and ``aggregate_track``
(which takes the SQL path on PostgreSQL) writes what the reference computes."""

import datetime
import random
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application
from projects.models import Track
from results import aggregation
from results.aggregation import (
    RESULT_FIELDS,
    aggregate_track,
    track_results_python,
    track_results_sql,
)
from results.models import ApplicationResult, ReviewerTrackStat
from reviews.models import Assignment, Criterion, Score
from reviews.services import points_by_criterion
from tests.factories import UserFactory
from tests.factories.results import (
    make_criteria,
    review_totals,
    reviewed_application,
    submit_review,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The SQL path of the aggregation runs on PostgreSQL only; on SQLite the Python "
    "path (tests/results/test_aggregation.py) is the only one.",
)

D = Decimal
T0 = datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC)
POOL_APPLICATIONS = 8
POOL_REVIEWERS = 6


def assert_paths_equal(track):
    """Both paths on the same rows: every result (figures, flags, rank, tie-break) and every
    reviewer statistic, compared one by one so a failure names the row."""
    reference = track_results_python(track=track)
    in_sql = track_results_sql(track=track)
    assert [r.application_id for r in in_sql.results] == [
        r.application_id for r in reference.results
    ]
    for got, want in zip(in_sql.results, reference.results, strict=True):
        assert got == want
    assert in_sql.stats == reference.stats
    assert in_sql.reviews == reference.reviews
    return reference


# --- random tracks ---------------------------------------------------------------------------


@pytest.fixture
def pool(planning_track, demonstration_track):
    """Applications and reviewers each example draws from; an application of another track
    reviewed by the same reviewers must change nothing."""
    applications = [reviewed_application(planning_track) for _ in range(POOL_APPLICATIONS)]
    reviewers = [UserFactory() for _ in range(POOL_REVIEWERS)]
    other = reviewed_application(demonstration_track)
    for reviewer in reviewers:
        Assignment.objects.create(
            application=other,
            reviewer=reviewer,
            status=Assignment.Status.SUBMITTED,
            total=D(3),
            submitted_at=T0,
        )
    return planning_track, applications, reviewers


# Statuses an application of the pool takes: mostly under review; reviewed and decided ones
# rank too; a submitted one only when it has a submitted review; withdrawn, ineligible and
# draft ones never.
STATUSES = [
    Application.Status.UNDER_REVIEW,
    Application.Status.UNDER_REVIEW,
    Application.Status.UNDER_REVIEW,
    Application.Status.REVIEWED,
    Application.Status.SELECTED,
    Application.Status.SUBMITTED,
    Application.Status.WITHDRAWN,
    Application.Status.INELIGIBLE,
    Application.Status.DRAFT,
]


@st.composite
def random_tracks(draw):
    """A track's settings, criteria, application statuses and submission times, and for every
    (application, reviewer) pair no review, a draft or a submitted one with points per
    criterion (from a coarse grid, so totals and means tie) and a total that is their sum or,
    as a weighted track's, any total with two places; a submitted review carries the copy of
    its points the scoring service writes, or (rows written some other way) none."""
    n_criteria = draw(st.integers(0, 4))
    max_points = 100 // n_criteria if n_criteria else 0
    priorities = draw(st.permutations(range(1, n_criteria + 1)))
    criteria = [
        {
            "code": f"c{i}",
            "max_points": max_points,
            "threshold": draw(st.none() | st.integers(0, max_points * 10).map(lambda x: D(x) / 10)),
            "priority": priorities[i] if draw(st.booleans()) else None,
        }
        for i in range(n_criteria)
    ]
    track = {
        "official_aggregate": draw(st.sampled_from(Track.Aggregate.values)),
        "min_reviewers": draw(st.integers(1, 5)),
        "spread_threshold": draw(st.sampled_from([D(1), D(5), D("12.5"), D(20), D(40)])),
        "overall_threshold": draw(st.sampled_from([D(0), D(40), D(55), D(70)])),
    }
    n_apps = draw(st.integers(1, POOL_APPLICATIONS))
    n_reviewers = draw(st.integers(1, POOL_REVIEWERS))
    applications = [
        {
            "status": draw(st.sampled_from(STATUSES)),
            # Three possible times: equal submission times leave the application id to decide.
            "submitted_at": T0 + datetime.timedelta(hours=draw(st.integers(0, 2))),
        }
        for _ in range(n_apps)
    ]
    coarse = st.sampled_from([0, 2, 3, 4]).map(lambda q: D(max_points) * q / 4)
    fine = st.integers(0, max_points * 10).map(lambda x: D(x) / 10)
    reviews = {}
    for a in range(n_apps):
        for r in range(n_reviewers):
            state = draw(st.sampled_from(["none", "submitted", "submitted", "submitted", "draft"]))
            if state == "none":
                continue
            points = [draw(coarse | fine) for _ in range(n_criteria)]
            if n_criteria and draw(st.booleans()):
                total = sum(points, D(0))
            else:
                total = draw(
                    st.sampled_from([D(50), D(60), D("72.5"), D(80)])
                    | st.integers(0, 10000).map(lambda x: D(x) / 100)
                )
            copied = state == "submitted" and draw(st.booleans())
            reviews[a, r] = (state, points, total, copied)
    return criteria, track, applications, reviews


def build(track, applications, reviewers, spec):
    """Write one random track's rows (inside the example's savepoint)."""
    criteria_spec, track_spec, application_spec, reviews = spec
    Track.objects.filter(pk=track.pk).update(**track_spec)
    track.refresh_from_db()
    criteria = [
        Criterion.objects.create(
            track=track,
            code=c["code"],
            name=c["code"],
            max_points=c["max_points"],
            threshold=c["threshold"],
            tiebreak_priority=c["priority"],
            order=index,
        )
        for index, c in enumerate(criteria_spec)
    ]
    for application, a in zip(applications, application_spec, strict=False):
        Application.objects.filter(pk=application.pk).update(
            status=a["status"], submitted_at=a["submitted_at"]
        )
    for application in applications[len(application_spec) :]:
        Application.objects.filter(pk=application.pk).update(status=Application.Status.WITHDRAWN)
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                application=applications[a],
                reviewer=reviewers[r],
                status=(
                    Assignment.Status.SUBMITTED
                    if state == "submitted"
                    else Assignment.Status.IN_PROGRESS
                ),
                total=total if state == "submitted" else None,
                points_by_criterion=(
                    points_by_criterion(zip(points, criteria, strict=True)) if copied else None
                ),
                submitted_at=T0 if state == "submitted" else None,
            )
            for (a, r), (state, points, total, copied) in reviews.items()
        ]
    )
    Score.objects.bulk_create(
        [
            Score(
                assignment=assignment,
                criterion=criterion,
                # A draft may leave a criterion empty.
                points=None if state == "draft" and index == 0 else value,
                max_points=criterion.max_points,
            )
            for assignment, (state, points, _total, _copied) in zip(
                assignments, reviews.values(), strict=True
            )
            for index, (criterion, value) in enumerate(zip(criteria, points, strict=True))
        ]
    )
    return track


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=random_tracks())
def test_sql_path_equals_python_path_on_random_tracks(pool, spec):
    track, applications, reviewers = pool
    with transaction.atomic():
        build(track, applications, reviewers, spec)
        assert_paths_equal(track)
        transaction.set_rollback(True)


# --- the edge cases of every rule ------------------------------------------------------------


@pytest.fixture
def edge_track(planning_track):
    """One review (A), two reviews (B), three equal totals (C), five totals (D), an application
    under review without any review (E); reviewer 1 has a single review, reviewer 3 gives
    72 everywhere (standard deviation 0: z = 0), and the trimmed mean of D drops one of its two
    equal highest totals."""
    planning_track.min_reviewers = 3
    planning_track.save()
    (overall,) = make_criteria(planning_track, ("overall", 100, D(70), 1))
    r = [UserFactory() for _ in range(6)]
    a, b, c, d, e = (reviewed_application(planning_track) for _ in range(5))
    review_totals(a, overall, [D("81.5")], [r[0]])
    review_totals(b, overall, [80, 71], [r[1], r[2]])
    review_totals(c, overall, [72, 72, 72], [r[2], r[3], r[4]])
    review_totals(d, overall, [90, 90, 60, 72, D("61.25")], [r[1], r[5], r[4], r[3], r[2]])
    return planning_track, (a, b, c, d, e), r


def test_sql_path_edge_cases_match_the_rules(edge_track):
    track, (a, b, c, d, e), r = edge_track
    reference = assert_paths_equal(track)
    got = {x.application_id: x for x in reference.results}
    # One review: its total everywhere, no trimmed mean, the official score falls back.
    assert (got[a.pk].mean, got[a.pk].median, got[a.pk].spread, got[a.pk].std_dev) == (
        D("81.50"),
        D("81.50"),
        D("0.00"),
        D("0.00"),
    )
    assert got[a.pk].trimmed_mean is None and got[a.pk].official_score == D("81.50")
    # Reviewer 1 has one review: z = 0, a normalised score of 50.
    assert got[a.pk].normalised == D("50.00")
    assert got[a.pk].flags == [
        "too_few_reviewers",
        "trimmed_needs_three",
        "official_fallback_to_mean",
    ]
    # Two reviews: the median is the mean of the pair.
    assert (got[b.pk].median, got[b.pk].std_dev) == (D("75.50"), D("4.50"))
    # Equal totals: no spread; reviewer 3 (72 and 72) contributes 50 to C and D.
    assert (got[c.pk].spread, got[c.pk].std_dev, got[c.pk].trimmed_mean) == (
        D("0.00"),
        D("0.00"),
        D("72.00"),
    )
    # D: 60, 61.25, 72, 90, 90 → trimmed (61.25 + 72 + 90) / 3 = 74.416… → 74.42; mean
    # 74.65, population standard deviation √174.49 = 13.209… → 13.21.
    assert (got[d.pk].trimmed_mean, got[d.pk].median, got[d.pk].std_dev) == (
        D("74.42"),
        D("72.00"),
        D("13.21"),
    )
    assert "spread" in got[d.pk].flags
    # E: under review, no review: a row without figures, not ranked.
    assert got[e.pk].reviewer_count == 0 and got[e.pk].official_score is None
    assert got[e.pk].rank is None and got[e.pk].flags == ["too_few_reviewers"]
    stats = {s.reviewer_id: s for s in reference.stats}
    assert (stats[r[0].pk].review_count, stats[r[0].pk].std_total) == (1, D("0.00"))
    assert (stats[r[3].pk].mean_total, stats[r[3].pk].std_total) == (D("72.00"), D("0.00"))


def test_sql_path_breaks_ties_like_the_python_path(planning_track):
    planning_track.min_reviewers = 1
    planning_track.save()
    site, plan = make_criteria(planning_track, ("site", 50, None, 1), ("plan", 50, None, 2))
    reviewer = UserFactory()
    apps = [reviewed_application(planning_track) for _ in range(4)]
    # Equal totals (80) everywhere; site (priority 1) orders 0, 1, then 2 and 3, which are
    # equal on plan too and were submitted at the same time: the lower id decides.
    for application, (s, p) in zip(apps, [(45, 35), (40, 40), (35, 45), (35, 45)], strict=True):
        submit_review(application, reviewer, {site: D(s), plan: D(p)})
    Application.objects.filter(pk__in=[a.pk for a in apps]).update(submitted_at=T0)
    reference = assert_paths_equal(planning_track)
    ranked = sorted(reference.results, key=lambda x: x.rank)
    assert [x.application_id for x in ranked] == [a.pk for a in apps]
    assert [x.tiebreak["rule"] for x in ranked] == [
        "criterion:site",
        "criterion:site",
        "criterion:site",
        "application_id",
    ]


# --- a benchmark-like track ------------------------------------------------------------------


def test_sql_path_equals_python_path_on_a_benchmark_like_track(planning_track):
    """bench/aggregation_bench.py's distribution at a twentieth of its size: 500 applications,
    5 reviews each from 50 reviewers with a leniency bias, 8 criteria of 12.5 points scored to
    one decimal (20,000 scores). The benchmark itself checks the full 10,000 applications."""
    rng = random.Random(2022)
    planning_track.min_reviewers = 5
    planning_track.save()
    criteria = make_criteria(
        planning_track,
        *[
            (f"c{i + 1}", D("12.5"), D("5") if i == 7 else None, i + 1 if i < 2 else None)
            for i in range(8)
        ],
    )
    first = reviewed_application(planning_track)
    fields = {
        f.attname: getattr(first, f.attname)
        for f in Application._meta.concrete_fields
        if f.attname not in ("id", "public_id", "reference")
    }
    # No city: one proposal per organisation and city is a database constraint.
    fields["city_id"] = None
    applications = [first] + Application.objects.bulk_create(
        [
            Application(
                **{**fields, "submitted_at": T0 - datetime.timedelta(seconds=i // 3)},
                public_id=uuid.uuid4(),
                reference=f"2026-PL-B{i:05d}",
            )
            for i in range(499)
        ]
    )
    reviewers = UserFactory.create_batch(50)
    bias = [rng.gauss(0, 4) for _ in reviewers]
    assignments, points = [], []
    for index, application in enumerate(applications):
        quality = (index * 7919) % 100 / 100
        for k in range(5):
            r = (index * 5 + k) % len(reviewers)
            values = [
                min(
                    D("12.5"),
                    D(
                        12.5
                        * min(
                            1.0,
                            max(0.0, 0.55 + 0.35 * quality + bias[r] / 100 + rng.gauss(0, 0.08)),
                        )
                    ).quantize(D("0.1")),
                )
                for _ in criteria
            ]
            assignments.append(
                Assignment(
                    application=application,
                    reviewer=reviewers[r],
                    status=Assignment.Status.SUBMITTED,
                    total=sum(values, D(0)),
                    points_by_criterion=points_by_criterion(zip(values, criteria, strict=True)),
                    submitted_at=T0,
                )
            )
            points.append(values)
    Assignment.objects.bulk_create(assignments)
    Score.objects.bulk_create(
        Score(assignment=assignment, criterion=criterion, points=value, max_points=D("12.5"))
        for assignment, values in zip(assignments, points, strict=True)
        for criterion, value in zip(criteria, values, strict=True)
    )
    reference = assert_paths_equal(planning_track)
    assert len(reference.results) == 500 and reference.reviews == 2500
    assert sum(1 for x in reference.results if x.tiebreak) > 10  # ties do occur


# --- the service on PostgreSQL ---------------------------------------------------------------


def test_aggregate_track_writes_what_the_reference_computes(edge_track):
    track, _apps, _r = edge_track
    reference = track_results_python(track=track)
    summary = aggregate_track(track=track, actor=None)
    assert summary["reviews"] == reference.reviews == 11
    fields = [name for name in RESULT_FIELDS if name not in ("application", "track", "computed_at")]
    stored = {
        row["application_id"]: row
        for row in ApplicationResult.objects.filter(track=track).values("application_id", *fields)
    }
    assert set(stored) == {x.application_id for x in reference.results}
    for want in reference.results:
        assert stored[want.application_id] == {
            "application_id": want.application_id,
            **{name: getattr(want, name) for name in fields},
        }
    assert list(
        ReviewerTrackStat.objects.filter(track=track)
        .order_by("reviewer_id")
        .values_list(
            "reviewer_id", "review_count", "mean_total", "std_total", "mean_offset", "flagged"
        )
    ) == [tuple(vars(s).values()) for s in reference.stats]


# --- the write: only what changed ------------------------------------------------------------


def test_stored_rows_read_back_as_the_text_the_aggregation_writes(planning_track):
    # The re-run compares each computed row with the stored one as text: the JSON must come
    # back in jsonb's own form, or every row would be rewritten. Codes are slugs; these ones
    # (which the database accepts) need every kind of escaping and key ordering there is.
    planning_track.min_reviewers = 2
    planning_track.save()
    odd = make_criteria(
        planning_track,
        ('quote"d', 40, D("35"), 1),
        ("back\\slash", 30, None, 2),
        ("입지%s", 30, None, None),
    )
    apps = [reviewed_application(planning_track) for _ in range(3)]
    for application in apps:
        for points in ((30, 20, 25), (30, 20, 25)):
            submit_review(application, None, dict(zip(odd, map(D, points), strict=True)))
    aggregate_track(track=planning_track, actor=None)
    computed = track_results_sql(track=planning_track)
    assert any(r.tiebreak for r in computed.results)
    assert any(
        f.startswith("below_criterion_threshold:") for r in computed.results for f in r.flags
    )
    stored = aggregation._stored_result_lines(planning_track)
    encoder = aggregation._JsonEncoder()
    assert {r.application_id: encoder.row(planning_track.pk, r) for r in computed.results} == {
        a: line for a, (_track, line) in stored.items()
    }


def test_rerun_sends_only_the_rows_that_changed(edge_track, monkeypatch):
    track, (a, b, c, d, e), r = edge_track
    aggregate_track(track=track, actor=None)
    before = dict(ApplicationResult.objects.values_list("application_id", "computed_at"))
    sent = []
    real = aggregation._upsert_results_copy

    def record(track_, batch, *args, **kwargs):
        sent.append(sorted(x.application_id for x in batch))
        return real(track_, batch, *args, **kwargs)

    monkeypatch.setattr(aggregation, "_upsert_results_copy", record)
    aggregate_track(track=track, actor=None)
    assert sent == []
    assert dict(ApplicationResult.objects.values_list("application_id", "computed_at")) == before
    # B's second reviewer raises their total: B's figures change (and its rank), the others'
    # figures do not, but every row whose rank or tie-break moved is sent too.
    Assignment.objects.filter(application=b, reviewer=r[2]).update(total=D("99"))
    aggregate_track(track=track, actor=None)
    reference = track_results_python(track=track)
    stored = {
        x.application_id: x.official_score for x in ApplicationResult.objects.filter(track=track)
    }
    assert stored == {x.application_id: x.official_score for x in reference.results}
    assert b.pk in sent[0] and e.pk not in sent[0]
    after = dict(ApplicationResult.objects.values_list("application_id", "computed_at"))
    assert after[e.pk] == before[e.pk] and after[b.pk] != before[b.pk]
