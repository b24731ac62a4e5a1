"""Score aggregation for one track: pure computation, then one service that writes the rows.

The computation (``compute_track``) takes plain rows — reviewers' totals per application and
criterion means computed by the database — and returns plain results, so it can be tested
against hand-computed values without a database. ``aggregate_track`` fetches those rows with
a few streaming queries (no query per application), computes, and upserts ``ApplicationResult``
and ``ReviewerTrackStat`` rows in batches, all in one transaction. See ``docs/scoring.md`` for every rule.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Avg, TextField
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_audit_event
from applications.models import Application
from projects.models import Track
from results.models import ApplicationResult, ReviewerTrackStat
from reviews.models import Assignment, Criterion, Job, Score
from reviews.services.jobs import JobProgress, begin_job, finish_job, start_job

logger = logging.getLogger(__name__)

TWO_PLACES = Decimal("0.01")
BATCH_SIZE = 5000

# Flag codes stored in ApplicationResult.flags (criterion flags carry the criterion code).
FLAG_SPREAD = "spread"
FLAG_TOO_FEW_REVIEWERS = "too_few_reviewers"
FLAG_TRIMMED_NEEDS_THREE = "trimmed_needs_three"
FLAG_OFFICIAL_FALLBACK = "official_fallback_to_mean"
FLAG_BELOW_OVERALL = "below_overall_threshold"
FLAG_BELOW_CRITERION = "below_criterion_threshold"  # stored as "below_criterion_threshold:<code>"
FLAG_OUTLIER_REVIEWER = "outlier_reviewer"

# Applications in these statuses take part in the ranking even before any review is in.
REVIEW_STATUSES = (
    Application.Status.UNDER_REVIEW,
    Application.Status.REVIEWED,
    *Application.DECIDED_STATUSES,
)
EXCLUDED_STATUSES = (
    Application.Status.DRAFT,
    Application.Status.WITHDRAWN,
    Application.Status.INELIGIBLE,
)


def q2(value: Decimal | None) -> Decimal | None:
    """Quantise to two places, half up (the rounding the committee's sheets use)."""
    if value is None:
        return None
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def mean(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


class Summary(NamedTuple):
    """The statistics of a list of totals, unrounded."""

    mean: Decimal
    trimmed_mean: Decimal | None
    median: Decimal
    std: Decimal


def summarise(ordered: list[Decimal]) -> Summary:
    """Mean, trimmed mean, median and population standard deviation of totals sorted in
    ascending order (at least one). The one implementation of these rules: the aggregation
    calls it once per application and per reviewer, the helpers below for a single figure.

    The trimmed mean drops the single highest and the single lowest total and averages the
    rest (``None`` under three totals); the median of an even count is the mean of the middle
    pair; the standard deviation divides by n (the panel is the whole population). Every
    figure in ``Decimal``, summed in ascending order so that the same totals always give the
    same digits, whatever order the database returned them in.
    """
    n = len(ordered)
    total = sum(ordered, Decimal(0))
    average = total / n
    middle = n // 2
    squares = Decimal(0)
    for value in ordered:
        deviation = value - average
        squares += deviation * deviation
    return Summary(
        average,
        (total - ordered[0] - ordered[-1]) / (n - 2) if n >= 3 else None,
        ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2,
        (squares / n).sqrt(),
    )


def trimmed_mean(values: list[Decimal]) -> Decimal | None:
    """Drop the single highest and the single lowest total and average the rest (n ≥ 3)."""
    return summarise(sorted(values)).trimmed_mean if values else None


def median(values: list[Decimal]) -> Decimal | None:
    return summarise(sorted(values)).median if values else None


def population_std(values: list[Decimal]) -> Decimal | None:
    """Population standard deviation (divide by n): the panel is the whole population."""
    return summarise(sorted(values)).std if values else None


class ReviewRow(NamedTuple):
    application_id: int
    reviewer_id: int
    total: Decimal


@dataclass
class CriterionInfo:
    id: int
    code: str
    threshold: Decimal | None
    tiebreak_priority: int | None


@dataclass
class TrackSettings:
    official_aggregate: str = Track.Aggregate.TRIMMED_MEAN
    min_reviewers: int = 5
    spread_threshold: Decimal = Decimal(20)
    overall_threshold: Decimal = Decimal(70)
    # A reviewer whose mean offset from the panel exceeds this (absolute) is flagged.
    reviewer_offset_threshold: Decimal = Decimal(10)


@dataclass
class ResultRow:
    application_id: int
    reviewer_count: int = 0
    mean: Decimal | None = None
    trimmed_mean: Decimal | None = None
    median: Decimal | None = None
    normalised: Decimal | None = None
    spread: Decimal | None = None
    std_dev: Decimal | None = None
    criterion_means: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    official_score: Decimal | None = None
    rank: int | None = None
    tiebreak: dict = field(default_factory=dict)


@dataclass
class ReviewerStatRow:
    reviewer_id: int
    review_count: int
    mean_total: Decimal | None
    std_total: Decimal | None
    mean_offset: Decimal | None
    flagged: bool


def reviewer_offset_threshold(spread_threshold: Decimal) -> Decimal:
    """Half the track's spread threshold: 10 points on 100 with the default of 20."""
    return Decimal(spread_threshold) / 2


def compute_track(
    *,
    reviews: Iterable[ReviewRow | tuple],
    application_ids: Iterable[int],
    criterion_means: dict[int, dict[int, Decimal]] | Callable[[], dict[int, dict[int, Decimal]]],
    criteria: list[CriterionInfo],
    submitted_at: dict[int, datetime.datetime | None],
    settings: TrackSettings,
) -> tuple[list[ResultRow], list[ReviewerStatRow]]:
    """Every aggregate, flag and rank of one track, from plain rows. Pure: no database.

    ``reviews`` are (application id, reviewer id, total) rows; ``criterion_means`` maps
    application id → criterion id → mean points (computed by the database): a ``Decimal``
    (rounded here), or a ``str`` the database already rounded to two places, half up. Ranks
    follow the
    official score, ties broken by the criteria in ``tiebreak_priority`` order, then earlier
    submission, then the lower application id. Written for speed on 50,000 reviews: one pass
    to group, one per reviewer, one per application.
    """
    zero = Decimal(0)
    quantize = Decimal.quantize
    by_application: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    by_reviewer: dict[int, list[Decimal]] = defaultdict(list)
    for application_id, reviewer_id, total in reviews:
        if total.__class__ is not Decimal:
            total = Decimal(str(total))
        by_application[application_id].append((reviewer_id, total))
        by_reviewer[reviewer_id].append(total)

    # Each reviewer's own mean and (population) standard deviation, for 50 + 10·z.
    reviewer_summary = {r: summarise(sorted(totals)) for r, totals in by_reviewer.items()}
    # (mean, std) per reviewer with a spread; the others (one review, or identical totals:
    # no spread to normalise by) contribute z = 0, a score of 50.
    z_params = {r: (s.mean, s.std) for r, s in reviewer_summary.items() if s.std}

    codes = {c.id: c.code for c in criteria}
    thresholds = [(c.id, c.code, c.threshold) for c in criteria if c.threshold is not None]
    official_key = settings.official_aggregate
    spread_threshold = settings.spread_threshold
    overall_threshold = settings.overall_threshold
    min_reviewers = settings.min_reviewers
    ids = sorted(set(application_ids) | set(by_application))
    results: dict[int, ResultRow] = {}
    offsets: dict[int, list[Decimal]] = defaultdict(list)
    no_rows = ()
    for application_id in ids:
        rows = by_application.get(application_id, no_rows)
        n = len(rows)
        result = ResultRow(application_id=application_id, reviewer_count=n)
        flags = []
        if n:
            totals = sorted([t for _r, t in rows])
            raw_mean, raw_trimmed, raw_median, raw_std = summarise(totals)
            result.mean = quantize(raw_mean, TWO_PLACES, ROUND_HALF_UP)
            if raw_trimmed is not None:
                result.trimmed_mean = quantize(raw_trimmed, TWO_PLACES, ROUND_HALF_UP)
            result.median = quantize(raw_median, TWO_PLACES, ROUND_HALF_UP)
            z_sum = zero
            for reviewer_id, total in rows:
                params = z_params.get(reviewer_id)
                if params is not None:
                    z_sum += (total - params[0]) / params[1]
                offsets[reviewer_id].append(total - raw_mean)
            result.normalised = quantize(50 + 10 * z_sum / n, TWO_PLACES, ROUND_HALF_UP)
            result.spread = quantize(totals[-1] - totals[0], TWO_PLACES, ROUND_HALF_UP)
            result.std_dev = quantize(raw_std, TWO_PLACES, ROUND_HALF_UP)
        if official_key == Track.Aggregate.TRIMMED_MEAN:
            official = result.trimmed_mean
        elif official_key == Track.Aggregate.MEAN:
            official = result.mean
        elif official_key == Track.Aggregate.MEDIAN:
            official = result.median
        else:
            official = result.normalised
        if n < min_reviewers:
            flags.append(FLAG_TOO_FEW_REVIEWERS)
        if n and n < 3:
            flags.append(FLAG_TRIMMED_NEEDS_THREE)
        if official is None and official_key == Track.Aggregate.TRIMMED_MEAN and n:
            # Fewer than three totals: the drop-highest-and-lowest rule cannot apply.
            official = result.mean
            flags.append(FLAG_OFFICIAL_FALLBACK)
        result.official_score = official
        if result.spread is not None and result.spread > spread_threshold:
            flags.append(FLAG_SPREAD)
        if official is not None and official < overall_threshold:
            flags.append(FLAG_BELOW_OVERALL)
        result.flags = flags
        results[application_id] = result

    # Lenient or strict reviewers: mean of (own total − panel mean) over their applications.
    stats = []
    flagged_reviewers = set()
    for reviewer_id, totals in sorted(by_reviewer.items()):
        offset = q2(mean(offsets[reviewer_id]))
        flagged = offset is not None and abs(offset) > settings.reviewer_offset_threshold
        if flagged:
            flagged_reviewers.add(reviewer_id)
        summary = reviewer_summary[reviewer_id]
        stats.append(
            ReviewerStatRow(
                reviewer_id=reviewer_id,
                review_count=len(totals),
                mean_total=q2(summary.mean),
                std_total=q2(summary.std),
                mean_offset=offset,
                flagged=flagged,
            )
        )
    outlier_applications = [
        application_id
        for application_id, rows in by_application.items()
        if flagged_reviewers and any(r in flagged_reviewers for r, _t in rows)
    ]

    # Criterion means last: on PostgreSQL the database may still be computing them while the
    # loops above run (``criterion_means`` is then a callable that waits for them).
    if callable(criterion_means):
        criterion_means = criterion_means()
    for application_id, result in results.items():
        means = criterion_means.get(application_id)
        if not means:
            continue
        # A str is a mean the database already rounded to two places, half up (PostgreSQL's
        # ROUND(numeric, 2) rounds half away from zero, as ROUND_HALF_UP does): the same text.
        result.criterion_means = {
            codes[cid]: value
            if value.__class__ is str
            else str(quantize(value, TWO_PLACES, ROUND_HALF_UP))
            for cid, value in sorted(means.items())
            if cid in codes
        }
        for criterion_id, code, threshold in thresholds:
            value = means.get(criterion_id)
            if value is not None and q2(value) < threshold:
                result.flags.append(f"{FLAG_BELOW_CRITERION}:{code}")

    # After the criterion flags, as the flag order on the board has always been.
    for application_id in outlier_applications:
        results[application_id].flags.append(FLAG_OUTLIER_REVIEWER)

    rank_results(list(results.values()), criteria=criteria, submitted_at=submitted_at)
    return [results[i] for i in ids], stats


def rank_results(
    results: list[ResultRow],
    *,
    criteria: list[CriterionInfo],
    submitted_at: dict[int, datetime.datetime | None],
) -> None:
    """Set ``rank`` and ``tiebreak`` on every result with an official score (in place).

    Order: official score (high first); on a tie, the criterion means in tie-break priority
    order (high first), then earlier submission, then the lower application id (a last,
    arbitrary but stable resort). ``tiebreak`` records the step that placed an application
    relative to the one it is tied with.
    """
    chain = sorted(
        (c for c in criteria if c.tiebreak_priority is not None),
        key=lambda c: c.tiebreak_priority,
    )
    far_future = datetime.datetime.max.replace(tzinfo=datetime.UTC)

    def key(result: ResultRow) -> tuple:
        crit = tuple(-Decimal(result.criterion_means.get(c.code, "-1")) for c in chain)
        return (
            -result.official_score,
            *crit,
            submitted_at.get(result.application_id) or far_future,
            result.application_id,
        )

    # Sort on the official score alone (fast), then order each run of equal scores by the
    # full tie-break key: only tied applications pay for the chain.
    by_score = sorted(
        (r for r in results if r.official_score is not None),
        key=lambda r: r.official_score,
        reverse=True,
    )
    ranked, keys = [], []
    start = 0
    while start < len(by_score):
        end = start + 1
        score = by_score[start].official_score
        while end < len(by_score) and by_score[end].official_score == score:
            end += 1
        group = by_score[start:end]
        if len(group) > 1:
            keyed = sorted((key(r), r) for r in group)
            ranked.extend(r for _k, r in keyed)
            keys.extend(k for k, _r in keyed)
        else:
            ranked.append(group[0])
            keys.append(None)
        start = end
    for r in results:
        if r.official_score is None:
            r.rank, r.tiebreak = None, {}
    steps = [f"criterion:{c.code}" for c in chain] + ["submitted_at", "application_id"]

    def deciding_step(a: tuple, b: tuple) -> str:
        for index, step in enumerate(steps, start=1):
            if a[index] != b[index]:
                return step
        return steps[-1]

    for position, result in enumerate(ranked):
        result.rank = position + 1
        result.tiebreak = {}
        if keys[position] is None:
            continue
        tied_above = (
            position > 0
            and keys[position - 1] is not None
            and keys[position - 1][0] == keys[position][0]
        )
        tied_below = (
            position + 1 < len(ranked)
            and keys[position + 1] is not None
            and keys[position + 1][0] == keys[position][0]
        )
        if tied_above:
            result.tiebreak = {
                "tied_with": ranked[position - 1].application_id,
                "position": "below",
                "rule": deciding_step(keys[position - 1], keys[position]),
            }
        elif tied_below:
            result.tiebreak = {
                "tied_with": ranked[position + 1].application_id,
                "position": "above",
                "rule": deciding_step(keys[position], keys[position + 1]),
            }


# --- The service -----------------------------------------------------------------------------


def _track_settings(track: Track) -> TrackSettings:
    return TrackSettings(
        official_aggregate=track.official_aggregate,
        min_reviewers=track.min_reviewers,
        spread_threshold=Decimal(track.spread_threshold),
        overall_threshold=Decimal(track.overall_threshold),
        reviewer_offset_threshold=reviewer_offset_threshold(track.spread_threshold),
    )


def _fetch(queryset) -> list[tuple]:
    """Run a values_list() query on a plain cursor: its SQL is Django's, but rows skip the
    per-value converters, which cost more than the query itself at 80,000 rows."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# What a ``ResultRow`` carries into ``ApplicationResult``: the same names on both.
COMPUTED_FIELDS = (
    "reviewer_count",
    "mean",
    "trimmed_mean",
    "median",
    "normalised",
    "spread",
    "std_dev",
    "criterion_means",
    "flags",
    "official_score",
    "rank",
    "tiebreak",
)
# Every field the aggregation writes, in the order of the columns of the COPY lines below.
RESULT_FIELDS = ("application", "track", *COMPUTED_FIELDS, "computed_at")
RESULT_COLUMNS = tuple(ApplicationResult._meta.get_field(name).column for name in RESULT_FIELDS)


def _n(value) -> str:
    """A number (or NULL) in COPY text format."""
    return "\\N" if value is None else str(value)


def _json(value) -> str:
    """JSON in COPY text format: json.dumps escapes control characters, so only backslashes
    need doubling."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("\\", "\\\\") if "\\" in text else text


class _JsonEncoder:
    """COPY-ready JSON for the three JSON columns, faster than one ``json.dumps`` per value.

    Flag lists repeat (a handful of distinct lists over 10,000 rows) and are cached; criterion
    means are {code: "12.34"} with the few distinct codes encoded once and the values plain
    digit strings; tie-breaks are {"tied_with": id, "position": …, "rule": …}. The text differs
    from ``json.dumps`` only in spacing and key order, which ``jsonb`` does not keep.
    """

    def __init__(self):
        self.lists: dict[tuple, str] = {}
        self.keys: dict[str, str] = {}
        # '"<code>":"' per criterion code, COPY-escaped.
        self.prefixes: dict[str, str] = {}

    def key(self, text: str) -> str:
        encoded = self.keys.get(text)
        if encoded is None:
            encoded = self.keys[text] = _json([text])[1:-1]
        return encoded

    def flags(self, flags: list[str]) -> str:
        key = tuple(flags)
        encoded = self.lists.get(key)
        if encoded is None:
            encoded = self.lists[key] = _json(flags)
        return encoded

    def means(self, means: dict[str, str]) -> str:
        if not means:
            return "{}"
        prefixes = self.prefixes
        # Values are two-place decimals (digits, a point, perhaps a minus): nothing to escape.
        try:
            pairs = [prefixes[code] + value for code, value in means.items()]
        except KeyError:
            for code in means:
                prefixes.setdefault(code, f'{self.key(code)}:"')
            return self.means(means)
        return "{" + '",'.join(pairs) + '"}'

    def tiebreak(self, tiebreak: dict) -> str:
        if not tiebreak:
            return "{}"
        if tiebreak.keys() != {"tied_with", "position", "rule"}:
            return _json(tiebreak)
        return (
            f'{{"tied_with":{int(tiebreak["tied_with"])},'
            f'"position":{self.key(tiebreak["position"])},"rule":{self.key(tiebreak["rule"])}}}'
        )


@transaction.atomic
def _upsert_results_copy(
    track: Track,
    batch: list[ResultRow],
    now,
    encoder: _JsonEncoder | None = None,
    *,
    fresh: bool = False,
) -> None:
    """PostgreSQL: COPY the batch into a temporary table, then one INSERT … ON CONFLICT.

    ``fresh``: none of the batch's applications has a result row yet (the first run of a
    track), so the rows are copied straight into the table with no upsert step.
    """
    buffer = io.StringIO()
    stamp = now.isoformat()
    write = buffer.write
    encoder = encoder or _JsonEncoder()
    means, flags, tiebreak = encoder.means, encoder.flags, encoder.tiebreak
    for r in batch:
        write(
            f"{r.application_id}\t{track.pk}\t{r.reviewer_count}\t{_n(r.mean)}\t"
            f"{_n(r.trimmed_mean)}\t{_n(r.median)}\t{_n(r.normalised)}\t{_n(r.spread)}\t"
            f"{_n(r.std_dev)}\t{means(r.criterion_means)}\t{flags(r.flags)}\t"
            f"{_n(r.official_score)}\t{_n(r.rank)}\t{tiebreak(r.tiebreak)}\t{stamp}\n"
        )
    buffer.seek(0)
    table = ApplicationResult._meta.db_table
    columns = ", ".join(RESULT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in RESULT_COLUMNS[1:])
    # A re-run that changes nothing writes nothing (no new row versions, no index churn);
    # ``computed_at`` then keeps the time the figures were last computed differently.
    compared = [c for c in RESULT_COLUMNS[1:] if c != "computed_at"]
    changed = (
        f"({', '.join(f'{table}.{c}' for c in compared)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{c}' for c in compared)})"
    )
    with connection.cursor() as cursor:
        if fresh:
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
            return
        # Inside an outer transaction (tests, a caller's atomic block) ON COMMIT has not fired.
        cursor.execute("DROP TABLE IF EXISTS kcity_results_batch")
        cursor.execute(
            "CREATE TEMP TABLE kcity_results_batch ("
            "application_id bigint, track_id bigint, reviewer_count integer, mean numeric, "
            "trimmed_mean numeric, median numeric, normalised numeric, spread numeric, "
            "std_dev numeric, criterion_means jsonb, flags jsonb, official_score numeric, "
            "rank integer, tiebreak jsonb, computed_at timestamptz) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert(f"COPY kcity_results_batch ({columns}) FROM STDIN", buffer)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM kcity_results_batch "
            f"ON CONFLICT (application_id) DO UPDATE SET {updates} WHERE {changed}"
        )


def _upsert_results_orm(track: Track, batch: list[ResultRow], now) -> None:
    """Other databases: one ``bulk_create`` that updates the rows already there."""
    ApplicationResult.objects.bulk_create(
        [
            ApplicationResult(
                application_id=r.application_id,
                track=track,
                computed_at=now,
                **{name: getattr(r, name) for name in COMPUTED_FIELDS},
            )
            for r in batch
        ],
        update_conflicts=True,
        unique_fields=["application"],
        update_fields=RESULT_FIELDS[1:],
    )


def _means_from_rows(rows) -> dict[int, dict[int, Decimal | str]]:
    """application → criterion → mean. PostgreSQL sends the mean already rounded, as text
    (kept as ``str``); any other number becomes a ``Decimal`` through its repr."""
    means: dict[int, dict[int, Decimal | str]] = defaultdict(dict)
    for application_id, criterion_id, avg in rows:
        if avg.__class__ is not str and avg.__class__ is not Decimal:
            avg = Decimal(str(avg))
        means[application_id][criterion_id] = avg
    return means


def _exact_means(scores) -> dict[int, dict[int, Decimal]]:
    """application → criterion → mean points, in ``Decimal`` (databases other than PostgreSQL).

    SQLite's AVG works in binary floating point: 7.1, 7.1, 7.1 and 7.2 average to
    7.12499… there, which rounds to 7.12, where PostgreSQL's exact numeric gives 7.125 → 7.13.
    Summing the stored points as ``Decimal`` gives PostgreSQL's figure on every database.
    """
    sums: dict[tuple[int, int], list] = {}
    for application_id, criterion_id, points in scores.filter(points__isnull=False).values_list(
        "assignment__application_id", "criterion_id", "points"
    ):
        entry = sums.get((application_id, criterion_id))
        if entry is None:
            sums[application_id, criterion_id] = [points, 1]
        else:
            entry[0] += points
            entry[1] += 1
    means: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (application_id, criterion_id), (total, count) in sums.items():
        means[application_id][criterion_id] = total / count
    return means


def _criterion_means_source(queryset):
    """The per-criterion means (one GROUP BY in the database), as a callable.

    On PostgreSQL outside a transaction (the Celery job) the query runs at once on a second
    connection in a worker thread, so the database groups 400,000 scores while Python works
    through the reviewers' totals; inside a transaction (a caller's atomic block, tests) the
    second connection could not see uncommitted rows, so it runs in line when called.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return lambda: _means_from_rows(_fetch(queryset))

    def run():
        try:
            return _means_from_rows(_fetch(queryset))
        finally:
            connection.close()  # the worker thread's own connection

    executor = ThreadPoolExecutor(max_workers=1)
    future = executor.submit(run)
    executor.shutdown(wait=False)
    return future.result


def aggregate_track(
    *, track: Track, actor=None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Compute and store every application's aggregates and rank, and every reviewer's
    statistics, for one track. Idempotent: running it again on the same reviews writes the
    same values (rows are upserted, stale rows removed).

    Reads only submitted assignments. Writes ``ApplicationResult`` and ``ReviewerTrackStat``
    rows and one audit row on the track, all in one transaction: the board shows either the
    previous complete run or this one, never half of each. Does not change any status,
    decision or award. ``progress(done, total)`` is called before the write and after it.
    """
    criteria = [
        CriterionInfo(c.id, c.code, c.threshold, c.tiebreak_priority)
        for c in Criterion.objects.filter(track=track).order_by("order", "id")
    ]
    submitted = Assignment.objects.filter(
        application__track=track, status=Assignment.Status.SUBMITTED
    ).exclude(application__status__in=EXCLUDED_STATUSES)
    scores = Score.objects.filter(assignment__in=submitted)
    if connection.vendor == "postgresql":
        # Started first: this GROUP BY runs while the rest is fetched and computed.
        # ROUND(numeric, 2) is exact and rounds half away from zero, as ROUND_HALF_UP does;
        # as text the 80,000 means arrive without a Decimal conversion each (the same text
        # ``str(Decimal.quantize(…))`` gives).
        rows = (
            scores.values_list("assignment__application_id", "criterion_id")
            .annotate(avg=Cast(Round(Avg("points"), 2), output_field=TextField()))
            .order_by()
        )
        means_source = _criterion_means_source(rows)
    else:
        means_source = partial(_exact_means, scores)
    reviews = _fetch(submitted.values_list("application_id", "reviewer_id", "total").order_by())
    applications = dict(
        Application.objects.filter(track=track)
        .exclude(status__in=EXCLUDED_STATUSES)
        .filter(status__in=REVIEW_STATUSES)
        .values_list("id", "submitted_at")
        .iterator(chunk_size=5000)
    )
    reviewed_ids = {r[0] for r in reviews}
    missing = reviewed_ids - applications.keys()
    if missing:
        applications.update(
            Application.objects.filter(id__in=missing).values_list("id", "submitted_at")
        )
    results, stats = compute_track(
        reviews=reviews,
        application_ids=applications.keys(),
        criterion_means=means_source,
        criteria=criteria,
        submitted_at=applications,
        settings=_track_settings(track),
    )
    now = timezone.now()
    total = len(results)
    if progress:
        progress(0, total)
    # One transaction for the whole write: a run killed or failing half-way leaves the previous
    # complete results on the board, never a mix of two runs (the job then says it failed).
    # Progress is reported before and after: counts written inside the transaction would not
    # be visible to the polling page anyway (a full track writes in well under a second).
    with transaction.atomic():
        existing = set(
            ApplicationResult.objects.filter(track=track).values_list("application_id", flat=True)
        )
        stale = existing - applications.keys()
        if stale:
            ApplicationResult.objects.filter(track=track, application_id__in=stale).delete()
        # Rows of this track's applications still filed under another track (moved
        # applications).
        elsewhere = set(
            ApplicationResult.objects.filter(application__track=track)
            .exclude(track=track)
            .values_list("application_id", flat=True)
        )
        encoder = _JsonEncoder()
        for start in range(0, total, BATCH_SIZE):
            batch = results[start : start + BATCH_SIZE]
            if connection.vendor == "postgresql":
                # Plain COPY when no row of the batch exists yet, in this track or (an
                # application moved between tracks) any other; concurrent runs are excluded
                # by the one-active-job constraint.
                ids = [r.application_id for r in batch]
                fresh = existing.isdisjoint(ids) and elsewhere.isdisjoint(ids)
                _upsert_results_copy(track, batch, now, encoder, fresh=fresh)
            else:
                _upsert_results_orm(track, batch, now)
        ReviewerTrackStat.objects.filter(track=track).exclude(
            reviewer_id__in=[s.reviewer_id for s in stats]
        ).delete()
        ReviewerTrackStat.objects.bulk_create(
            [
                ReviewerTrackStat(
                    track=track,
                    reviewer_id=s.reviewer_id,
                    review_count=s.review_count,
                    mean_total=s.mean_total,
                    std_total=s.std_total,
                    mean_offset=s.mean_offset,
                    flagged=s.flagged,
                )
                for s in stats
            ],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["track", "reviewer"],
            update_fields=["review_count", "mean_total", "std_total", "mean_offset", "flagged"],
        )
        summary = {
            "applications": total,
            "ranked": sum(1 for r in results if r.rank is not None),
            "reviews": len(reviews),
            "flagged_reviewers": sum(1 for s in stats if s.flagged),
        }
        record_audit_event(subject=track, action="aggregate", actor=actor, detail=summary)
    if progress:
        progress(total, total)
    return summary


# --- The job around it -----------------------------------------------------------------------


def start_aggregation(*, track: Track, actor) -> Job:
    """Create an aggregation ``Job`` for the track and queue the Celery task after commit.

    A job already waiting or running for the track is returned instead of starting a second
    (the database holds it: two staff clicking together get the same job). A task the broker
    refuses leaves the job failed with a message, and the track free to run again. Does not
    compute anything itself.
    """
    job, _created = start_job(track=track, kind=Job.Kind.AGGREGATE, actor=actor)
    return job


def queue_aggregation_job(job: Job) -> None:
    """Publish the task of an aggregation job (``jobs.register_job_queuer``); raises when the
    broker refuses it."""
    from results.tasks import task_aggregate_scores

    task_aggregate_scores.delay(track_id=job.track_id, job_id=job.pk)


def run_aggregation_job(*, job: Job, task_id: str = "") -> Job:
    """Run one aggregation job: claim it (``jobs.begin_job``), aggregate with progress and
    heartbeat, mark it finished or failed with a message staff can read.

    A finished or failed job is not run again (a redelivered task does nothing); a redelivery
    after the worker was lost restarts it, which is safe because ``aggregate_track`` writes a
    run in one transaction.
    """
    claimed = begin_job(job_id=job.pk, task_id=task_id)
    if claimed is None:
        return Job.objects.get(pk=job.pk)
    track = Track.objects.get(pk=claimed.track_id)
    try:
        summary = aggregate_track(
            track=track, actor=claimed.created_by, progress=JobProgress(claimed)
        )
    except Exception as exc:  # noqa: BLE001 - staff read the failure on the job
        finish_job(
            job=claimed,
            status=Job.Status.FAILED,
            message=str(
                _("The aggregation failed: %(error)s. Nothing was released; run it again.")
                % {"error": f"{type(exc).__name__}: {exc}"}
            )[:2000],
        )
        # Logged, not re-raised: a retry would fail the same way; staff read the message.
        logger.exception("Aggregation job %s failed", job.pk)
    else:
        finish_job(job=claimed, status=Job.Status.SUCCEEDED, result=summary)
    return Job.objects.get(pk=job.pk)


def on_review_submitted(*args, assignment=None, **kwargs) -> None:
    """Hook for ``reviews.services.REVIEW_SUBMITTED_HOOKS``: when a review is (re)submitted in a
    track that has already been aggregated, queue a fresh aggregation so the board never shows
    stale figures. Tracks never aggregated are left alone (staff start the first run)."""
    if assignment is None and args:
        assignment = args[0]
    if assignment is None:
        return
    track_id = (
        Application.objects.filter(pk=assignment.application_id)
        .values_list("track_id", flat=True)
        .first()
    )
    if track_id is None or not ApplicationResult.objects.filter(track_id=track_id).exists():
        return
    track = Track.objects.get(pk=track_id)
    start_aggregation(track=track, actor=kwargs.get("actor"))
