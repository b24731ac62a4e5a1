"""Aggregates, flags and ranks against hand-computed values (see docs/scoring.md)."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from results.aggregation import (
    RESULT_FIELDS,
    REVIEWER_STAT_FIELDS,
    CriterionInfo,
    ReviewRow,
    TrackSettings,
    aggregate_track,
    compute_track,
    mean,
    median,
    population_std,
    q2,
    summarise,
    track_results_python,
    trimmed_mean,
)
from results.models import ApplicationResult, ReviewerTrackStat
from reviews.models import Assignment
from tests.factories import UserFactory
from tests.factories.results import (
    make_criteria,
    review_totals,
    reviewed_application,
    submit_review,
)

D = Decimal
T0 = datetime.datetime(2022, 4, 1, tzinfo=datetime.UTC)


def compute(reviews, *, criteria=(), criterion_means=None, submitted_at=None, **settings):
    apps = {r[0] for r in reviews}
    return compute_track(
        reviews=[ReviewRow(a, r, D(str(t))) for a, r, t in reviews],
        application_ids=apps,
        criterion_means=criterion_means or {},
        criteria=list(criteria),
        submitted_at=submitted_at or dict.fromkeys(apps, T0),
        settings=TrackSettings(**{"min_reviewers": 3, **settings}),
    )


def by_app(results):
    return {r.application_id: r for r in results}


def test_trimmed_mean_drops_one_highest_and_one_lowest():
    assert trimmed_mean([D(80), D(70), D(90), D(60), D(75)]) == D(75)
    # Duplicated extremes: only one of each is dropped.
    assert trimmed_mean([D(90), D(90), D(60), D(60)]) == D(75)


def test_trimmed_mean_needs_three_totals():
    assert trimmed_mean([D(80), D(70)]) is None


def test_median_of_even_count_is_mean_of_middle_pair():
    assert median([D(60), D(90), D(70), D(80)]) == D(75)


def test_population_std_divides_by_n():
    assert population_std([D(80), D(70), D(90), D(60), D(75)]) == D(10)


def test_summarise_single_total_has_no_spread_and_no_trimmed_mean():
    assert summarise([D("81.5")]) == (D("81.5"), None, D("81.5"), D(0))


@settings(max_examples=100, deadline=None)
@given(
    totals=st.lists(
        st.decimals(min_value=0, max_value=100, places=2, allow_nan=False), min_size=1, max_size=13
    ),
    seed=st.randoms(use_true_random=False),
)
def test_summarise_gives_the_same_digits_whatever_the_order_of_the_totals(totals, seed):
    # The database returns a reviewer's totals in no particular order; the figures (to the
    # last of Decimal's 28 digits, which feed the normalised score) must not depend on it.
    shuffled = list(totals)
    seed.shuffle(shuffled)
    assert repr(population_std(shuffled)) == repr(population_std(totals))
    assert repr(summarise(sorted(shuffled))) == repr(summarise(sorted(totals)))


def test_compute_five_reviewers_all_aggregates():
    results, _ = compute(
        [(1, r, t) for r, t in zip(range(1, 6), [80, 70, 90, 60, 75], strict=True)]
    )
    r = results[0]
    assert (r.mean, r.trimmed_mean, r.median, r.spread, r.std_dev) == (
        D("75.00"),
        D("75.00"),
        D("75.00"),
        D("30.00"),
        D("10.00"),
    )
    assert r.official_score == D("75.00")
    assert "spread" in r.flags  # 30 > 20


def test_compute_exactly_three_reviewers_rounds_half_up():
    results, _ = compute([(1, 1, 70), (1, 2, 80), (1, 3, 85)])
    r = results[0]
    assert r.mean == D("78.33")
    assert r.trimmed_mean == D("80.00")
    assert r.median == D("80.00")
    assert r.spread == D("15.00")
    assert r.std_dev == D("6.24")
    assert r.flags == []


def test_compute_identical_totals_zero_spread():
    results, _ = compute([(1, 1, 72), (1, 2, 72), (1, 3, 72)])
    r = results[0]
    assert (r.spread, r.std_dev, r.trimmed_mean) == (D("0.00"), D("0.00"), D("72.00"))
    assert "spread" not in r.flags


def test_compute_two_reviewers_flags_and_falls_back_to_mean():
    results, _ = compute([(1, 1, 80), (1, 2, 71)])
    r = results[0]
    assert r.trimmed_mean is None
    assert r.official_score == D("75.50")
    assert set(r.flags) == {"too_few_reviewers", "trimmed_needs_three", "official_fallback_to_mean"}


def test_compute_official_follows_track_setting():
    results, _ = compute([(1, 1, 60), (1, 2, 70), (1, 3, 95)], official_aggregate="median")
    assert results[0].official_score == D("70.00")


def test_compute_normalised_per_reviewer_z_and_single_review_is_fifty():
    # R1: 80, 60 (mean 70, std 10) → z +1, −1; R2: 90, 70 → +1, −1; R3 reviews only A → 50.
    results, stats = compute([(1, 1, 80), (2, 1, 60), (1, 2, 90), (2, 2, 70), (1, 3, 50)])
    got = by_app(results)
    assert got[1].normalised == D("56.67")  # (60 + 60 + 50) / 3
    assert got[2].normalised == D("40.00")
    offsets = {s.reviewer_id: (s.mean_offset, s.flagged) for s in stats}
    # Panel means: A 73.33…, B 65. R3: 50 − 73.33 = −23.33; R2: (16.67 + 5) / 2 = 10.83.
    assert offsets[3] == (D("-23.33"), True)
    assert offsets[2] == (D("10.83"), True)
    assert offsets[1] == (D("0.83"), False)
    assert "outlier_reviewer" in got[1].flags


def test_compute_reviewer_with_zero_std_gets_fifty():
    results, _ = compute([(1, 1, 80), (2, 1, 80)])
    assert {r.normalised for r in results} == {D("50.00")}


def test_compute_threshold_flags():
    crit = [CriterionInfo(10, "feasibility", D("12"), 1), CriterionInfo(11, "site", None, None)]
    results, _ = compute(
        [(1, 1, 60), (1, 2, 65), (1, 3, 70)],
        criteria=crit,
        criterion_means={1: {10: D("11.995"), 11: D("20")}},
    )
    r = results[0]
    assert r.criterion_means == {"feasibility": "12.00", "site": "20.00"}
    # 11.995 rounds half up to 12.00, which is not below 12.
    assert "below_criterion_threshold:feasibility" not in r.flags
    assert "below_overall_threshold" in r.flags  # 65 < 70

    results, _ = compute(
        [(1, 1, 80), (1, 2, 85), (1, 3, 90)],
        criteria=crit,
        criterion_means={1: {10: D("11.99")}},
    )
    assert results[0].flags == ["below_criterion_threshold:feasibility"]


def test_rank_ties_broken_by_criterion_priority_then_submission():
    crit = [
        CriterionInfo(10, "feasibility", None, 2),
        CriterionInfo(11, "site", None, 1),
    ]
    reviews = []
    for app in (1, 2, 3, 4):
        reviews += [(app, 1, 80), (app, 2, 80), (app, 3, 80)]
    reviews += [(5, 1, 90), (5, 2, 90), (5, 3, 90)]
    results, _ = compute(
        reviews,
        criteria=crit,
        criterion_means={
            1: {10: D(40), 11: D(40)},
            2: {10: D(45), 11: D(35)},
            3: {10: D(30), 11: D(40)},
            4: {10: D(30), 11: D(40)},
            5: {10: D(45), 11: D(45)},
        },
        submitted_at={1: T0, 2: T0, 3: T0 + datetime.timedelta(hours=1), 4: T0, 5: T0},
    )
    got = by_app(results)
    assert [got[a].rank for a in (5, 1, 4, 3, 2)] == [1, 2, 3, 4, 5]
    assert got[5].tiebreak == {}
    # 1 and 4 and 3 tie on site (priority 1); feasibility (priority 2) puts 1 above 4.
    assert got[1].tiebreak == {"tied_with": 4, "position": "above", "rule": "criterion:feasibility"}
    assert got[4].tiebreak == {"tied_with": 1, "position": "below", "rule": "criterion:feasibility"}
    # 4 and 3 are equal on every criterion: the earlier submission wins.
    assert got[3].tiebreak == {"tied_with": 4, "position": "below", "rule": "submitted_at"}
    # 2 is lowest on the first-priority criterion.
    assert got[2].tiebreak == {"tied_with": 3, "position": "below", "rule": "criterion:site"}


# --- the service against the database ----------------------------------------------------


@pytest.fixture
def scored_track(planning_track):
    planning_track.min_reviewers = 3
    planning_track.save()
    (total,) = make_criteria(planning_track, ("overall", 100, None, 1))
    reviewers = [UserFactory() for _ in range(5)]
    a = reviewed_application(planning_track)
    b = reviewed_application(planning_track)
    c = reviewed_application(planning_track)
    review_totals(a, total, [80, 70, 90, 60, 75], reviewers)
    review_totals(b, total, [70, 80, 85], reviewers[:3])
    review_totals(c, total, [72, 72, 72], reviewers[2:])
    return planning_track, (a, b, c)


def test_aggregate_track_writes_results_and_ranks(scored_track):
    track, (a, b, c) = scored_track
    summary = aggregate_track(track=track, actor=None)
    assert summary["applications"] == 3
    rows = {r.application_id: r for r in ApplicationResult.objects.filter(track=track)}
    assert rows[b.pk].official_score == D("80.00") and rows[b.pk].rank == 1
    assert rows[a.pk].official_score == D("75.00") and rows[a.pk].rank == 2
    assert rows[c.pk].official_score == D("72.00") and rows[c.pk].rank == 3
    assert rows[a.pk].criterion_means == {"overall": "75.00"}
    assert ReviewerTrackStat.objects.filter(track=track).count() == 5


def test_aggregate_track_rerun_gives_identical_rows(scored_track):
    track, _ = scored_track
    # Every field the aggregation writes but the time it wrote them.
    fields = [name for name in RESULT_FIELDS if name != "computed_at"]
    aggregate_track(track=track, actor=None)
    first = list(ApplicationResult.objects.order_by("application_id").values("id", *fields))
    stats = list(ReviewerTrackStat.objects.order_by("reviewer_id").values())
    aggregate_track(track=track, actor=None)
    assert list(ApplicationResult.objects.order_by("application_id").values("id", *fields)) == first
    assert list(ReviewerTrackStat.objects.order_by("reviewer_id").values()) == stats


def test_a_rerun_rewrites_the_statistics_of_the_reviewers_whose_reviews_changed(scored_track):
    # The second run updates the stored rows in place (PostgreSQL: the upsert from arrays;
    # elsewhere bulk_create) and removes the row of a reviewer left without a review.
    track, (a, _b, _c) = scored_track
    aggregate_track(track=track, actor=None)
    first = a.assignments.order_by("reviewer_id")[0]
    Assignment.objects.filter(pk=first.pk).update(total=D("10.00"))
    last = a.assignments.order_by("reviewer_id").last()
    gone = last.reviewer_id
    Assignment.objects.filter(reviewer_id=gone).delete()
    aggregate_track(track=track, actor=None)
    stored = list(
        ReviewerTrackStat.objects.filter(track=track)
        .order_by("reviewer_id")
        .values_list(*["reviewer_id", *REVIEWER_STAT_FIELDS])
    )
    reference = track_results_python(track=track).stats
    assert stored == [
        (s.reviewer_id, *(getattr(s, name) for name in REVIEWER_STAT_FIELDS)) for s in reference
    ]
    assert gone not in [row[0] for row in stored]
    assert stored[0][1:3] == (2, D("40.00"))  # (10 + 70) / 2: moved with the changed total


def test_aggregate_track_takes_over_a_row_left_under_another_track(
    scored_track, demonstration_track
):
    # An application moved between tracks keeps its old result row until the next run: the
    # run must update that row (the first-run fast path may not insert a duplicate).
    track, (a, b, c) = scored_track
    aggregate_track(track=track, actor=None)
    ApplicationResult.objects.filter(application=a).update(track=demonstration_track, rank=99)
    ApplicationResult.objects.filter(application__in=[b, c]).delete()
    aggregate_track(track=track, actor=None)
    rows = {r.application_id: r for r in ApplicationResult.objects.filter(track=track)}
    assert set(rows) == {a.pk, b.pk, c.pk}
    assert rows[a.pk].rank == 2 and rows[b.pk].rank == 1
    assert ApplicationResult.objects.filter(application=a).count() == 1


def test_aggregate_track_ignores_unsubmitted_and_other_tracks(scored_track, demonstration_track):
    track, (a, _, _) = scored_track
    (crit,) = make_criteria(demonstration_track, ("overall", 100, None, None))
    other = reviewed_application(demonstration_track)
    review_totals(other, crit, [10, 10, 10])
    assignment = submit_review(a, UserFactory(), {track.criteria.get(): 5})
    assignment.status = "in_progress"
    assignment.save()
    aggregate_track(track=track, actor=None)
    assert ApplicationResult.objects.get(application=a).reviewer_count == 5
    assert not ApplicationResult.objects.filter(application=other).exists()


# --- the job and the resubmission hook ---------------------------------------------------


def test_task_aggregate_scores_rerun_gives_identical_results(scored_track):
    from results.tasks import task_aggregate_scores
    from reviews.models import Job

    track, _ = scored_track
    first = task_aggregate_scores(track_id=track.pk)
    rows = list(
        ApplicationResult.objects.order_by("application_id").values_list(
            "application_id", "official_score", "normalised", "rank", "flags", "tiebreak"
        )
    )
    job = Job.objects.create(track=track, kind=Job.Kind.AGGREGATE)
    second = task_aggregate_scores(track_id=track.pk, job_id=job.pk)
    assert (
        first
        == second
        == {
            "applications": 3,
            "ranked": 3,
            "reviews": 11,
            "flagged_reviewers": second["flagged_reviewers"],
        }
    )
    assert rows == list(
        ApplicationResult.objects.order_by("application_id").values_list(
            "application_id", "official_score", "normalised", "rank", "flags", "tiebreak"
        )
    )
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("succeeded", 3, 3)
    # A finished job is not run again.
    finished_at = job.finished_at
    task_aggregate_scores(track_id=track.pk, job_id=job.pk)
    job.refresh_from_db()
    assert job.finished_at == finished_at


def test_resubmitted_review_reaggregates_track(scored_track, django_capture_on_commit_callbacks):
    from results.aggregation import on_review_submitted
    from reviews.models import Job
    from reviews.services import REVIEW_SUBMITTED_HOOKS

    assert on_review_submitted in REVIEW_SUBMITTED_HOOKS
    track, (a, b, c) = scored_track
    aggregate_track(track=track, actor=None)
    assert ApplicationResult.objects.get(application=c).official_score == D("72.00")
    # A reopened review of c comes back with 90 instead of 72.
    assignment = c.assignments.order_by("id").first()
    assignment.total = D(90)
    assignment.save()
    assignment.scores.update(points=D(90))
    with django_capture_on_commit_callbacks(execute=True):
        for hook in REVIEW_SUBMITTED_HOOKS:
            hook(assignment)
    assert Job.objects.get(track=track).status == "succeeded"
    assert ApplicationResult.objects.get(application=c).official_score == D("72.00")  # trimmed
    assert ApplicationResult.objects.get(application=c).mean == D("78.00")


def test_a_review_submitted_during_a_run_starts_the_next_one(
    scored_track, django_capture_on_commit_callbacks
):
    """The hook finds the running job and starts nothing (one run per track at a time); the
    run, once finished, sees a review submitted after it started and starts the next."""
    from django.utils import timezone

    from results.aggregation import run_aggregation_job, start_aggregation
    from reviews.models import Assignment, Job

    track, (_a, _b, c) = scored_track
    aggregate_track(track=track, actor=None)
    with django_capture_on_commit_callbacks(execute=False):
        job = start_aggregation(track=track, actor=None)  # queued, not run here
    late = c.assignments.order_by("id").first()
    Assignment.objects.filter(pk=late.pk).update(
        submitted_at=timezone.now() + timezone.timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run_aggregation_job(job=job)
    assert Job.objects.get(pk=job.pk).status == "succeeded"
    assert Job.objects.filter(track=track, status="pending").count() == 1
    assert len(queued) == 1  # the next run's task, published after commit


def test_a_refused_publish_after_a_review_leaves_the_job_for_the_sweep(
    scored_track, django_capture_on_commit_callbacks, monkeypatch
):
    """Nobody watches a run started by a review: with the broker down it stays waiting (the
    sweep of stuck jobs queues it again) instead of failing unseen."""
    from results import tasks
    from results.aggregation import on_review_submitted
    from reviews.models import Job

    track, (a, _, _) = scored_track
    aggregate_track(track=track, actor=None)

    def broker_down(**kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.task_aggregate_scores, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        on_review_submitted(a.assignments.first())
    assert Job.objects.get(track=track).status == "pending"


def test_review_submitted_in_unaggregated_track_starts_nothing(
    scored_track, django_capture_on_commit_callbacks
):
    from results.aggregation import on_review_submitted
    from reviews.models import Job

    track, (a, _, _) = scored_track
    with django_capture_on_commit_callbacks(execute=True):
        on_review_submitted(a.assignments.first())
    assert not Job.objects.exists()


# --- the aggregation agrees with the plain rules -------------------------------------------

points_st = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False)
reviews_st = st.lists(
    st.tuples(st.integers(1, 8), st.integers(1, 6), points_st),
    min_size=1,
    max_size=40,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=150, deadline=None)
@given(reviews=reviews_st)
def test_compute_aggregates_equal_the_helpers(reviews):
    results, stats = compute(reviews, spread_threshold=D(20))
    for result in results:
        totals = [t for a, _r, t in reviews if a == result.application_id]
        assert result.reviewer_count == len(totals)
        assert result.mean == q2(mean(totals))
        assert result.trimmed_mean == q2(trimmed_mean(totals))
        assert result.median == q2(median(totals))
        assert result.spread == q2(max(totals) - min(totals))
        assert result.std_dev == q2(population_std(totals))
    for stat in stats:
        totals = [t for _a, r, t in reviews if r == stat.reviewer_id]
        assert stat.review_count == len(totals)
        assert stat.mean_total == q2(mean(totals))
        assert stat.std_total == q2(population_std(totals))


@settings(max_examples=150, deadline=None)
@given(
    reviews=reviews_st,
    means=st.lists(st.decimals(min_value=0, max_value=20, places=4), min_size=16, max_size=16),
)
def test_compute_database_rounded_means_give_identical_results(reviews, means):
    # PostgreSQL sends criterion means already rounded as text; SQLite sends numbers that
    # compute_track rounds itself. Both must give the same results, flags and ranks.
    crit = [CriterionInfo(10, "site", D("10"), 1), CriterionInfo(11, "feasibility", D("9"), 2)]
    apps = sorted({a for a, _r, _t in reviews})
    as_numbers = {
        a: {10: means[2 * i % 16], 11: means[(2 * i + 1) % 16]} for i, a in enumerate(apps)
    }
    as_text = {
        a: {cid: str(q2(value)) for cid, value in by_crit.items()}
        for a, by_crit in as_numbers.items()
    }
    numbers = compute(reviews, criteria=crit, criterion_means=as_numbers, spread_threshold=D(20))
    text = compute(reviews, criteria=crit, criterion_means=lambda: as_text, spread_threshold=D(20))
    assert numbers == text


def test_aggregate_track_criterion_means_round_half_up_in_database(planning_track):
    planning_track.min_reviewers = 3
    planning_track.save()
    site, feasibility = make_criteria(
        planning_track, ("site", 50, D("7.2"), 1), ("feasibility", 50, None, None)
    )
    app = reviewed_application(planning_track)
    # site: 28.5 / 4 = 7.125 → 7.13 half up (7.12 half even), still below 7.2;
    # feasibility: 30.1 / 4 = 7.525 → 7.53.
    for s, f in (("7.1", "7.6"), ("7.1", "7.5"), ("7.1", "7.5"), ("7.2", "7.5")):
        submit_review(app, None, {site: D(s), feasibility: D(f)})
    aggregate_track(track=planning_track, actor=None)
    result = ApplicationResult.objects.get(application=app)
    assert result.criterion_means == {"site": "7.13", "feasibility": "7.53"}
    assert result.flags == [
        "below_overall_threshold",
        "below_criterion_threshold:site",
    ]


def test_a_reopened_review_leaves_the_aggregates(
    scored_track, kind_staff, django_capture_on_commit_callbacks
):
    """Reopening clears the review's total; the track is aggregated again without it, so a
    funding line proposed meanwhile does not count a total the reviewer is changing."""
    from reviews.services import reopen_review

    track, (_a, _b, c) = scored_track
    aggregate_track(track=track, actor=None)
    before = ApplicationResult.objects.get(application=c).reviewer_count
    assignment = c.assignments.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        reopen_review(assignment=assignment, reason="A score is missing.", actor=kind_staff)
    assert ApplicationResult.objects.get(application=c).reviewer_count == before - 1
