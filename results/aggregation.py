"""Score aggregation for one track: pure computation, then one service that writes the rows.

The computation (``compute_track``) takes plain rows — reviewers' totals per application and
criterion means computed by the database — and returns plain results, so it can be tested
against hand-computed values without a database. ``aggregate_track`` fetches those rows with
a few streaming queries (no query per application), computes, and upserts ``ApplicationResult``
and ``ReviewerTrackStat`` rows in batches, all in one transaction. See ``docs/scoring.md`` for every rule.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import json
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import partial
from itertools import groupby, pairwise
from operator import attrgetter, itemgetter
from typing import NamedTuple, TypeVar

from django.db import connection, transaction
from django.db.models import Avg, JSONField, TextField
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_audit_event
from applications.models import Application
from projects.models import Track
from results import aggregation_sql
from results.models import ApplicationResult, ReviewerTrackStat
from reviews.models import Assignment, Criterion, Job, Score
from reviews.services.jobs import JobProgress, begin_job, finish_job, start_job

logger = logging.getLogger(__name__)
T = TypeVar("T")

TWO_PLACES = Decimal("0.01")
# The normalised score is computed with 50 significant digits (the SQL path: 40 decimals) and
# rounded by ``q2_near``: a value within this tolerance of a half cent is that half cent.
PRECISE = Context(prec=50)
HALF_CENT_TOLERANCE = Decimal("1e-25")
# Rows per COPY (or bulk upsert) statement; COPY text is streamed, never held whole.
BATCH_SIZE = 10_000

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


def q2_near(value: Decimal) -> Decimal:
    """``q2`` of a figure carried with far more digits than it needs (the normalised score,
    made of square roots), taking a value within 10⁻²⁵ of a half cent as that half cent.

    A normalised score is exactly a half cent only when its square roots are rational or
    cancel out; computed, it then lands a few units of the last digit to either side, and
    plain rounding would follow that noise (in Python it even depended on the order the
    reviews were summed in). Any other score is many orders of magnitude further from a
    half cent than the tolerance.
    """
    nudge = HALF_CENT_TOLERANCE if value >= 0 else -HALF_CENT_TOLERANCE
    return PRECISE.add(value, nudge).quantize(TWO_PLACES, ROUND_HALF_UP)


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
    pair; the standard deviation divides by n (the panel is the whole population). Each
    figure is one rounding away from the exact value: sums of totals are exact, the mean and
    trimmed mean are one division, and the standard deviation is √(n·Σt² − (Σt)²) / n, whose
    radicand is exact — so a figure that is exactly a half cent is computed as exactly that,
    and the digits never depend on the order the database returned the totals in.
    """
    n = len(ordered)
    total = sum(ordered, Decimal(0))
    middle = n // 2
    radicand = n * sum([value * value for value in ordered], Decimal(0)) - total * total
    return Summary(
        total / n,
        (total - ordered[0] - ordered[-1]) / (n - 2) if n >= 3 else None,
        ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2,
        radicand.sqrt() / n,
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


def apply_score_rules(result: ResultRow, settings: TrackSettings) -> None:
    """Set ``official_score`` and the flags that follow from the application's own rounded
    figures (in this order: too few reviewers, trimmed mean needs three, official score fell
    back to the mean, spread, below the overall threshold). Both ways of computing the
    figures (``compute_track`` in Python, ``track_results_sql`` in PostgreSQL) end here, so
    the rules live in one place. See docs/scoring.md, "Flags"."""
    n = result.reviewer_count
    official_key = settings.official_aggregate
    if official_key == Track.Aggregate.TRIMMED_MEAN:
        official = result.trimmed_mean
    elif official_key == Track.Aggregate.MEAN:
        official = result.mean
    elif official_key == Track.Aggregate.MEDIAN:
        official = result.median
    else:
        official = result.normalised
    flags = []
    if n < settings.min_reviewers:
        flags.append(FLAG_TOO_FEW_REVIEWERS)
    if n and n < 3:
        flags.append(FLAG_TRIMMED_NEEDS_THREE)
    if official is None and official_key == Track.Aggregate.TRIMMED_MEAN and n:
        # Fewer than three totals: the drop-highest-and-lowest rule cannot apply.
        official = result.mean
        flags.append(FLAG_OFFICIAL_FALLBACK)
    result.official_score = official
    if result.spread is not None and result.spread > settings.spread_threshold:
        flags.append(FLAG_SPREAD)
    if official is not None and official < settings.overall_threshold:
        flags.append(FLAG_BELOW_OVERALL)
    result.flags = flags


def apply_criterion_means(
    result: ResultRow, means: dict[str, str], thresholds: list[tuple[str, Decimal]]
) -> None:
    """Store an application's criterion means — criterion code → mean points rounded to two
    places, half up, as text (``rounded_criterion_means``, or PostgreSQL's ROUND) — and flag
    every criterion whose rounded mean is below its threshold. ``thresholds`` lists (code,
    threshold) of the criteria that have one, in the track's order (the order of the flags).
    """
    result.criterion_means = means
    for code, threshold in thresholds:
        value = means.get(code)
        if value is not None and Decimal(value) < threshold:
            result.flags.append(f"{FLAG_BELOW_CRITERION}:{code}")


def rounded_criterion_means(
    means: dict[int, Decimal | str], codes: dict[int, str]
) -> dict[str, str]:
    """criterion id → mean points (a ``Decimal``, or a ``str`` the database already rounded)
    as criterion code → the mean rounded to two places, half up, as text. Means of criteria
    not in ``codes`` (the track's) are left out."""
    # A str is a mean the database already rounded to two places, half up (PostgreSQL's
    # ROUND(numeric, 2) rounds half away from zero, as ROUND_HALF_UP does): the same text.
    return {
        codes[cid]: value
        if value.__class__ is str
        else str(value.quantize(TWO_PLACES, ROUND_HALF_UP))
        for cid, value in sorted(means.items())
        if cid in codes
    }


def criterion_thresholds(criteria: list[CriterionInfo]) -> list[tuple[str, Decimal]]:
    """(code, threshold) of the criteria that have a threshold, in the track's order."""
    return [(c.code, c.threshold) for c in criteria if c.threshold is not None]


def exact_mean_offset(totals: list[Decimal], panels: list[tuple[int, Decimal]]) -> Decimal:
    """A reviewer's mean offset — the mean over their reviews of (own total − the panel's mean)
    — computed exactly: with L a common multiple of the panel sizes n, Σ(t − S/n) is
    (L·Σt − Σ S·L/n) / L, exact sums and one division, so an offset that is exactly a half
    cent is exactly that (a panel mean like 73.33… carried to 28 digits used to tip such an
    offset either way). ``totals`` are the reviewer's totals, ``panels`` the (size, sum of
    totals) of the panel of each, in the same count."""
    common = math.lcm(*{n for n, _s in panels})
    numerator = common * sum(totals, Decimal(0)) - sum(
        [s * (common // n) for n, s in panels], Decimal(0)
    )
    return PRECISE.divide(numerator, common * len(totals))


def reviewer_is_flagged(mean_offset: Decimal | None, settings: TrackSettings) -> bool:
    """A lenient or strict reviewer: |rounded mean offset| > the track's offset threshold."""
    return mean_offset is not None and abs(mean_offset) > settings.reviewer_offset_threshold


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

    The reference definition of every figure: on PostgreSQL the aggregation computes the same
    figures in SQL (``track_results_sql``), and tests hold the two equal on random tracks.

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

    # Each reviewer's own mean and (population) standard deviation.
    reviewer_summary = {r: summarise(sorted(totals)) for r, totals in by_reviewer.items()}
    # For 50 + 10·z: z = (t − mean) / std = (n·t − Σt) / √(n·Σt² − (Σt)²) for a reviewer with
    # n totals, an exact numerator over a square root taken to 50 digits. Reviewers without
    # a spread (one review, or identical totals) contribute z = 0, a score of 50.
    z_params = {}
    for r, totals in by_reviewer.items():
        n_r, s_r = len(totals), sum(totals, zero)
        radicand = n_r * sum([t * t for t in totals], zero) - s_r * s_r
        if radicand:
            z_params[r] = (n_r, s_r, PRECISE.sqrt(radicand))

    codes = {c.id: c.code for c in criteria}
    thresholds = criterion_thresholds(criteria)
    ids = sorted(set(application_ids) | set(by_application))
    results: dict[int, ResultRow] = {}
    # Per reviewer, the (size, sum of totals) of every panel they sat on: their mean offset
    # below is computed exactly from these.
    panels: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    no_rows = ()
    for application_id in ids:
        rows = by_application.get(application_id, no_rows)
        n = len(rows)
        result = ResultRow(application_id=application_id, reviewer_count=n)
        if n:
            totals = sorted([t for _r, t in rows])
            raw_mean, raw_trimmed, raw_median, raw_std = summarise(totals)
            result.mean = quantize(raw_mean, TWO_PLACES, ROUND_HALF_UP)
            if raw_trimmed is not None:
                result.trimmed_mean = quantize(raw_trimmed, TWO_PLACES, ROUND_HALF_UP)
            result.median = quantize(raw_median, TWO_PLACES, ROUND_HALF_UP)
            z_sum = zero
            panel = (n, sum(totals, zero))
            for reviewer_id, total in rows:
                params = z_params.get(reviewer_id)
                if params is not None:
                    n_r, s_r, root = params
                    z_sum = PRECISE.add(z_sum, PRECISE.divide(n_r * total - s_r, root))
                panels[reviewer_id].append(panel)
            result.normalised = q2_near(
                PRECISE.add(50, PRECISE.divide(PRECISE.multiply(10, z_sum), n))
            )
            result.spread = quantize(totals[-1] - totals[0], TWO_PLACES, ROUND_HALF_UP)
            result.std_dev = quantize(raw_std, TWO_PLACES, ROUND_HALF_UP)
        apply_score_rules(result, settings)
        results[application_id] = result

    # Lenient or strict reviewers: mean of (own total − panel mean) over their applications.
    stats = []
    flagged_reviewers = set()
    for reviewer_id, totals in sorted(by_reviewer.items()):
        offset = q2(exact_mean_offset(totals, panels[reviewer_id]))
        flagged = reviewer_is_flagged(offset, settings)
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

    # Criterion means last: the database may still be computing them while the loops above
    # run (``criterion_means`` is then a callable that waits for them).
    if callable(criterion_means):
        criterion_means = criterion_means()
    for application_id, result in results.items():
        means = criterion_means.get(application_id)
        if means:
            apply_criterion_means(result, rounded_criterion_means(means, codes), thresholds)

    # After the criterion flags, as the flag order on the board has always been.
    for application_id in outlier_applications:
        results[application_id].flags.append(FLAG_OUTLIER_REVIEWER)

    rank_results(list(results.values()), criteria=criteria, submitted_at=submitted_at)
    return [results[i] for i in ids], stats


class _NegatedMeans(dict):
    """Mean text → minus the mean in hundredths, parsed on first use: an ``int`` for a mean
    with at most two places (every stored mean), which compares several times faster than a
    ``Decimal``; a ``Decimal`` in hundredths otherwise, which compares with those exactly."""

    def __missing__(self, text: str) -> int | Decimal:
        hundredths = Decimal(text).scaleb(2)
        integral = hundredths.to_integral_value()
        value = self[text] = -int(integral) if hundredths == integral else -hundredths
        return value


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
    chain = [
        c.code
        for c in sorted(
            (c for c in criteria if c.tiebreak_priority is not None),
            key=lambda c: c.tiebreak_priority,
        )
    ]
    steps = [f"criterion:{code}" for code in chain] + ["submitted_at", "application_id"]
    far_future = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    # Criterion means are two-place strings and repeat a lot: each is parsed once.
    negated = _NegatedMeans().__getitem__
    pick = itemgetter(*chain) if len(chain) > 1 else lambda means: tuple(means[c] for c in chain)

    def key(result: ResultRow) -> tuple:
        """The tie-break key within one official score: the chain's means, high first (a
        criterion without a mean counts as −1), then the submission time and the id."""
        means = result.criterion_means
        try:
            values = tuple(map(negated, pick(means)))
        except KeyError:
            values = tuple(negated(means.get(code, "-1")) for code in chain)
        return (
            *values,
            submitted_at.get(result.application_id) or far_future,
            result.application_id,
        )

    def deciding_step(a: tuple, b: tuple) -> str:
        for step, x, y in zip(steps, a, b, strict=True):
            if x != y:
                return step
        return steps[-1]

    for r in results:
        if r.official_score is None:
            r.rank, r.tiebreak = None, {}
    # Sort on the official score alone (fast), then order each run of equal scores by the
    # tie-break key: only tied applications pay for the chain.
    by_score = sorted(
        (r for r in results if r.official_score is not None),
        key=attrgetter("official_score"),
        reverse=True,
    )
    rank = 0
    for _score, run in groupby(by_score, key=attrgetter("official_score")):
        group = list(run)
        if len(group) == 1:
            rank += 1
            group[0].rank, group[0].tiebreak = rank, {}
            continue
        keyed = sorted([(key(r), r) for r in group], key=itemgetter(0))
        # What placed each one below the one before it (the first is above the second by
        # the same step).
        between = [deciding_step(a, b) for (a, _r), (b, _s) in pairwise(keyed)]
        # The first is tied with the second; every other one with the one just above it.
        neighbour = keyed[1][1]
        for index, (_k, result) in enumerate(keyed):
            rank += 1
            result.rank = rank
            result.tiebreak = {
                "tied_with": neighbour.application_id,
                "position": "below" if index else "above",
                "rule": between[index - 1] if index else between[0],
            }
            neighbour = result


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


def _copy_escape(text: str) -> str:
    """Text in COPY text format: JSON text has no raw tab or newline (JSON escapes them), so
    only backslashes need doubling."""
    return text.replace("\\", "\\\\") if "\\" in text else text


def _jsonb_text(value) -> str:
    """``value`` as PostgreSQL prints a ``jsonb`` back (object keys ordered by length, then
    bytes; ", " and ": " between items; strings escaped as ``json.dumps`` does without
    ``ensure_ascii``): valid JSON to write, and the very text a stored row reads back as, so
    a row can be compared with what is stored (``_stored_result_lines``)."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: (len(item[0].encode()), item[0].encode()))
        return "{" + ", ".join(f"{_jsonb_text(k)}: {_jsonb_text(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_jsonb_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class _JsonEncoder:
    """The result rows as COPY text (``row``), the three JSON columns in ``jsonb``'s own text
    form (``_jsonb_text``), faster than encoding each value.

    Flag lists repeat (a handful of distinct lists over 10,000 rows) and are cached; criterion
    means are {code: "12.34"}, whose key order and encoded keys are worked out once per set
    of codes, the values being plain digit strings; tie-breaks are
    {"rule": …, "position": …, "tied_with": id}.
    """

    def __init__(self):
        self.lists: dict[tuple, str] = {}
        self.keys: dict[str, str] = {}
        # Per tuple of criterion codes: a getter of their means in jsonb key order and the
        # object's text with a %s for each mean (keys encoded and COPY-escaped once).
        self.layouts: dict[tuple, tuple[Callable, str]] = {}
        # Per (rule, position): the tie-break's text up to its application id.
        self.tiebreaks: dict[tuple[str, str], str] = {}

    def key(self, text: str) -> str:
        encoded = self.keys.get(text)
        if encoded is None:
            encoded = self.keys[text] = _copy_escape(_jsonb_text(text))
        return encoded

    def flags(self, flags: list[str]) -> str:
        key = tuple(flags)
        encoded = self.lists.get(key)
        if encoded is None:
            encoded = self.lists[key] = _copy_escape(_jsonb_text(flags))
        return encoded

    def means(self, means: dict[str, str]) -> str:
        if not means:
            return "{}"
        codes = tuple(means)
        layout = self.layouts.get(codes)
        if layout is None:
            ordered = sorted(codes, key=lambda code: (len(code.encode()), code.encode()))
            pick = itemgetter(*ordered) if len(ordered) > 1 else lambda m: (m[ordered[0]],)
            template = ", ".join(f'{self.key(code).replace("%", "%%")}: "%s"' for code in ordered)
            layout = self.layouts[codes] = (pick, "{" + template + "}")
        # Values are two-place decimals (digits, a point, perhaps a minus): nothing to escape.
        return layout[1] % layout[0](means)

    def tiebreak(self, tiebreak: dict) -> str:
        if not tiebreak:
            return "{}"
        rule, position = tiebreak.get("rule"), tiebreak.get("position")
        if (
            len(tiebreak) != 3
            or "tied_with" not in tiebreak
            or rule.__class__ is not str
            or position.__class__ is not str
        ):
            return _copy_escape(_jsonb_text(tiebreak))
        prefix = self.tiebreaks.get((rule, position))
        if prefix is None:
            prefix = self.tiebreaks[rule, position] = (
                f'{{"rule": {self.key(rule)}, "position": {self.key(position)}, "tied_with": '
            )
        return f"{prefix}{int(tiebreak['tied_with'])}}}"

    def row(self, track_id: int, r: ResultRow) -> str:
        """Every column but ``computed_at``, in ``RESULT_COLUMNS`` order, as COPY text."""
        return (
            f"{r.application_id}\t{track_id}\t{r.reviewer_count}\t{_n(r.mean)}\t"
            f"{_n(r.trimmed_mean)}\t{_n(r.median)}\t{_n(r.normalised)}\t{_n(r.spread)}\t"
            f"{_n(r.std_dev)}\t{self.means(r.criterion_means)}\t{self.flags(r.flags)}\t"
            f"{_n(r.official_score)}\t{_n(r.rank)}\t{self.tiebreak(r.tiebreak)}"
        )


def _copy_lines(
    track: Track,
    batch: list[ResultRow],
    now,
    encoder: _JsonEncoder,
    prepared: dict[int, str] | None = None,
):
    """The batch's rows as lines of COPY text, in ``RESULT_COLUMNS`` order (``prepared``:
    rows already encoded by ``_JsonEncoder.row``, by application id)."""
    stamp = f"\t{now.isoformat()}\n"
    if prepared is not None:
        for r in batch:
            yield prepared[r.application_id] + stamp
        return
    row, track_id = encoder.row, track.pk
    for r in batch:
        yield row(track_id, r) + stamp


def _stored_result_lines(track: Track) -> dict[int, tuple[int, str]]:
    """PostgreSQL: the stored result rows of the track and of its applications (a moved one
    may still be filed under another track), as application id → (track id, every column but
    ``computed_at`` as COPY text: the text ``_JsonEncoder.row`` gives for the same values)."""
    rendered = []
    for name, column in zip(RESULT_FIELDS[:-1], RESULT_COLUMNS[:-1], strict=True):
        if isinstance(ApplicationResult._meta.get_field(name), JSONField):
            rendered.append(f"replace({column}::text, '\\', '\\\\')")
        else:
            rendered.append(f"coalesce({column}::text, '\\N')")
    sql = (
        f"SELECT application_id, track_id, concat_ws(E'\\t', {', '.join(rendered)}) "
        f"FROM {ApplicationResult._meta.db_table} WHERE track_id = %s OR application_id IN "
        f"(SELECT id FROM {Application._meta.db_table} WHERE track_id = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [track.pk, track.pk])
        return {application_id: (track_id, line) for application_id, track_id, line in cursor}


# Characters handed to the database per read of a COPY stream.
COPY_CHUNK = 1 << 16


class _CopyStream:
    """A file psycopg2's ``copy_expert`` reads COPY text from, formatted as it is read: the
    database parses and inserts one chunk while Python formats the next, instead of waiting
    for the whole batch to be written out first."""

    def __init__(self, lines):
        self._lines = lines
        self._done = False

    def read(self, size: int = -1) -> str:
        if self._done:
            return ""
        parts, length = [], 0
        for line in self._lines:
            parts.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        else:
            self._done = True
        return "".join(parts)


@transaction.atomic
def _upsert_results_copy(
    track: Track,
    batch: list[ResultRow],
    now,
    encoder: _JsonEncoder | None = None,
    *,
    fresh: bool = False,
    prepared: dict[int, str] | None = None,
) -> None:
    """PostgreSQL: COPY the batch into a temporary table, then one INSERT … ON CONFLICT.

    ``fresh``: none of the batch's applications has a result row yet (the first run of a
    track), so the rows are copied straight into the table with no upsert step.
    ``prepared``: the rows already encoded (``_JsonEncoder.row``), by application id.
    """
    buffer = _CopyStream(_copy_lines(track, batch, now, encoder or _JsonEncoder(), prepared))
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
            cursor.cursor.copy_expert(
                f"COPY {table} ({columns}) FROM STDIN", buffer, size=COPY_CHUNK
            )
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
        cursor.cursor.copy_expert(
            f"COPY kcity_results_batch ({columns}) FROM STDIN", buffer, size=COPY_CHUNK
        )
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


def _in_parallel(fetch: Callable[[], T]) -> Callable[[], T]:
    """Start ``fetch`` (a read) now and return a callable that waits for its result.

    On PostgreSQL outside a transaction (the Celery job) it runs at once on a second
    connection in a worker thread, so the database groups the reviews' points by criterion
    while the main connection computes the other figures; inside a transaction (a caller's
    atomic block, tests) a second connection could not see uncommitted rows, so it runs in
    line when called.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return fetch

    def run():
        try:
            return fetch()
        finally:
            connection.close()  # the worker thread's own connection

    executor = ThreadPoolExecutor(max_workers=1)
    future = executor.submit(run)
    executor.shutdown(wait=False)
    return future.result


class TrackComputation(NamedTuple):
    """Everything one aggregation run writes: the application results (flagged and ranked),
    the reviewer statistics, and the number of submitted reviews they come from."""

    results: list[ResultRow]
    stats: list[ReviewerStatRow]
    reviews: int


def _track_criteria(track: Track) -> list[CriterionInfo]:
    return [
        CriterionInfo(c.id, c.code, c.threshold, c.tiebreak_priority)
        for c in Criterion.objects.filter(track=track).order_by("order", "id")
    ]


def track_results_python(
    *,
    track: Track,
    criteria: list[CriterionInfo] | None = None,
    settings: TrackSettings | None = None,
) -> TrackComputation:
    """The track's results computed in Python (``compute_track``, the reference definition)
    from plain rows: the submitted reviews' totals, the applications' submission times and
    the per-criterion means grouped by the database. Works on every database; the aggregation
    takes this path on all but PostgreSQL. Reads only."""
    criteria = _track_criteria(track) if criteria is None else criteria
    submitted = Assignment.objects.filter(
        application__track=track, status=Assignment.Status.SUBMITTED
    ).exclude(application__status__in=EXCLUDED_STATUSES)
    scores = Score.objects.filter(assignment__in=submitted)
    if connection.vendor == "postgresql":
        # ROUND(numeric, 2) is exact and rounds half away from zero, as ROUND_HALF_UP does;
        # as text the 80,000 means arrive without a Decimal conversion each (the same text
        # ``str(Decimal.quantize(…))`` gives).
        rows = (
            scores.values_list("assignment__application_id", "criterion_id")
            .annotate(avg=Cast(Round(Avg("points"), 2), output_field=TextField()))
            .order_by()
        )

        def means_source():
            return _means_from_rows(_fetch(rows))

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
        settings=_track_settings(track) if settings is None else settings,
    )
    return TrackComputation(results, stats, len(reviews))


def track_results_sql(
    *,
    track: Track,
    criteria: list[CriterionInfo] | None = None,
    settings: TrackSettings | None = None,
) -> TrackComputation:
    """The track's results with every figure computed by PostgreSQL (``results.aggregation_sql``:
    one statement over the submitted reviews' totals, one pass over their points by criterion
    for the criterion means, the two running side by side outside a transaction); the official
    score, flags, ranks and tie-breaks then follow from those figures through the same
    functions as in ``compute_track`` (``apply_score_rules``, ``apply_criterion_means``, ``rank_results``).
    Gives exactly what ``track_results_python`` gives (tests hold the two equal). PostgreSQL
    only; reads only. Run side by side, the two reads are two snapshots: a review submitted
    between them may count in one and not the other, and its submission queues a fresh run
    (``on_review_submitted``) that reads both again."""
    criteria = _track_criteria(track) if criteria is None else criteria
    settings = _track_settings(track) if settings is None else settings
    params = {
        "track": track.pk,
        "submitted": Assignment.Status.SUBMITTED.value,
        "excluded": [s.value for s in EXCLUDED_STATUSES],
        "review_statuses": [s.value for s in REVIEW_STATUSES],
        "offset_threshold": settings.reviewer_offset_threshold,
    }
    means_source = None
    if criteria:
        means_sql = aggregation_sql.criterion_means_sql(len(criteria))
        means_params = {
            **params,
            **{f"criterion_{i}": str(c.id) for i, c in enumerate(criteria)},
        }
        # Started first, to run beside the statistics statement.
        means_source = _in_parallel(
            partial(_criterion_means, means_sql, means_params, [c.code for c in criteria])
        )
    rows = _fetch_sql(aggregation_sql.STATISTICS_SQL, params)

    results: list[ResultRow] = []
    by_id: dict[int, ResultRow] = {}
    submitted_at: dict[int, datetime.datetime | None] = {}
    outliers: list[ResultRow] = []
    stats: list[ReviewerStatRow] = []
    review_count = 0
    for (
        kind,
        row_id,
        submitted,
        n,
        mean_,
        trimmed,
        median_,
        normalised,
        spread,
        std,
        offset,
        flag,
    ) in rows:
        if kind:
            stats.append(ReviewerStatRow(row_id, n, mean_, std, offset, flag))
            continue
        result = ResultRow(row_id, n, mean_, trimmed, median_, normalised, spread, std)
        apply_score_rules(result, settings)
        results.append(result)
        by_id[row_id] = result
        submitted_at[row_id] = submitted
        review_count += n
        if flag:
            outliers.append(result)
    if means_source is not None:
        thresholds = criterion_thresholds(criteria)
        for application_id, means in means_source().items():
            result = by_id.get(application_id)
            if result is not None:
                apply_criterion_means(result, means, thresholds)
    # After the criterion flags, as in compute_track.
    for result in outliers:
        result.flags.append(FLAG_OUTLIER_REVIEWER)
    rank_results(results, criteria=criteria, submitted_at=submitted_at)
    return TrackComputation(results, stats, review_count)


def _criterion_means(sql: str, params: dict, codes: list[str]) -> dict[int, dict[str, str]]:
    """application id → its criterion means as criterion code → text, from
    ``criterion_means_sql`` (criteria nobody scored left out; applications with no mean at
    all left out). Built where the rows are read, so beside the statistics statement."""
    means: dict[int, dict[str, str]] = {}
    for application_id, *values in _fetch_sql(sql, params):
        if None in values:  # a criterion nobody scored (PostgreSQL sends NULL)
            row = {code: v for code, v in zip(codes, values, strict=True) if v is not None}
            if not row:
                continue
        else:
            row = dict(zip(codes, values, strict=True))
        means[application_id] = row
    return means


def _fetch_sql(sql: str, params: dict) -> list[tuple]:
    """Every row of a raw statement (on this thread's connection)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _write_results_postgresql(track: Track, results: list[ResultRow], now) -> None:
    """Write the track's result rows on PostgreSQL: delete the rows of applications no longer
    in the results, COPY the rows that are new, and upsert only those that differ from what
    is stored (compared as text, ``_stored_result_lines``): a re-run on the same reviews sends
    nothing, and every row it does not send keeps its ``computed_at``."""
    stored = _stored_result_lines(track)
    ids = {r.application_id for r in results}
    stale = [a for a, (track_id, _line) in stored.items() if track_id == track.pk and a not in ids]
    if stale:
        ApplicationResult.objects.filter(track=track, application_id__in=stale).delete()
    encoder = _JsonEncoder()
    prepared = None
    to_write = results
    if stored:
        row = encoder.row
        prepared = {r.application_id: row(track.pk, r) for r in results}
        to_write = [
            r
            for r in results
            if stored.get(r.application_id, (None, None))[1] != prepared[r.application_id]
        ]
    for start in range(0, len(to_write), BATCH_SIZE):
        batch = to_write[start : start + BATCH_SIZE]
        # Plain COPY when no row of the batch exists yet, in this track or (an application
        # moved between tracks) any other; concurrent runs are excluded by the one-active-job
        # constraint.
        fresh = stored.keys().isdisjoint([r.application_id for r in batch])
        _upsert_results_copy(track, batch, now, encoder, fresh=fresh, prepared=prepared)


REVIEWER_STAT_FIELDS = ("review_count", "mean_total", "std_total", "mean_offset", "flagged")


def _write_reviewer_stats(track: Track, stats: list[ReviewerStatRow]) -> None:
    """Upsert the track's reviewer statistics, rewriting only the rows whose figures changed
    (a re-run on the same reviews writes none), and delete those of reviewers gone."""
    stored = {
        row[0]: row[1:]
        for row in ReviewerTrackStat.objects.filter(track=track).values_list(
            "reviewer_id", *REVIEWER_STAT_FIELDS
        )
    }
    gone = stored.keys() - {s.reviewer_id for s in stats}
    if gone:
        ReviewerTrackStat.objects.filter(track=track, reviewer_id__in=gone).delete()
    changed = [
        s
        for s in stats
        if stored.get(s.reviewer_id) != tuple(getattr(s, name) for name in REVIEWER_STAT_FIELDS)
    ]
    if not changed:
        return
    if connection.vendor == "postgresql":
        _upsert_reviewer_stats_postgresql(track, changed)
        return
    ReviewerTrackStat.objects.bulk_create(
        [
            ReviewerTrackStat(
                track=track,
                reviewer_id=s.reviewer_id,
                **{name: getattr(s, name) for name in REVIEWER_STAT_FIELDS},
            )
            for s in changed
        ],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["track", "reviewer"],
        update_fields=list(REVIEWER_STAT_FIELDS),
    )


def _upsert_reviewer_stats_postgresql(track: Track, stats: list[ReviewerStatRow]) -> None:
    """PostgreSQL: the rows in one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE``,
    one array per column: the 500 rows of a large track in a few milliseconds, where building
    them as model instances for ``bulk_create`` took about fifteen."""
    table = ReviewerTrackStat._meta.db_table
    fields = [ReviewerTrackStat._meta.get_field(name) for name in REVIEWER_STAT_FIELDS]
    columns = [f.column for f in fields]
    # Each array typed as its column is (the types of the model's own fields).
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    reviewer = ReviewerTrackStat._meta.get_field("reviewer").db_type(connection)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (track_id, reviewer_id, {', '.join(columns)}) "
            f"SELECT %s, * FROM unnest(%s::{reviewer}[], {arrays}) "
            f"ON CONFLICT (track_id, reviewer_id) DO UPDATE SET {updates}",
            [
                track.pk,
                [s.reviewer_id for s in stats],
                *([getattr(s, name) for s in stats] for name in REVIEWER_STAT_FIELDS),
            ],
        )


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a track's rows are built and written:
    tens of thousands of new rows, dicts and tuples would otherwise set off full collections,
    each walking every object of the process (tens of milliseconds at 10,000 applications),
    and none of these objects form cycles. Reference counting frees them as usual."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def aggregate_track(
    *, track: Track, actor=None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Compute and store every application's aggregates and rank, and every reviewer's
    statistics, for one track. Idempotent: running it again on the same reviews gives the
    same values (rows are upserted — on PostgreSQL only those that differ — and stale rows
    removed).

    Reads only submitted assignments. On PostgreSQL the figures are computed by the database
    (``track_results_sql``), elsewhere in Python (``track_results_python``); both give the
    same rows. Writes ``ApplicationResult`` and ``ReviewerTrackStat`` rows and one audit row
    on the track, all in one transaction: the board shows either the previous complete run
    or this one, never half of each. Does not change any status, decision or award.
    ``progress(done, total)`` is called before the write and after it.
    """
    with _collector_paused():
        return _aggregate_track(track=track, actor=actor, progress=progress)


def _aggregate_track(*, track: Track, actor, progress) -> dict:
    compute = track_results_sql if connection.vendor == "postgresql" else track_results_python
    results, stats, review_count = compute(track=track)
    application_ids = {r.application_id for r in results}
    now = timezone.now()
    total = len(results)
    if progress:
        progress(0, total)
    # One transaction for the whole write: a run killed or failing half-way leaves the previous
    # complete results on the board, never a mix of two runs (the job then says it failed).
    # Progress is reported before and after: counts written inside the transaction would not
    # be visible to the polling page anyway (a full track writes in well under a second).
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _write_results_postgresql(track, results, now)
        else:
            existing = set(
                ApplicationResult.objects.filter(track=track).values_list(
                    "application_id", flat=True
                )
            )
            stale = existing - application_ids
            if stale:
                ApplicationResult.objects.filter(track=track, application_id__in=stale).delete()
            for start in range(0, total, BATCH_SIZE):
                _upsert_results_orm(track, results[start : start + BATCH_SIZE], now)
        _write_reviewer_stats(track, stats)
        summary = {
            "applications": total,
            "ranked": sum(1 for r in results if r.rank is not None),
            "reviews": review_count,
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
        _rerun_for_reviews_since(track, since=claimed.started_at)
    return Job.objects.get(pk=job.pk)


def _rerun_for_reviews_since(track: Track, *, since) -> None:
    """A review submitted while this run was computing started no run of its own (the hook
    found this one active, and it may have read the scores already): start the next one."""
    if since is not None and (
        Assignment.objects.filter(
            application__track=track,
            status=Assignment.Status.SUBMITTED,
            submitted_at__gt=since,
        ).exists()
    ):
        _start_aggregation_in_background(track)


def _start_aggregation_in_background(track: Track, actor=None) -> None:
    """Start an aggregation nobody is waiting to see started (after a review, after a run):
    a broker that refuses the task leaves the job waiting, and the sweep of stuck jobs queues
    it again a few minutes later (``start_aggregation`` fails it instead, for staff to see)."""
    job, created = start_job(track=track, kind=Job.Kind.AGGREGATE, actor=actor, queue=False)
    if created:
        transaction.on_commit(partial(_queue_or_leave_for_the_sweep, job))


def _queue_or_leave_for_the_sweep(job: Job) -> None:
    try:
        queue_aggregation_job(job)
    except Exception:  # noqa: BLE001 - the sweep re-queues a job left waiting
        logger.warning("Aggregation job %s not queued; the sweep of stuck jobs will.", job.pk)


def on_review_submitted(*args, assignment=None, **kwargs) -> None:
    """Hook for ``reviews.services.REVIEW_SUBMITTED_HOOKS``: when a review is (re)submitted or
    reopened in a track that has already been aggregated, queue a fresh aggregation so the
    board never shows stale figures. Tracks never aggregated are left alone (staff start the
    first run)."""
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
    _start_aggregation_in_background(Track.objects.get(pk=track_id), actor=kwargs.get("actor"))
