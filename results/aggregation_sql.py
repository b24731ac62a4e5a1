"""The aggregation's figures computed by PostgreSQL (the path ``aggregate_track`` takes there).

Two statements, both plain reads:

* ``STATISTICS_SQL`` reads the track's submitted reviews (assignments: application, reviewer,
  total) once and returns, per application, the reviewer count and the mean, trimmed mean,
  median, normalised score, spread and population standard deviation rounded to two places,
  half up, and whether one of its reviewers is flagged as lenient or strict; and per reviewer
  the review count, mean, standard deviation, mean offset from the panels and that flag.
* ``criterion_means_sql`` makes one pass over the submitted reviews' points by criterion
  (their copy on the review, else their score rows), grouped by application, with one sum of
  whole tenths and one count per criterion of the track, divided and rounded in the database.

The rules are those of ``results.aggregation.compute_track`` (the reference, used on every
other database), see docs/scoring.md; ``tests/results/test_sql_aggregation.py`` holds the two
equal on random tracks. How each figure is made exact:

* totals are read as whole hundredths (``bigint``), so counts, sums, sums of squares, minima
  and maxima are integer arithmetic, exact and cheap;
* a mean or trimmed mean is one division (PostgreSQL keeps at least 16 significant digits: a
  mean that ends in a half cent is represented exactly, one that does not end is far from
  it), then ``ROUND(x, 2)``, which rounds half away from zero as ``ROUND_HALF_UP`` does;
* the median is the mean of the two middle totals of the sorted array (the same one twice
  when the count is odd);
* a standard deviation is √(n·Σt² − (Σt)²) / n, as in ``summarise``: the radicand is an
  exact integer and the square root is taken with 20 decimals (exact when the deviation is a
  decimal);
* the z-score of a total t of a reviewer with n totals summing to s is
  (n·t − s) / √(n·Σt² − s²) — the same number as (t − mean) / standard deviation, with an
  exact integer numerator — multiplied here by the reciprocal of the root carried to 40
  decimals (an error below 10⁻³³), and 0 for a reviewer whose totals are all equal (or who
  has one); the normalised score 50 + 10·mean z is rounded like ``q2_near``: within 10⁻²⁵ of
  a half cent counts as the half cent;
* a reviewer's mean offset is the mean of (own total − panel mean) over their applications,
  taken as (Σ own totals − Σ panel means) / n with each panel's mean computed once and
  carried to 30 decimals (an error below 10⁻³⁰ per panel), rounded the same way:
  the exact offset is a fraction whose denominator divides 100 · the review count · the
  panel sizes' least common multiple, so unless it is exactly a half cent it lies more than
  10⁻²² away from one for any real panel (Python computes it exactly, with fractions).
"""

from __future__ import annotations

# Adding these zeros raises the scale numeric arithmetic keeps (PostgreSQL's default is 16
# significant digits).
_SCALE_20 = "0." + "0" * 20
_SCALE_30 = "0." + "0" * 30
_SCALE_40 = "0." + "0" * 40
# ROUND(x, 2), taking a value within 10⁻²⁵ of a half cent as that half cent (the rounding of
# ``results.aggregation.q2_near``), for figures carried with 30 decimals or more.
_NEAR = "round({0} + CASE WHEN {0} >= 0 THEN 1e-25 ELSE -1e-25 END, 2)"

STATISTICS_SQL = f"""
WITH reviews AS MATERIALIZED (
    -- t: the total in hundredths of a point.
    SELECT a.application_id AS app, a.reviewer_id AS reviewer, (a.total * 100)::bigint AS t
    FROM reviews_assignment a
    JOIN applications_application ap ON ap.id = a.application_id
    WHERE ap.track_id = %(track)s
      AND a.status = %(submitted)s
      AND ap.status <> ALL (%(excluded)s)
),
reviewer AS (
    -- n, s = Σt, root = √(n·Σt² − s²) = n·σ, and 1 / root when σ > 0.
    SELECT reviewer, n, s, root, CASE WHEN q > 0 THEN 1 / root END AS inverse
    FROM (
        SELECT reviewer, count(*) AS n, sum(t) AS s,
               count(*) * sum(t * t) - sum(t) * sum(t) AS q,
               sqrt(count(*) * sum(t * t) - sum(t) * sum(t) + {_SCALE_40}) AS root
        FROM reviews
        GROUP BY reviewer
    ) totals
),
panel AS (
    SELECT r.app,
           count(*)::integer AS n,
           sum(r.t) AS s,
           min(r.t) AS lo,
           max(r.t) AS hi,
           count(*) * sum(r.t * r.t) - sum(r.t) * sum(r.t) AS q,
           -- Σz; a reviewer without a spread has no inverse and adds nothing (z = 0).
           coalesce(sum((v.n * r.t - v.s) * v.inverse), 0) AS zs,
           array_agg(r.t ORDER BY r.t) AS sorted,
           -- The panel's mean carried to 30 decimals, once per panel.
           (sum(r.t) + {_SCALE_30}) / count(*) AS mean
    FROM reviews r
    JOIN reviewer v USING (reviewer)
    GROUP BY r.app
),
reviewer_stat AS (
    SELECT v.reviewer, v.n,
           round(v.s / (100 * v.n), 2) AS mean_total,
           round(v.root / (100 * v.n), 2) AS std_total,
           {_NEAR.format("(v.s - o.panel_means) / (100 * v.n)")} AS mean_offset
    FROM reviewer v
    JOIN (
        -- Σ(own total − panel mean) = Σt − Σ panel means, both sums exact.
        SELECT r.reviewer, sum(p.mean) AS panel_means
        FROM reviews r
        JOIN panel p USING (app)
        GROUP BY r.reviewer
    ) o USING (reviewer)
),
outlier AS (
    SELECT DISTINCT app
    FROM reviews
    WHERE reviewer IN (
        SELECT reviewer FROM reviewer_stat WHERE abs(mean_offset) > %(offset_threshold)s
    )
)
SELECT 0 AS kind,
       ap.id,
       ap.submitted_at,
       coalesce(p.n, 0) AS n,
       round(p.s / (100 * p.n), 2) AS mean,
       CASE WHEN p.n >= 3 THEN round((p.s - p.lo - p.hi) / (100 * (p.n - 2)), 2) END
           AS trimmed_mean,
       round((p.sorted[(p.n + 1) / 2] + p.sorted[p.n / 2 + 1]) / 200.0, 2) AS median,
       {_NEAR.format("(50 + 10 * p.zs / p.n)")} AS normalised,
       round((p.hi - p.lo) / 100.0, 2) AS spread,
       round(sqrt(p.q + {_SCALE_20}) / (100 * p.n), 2) AS std_dev,
       NULL::numeric AS mean_offset,
       ap.id IN (SELECT app FROM outlier) AS flagged
FROM applications_application ap
LEFT JOIN panel p ON p.app = ap.id
WHERE ap.track_id = %(track)s
  AND ap.status <> ALL (%(excluded)s)
  AND (ap.status = ANY (%(review_statuses)s) OR p.app IS NOT NULL)
UNION ALL
SELECT 1, reviewer, NULL, n, mean_total, NULL, NULL, NULL, NULL, std_total, mean_offset,
       abs(mean_offset) > %(offset_threshold)s
FROM reviewer_stat
ORDER BY 1, 2
"""
"""One row per application (``kind`` 0: id, submitted_at, n, mean, trimmed_mean, median,
normalised, spread, std_dev, —, has a flagged reviewer), then one per reviewer (``kind`` 1:
id, —, review count, mean, —, —, —, —, standard deviation, mean offset, flagged), each in
id order. Applications under review without a submitted review have n = 0 and no figures."""


def criterion_means_sql(criterion_count: int) -> str:
    """One pass over the track's submitted reviews, grouped by application: for each of the
    ``criterion_count`` criteria (parameters ``criterion_0`` …, criterion ids as text), the
    mean points rounded to two places half up, as text (the text ``str(Decimal.quantize(…))``
    gives), or NULL.

    Each review's points come from its copy in ``points_by_criterion`` (criterion id → points
    in tenths, written with the total when the review is submitted): one row per review
    (50,000 on a large track) instead of one per score (400,000). A submitted review without
    the copy (rows written outside the scoring service) is read from its score rows instead;
    ``OFFSET 0`` keeps that choice to one evaluation per review rather than one per
    criterion.

    The pass sums whole tenths (``integer``, added up as ``bigint``) and counts the points
    given; the one division per criterion and application is the division ``AVG`` makes over
    the score rows, to the same precision, rounded half away from zero like
    ``ROUND_HALF_UP``."""
    values = "".join(
        f",\n           (r.points ->> %(criterion_{i})s)::integer AS v{i}"
        for i in range(criterion_count)
    )
    means = "".join(
        f",\n       round(sum(v{i}) / (10.0 * nullif(count(v{i}), 0)), 2)::text"
        for i in range(criterion_count)
    )
    return f"""
SELECT application_id{means}
FROM (
    -- Each criterion's points taken out of the review's copy once (OFFSET 0: not once per
    -- use in the sums and counts above).
    SELECT r.application_id{values}
    FROM (
        SELECT a.application_id,
               coalesce(a.points_by_criterion, (
                   SELECT jsonb_object_agg(s.criterion_id::text, (s.points * 10)::integer)
                   FROM reviews_score s
                   WHERE s.assignment_id = a.id AND s.points IS NOT NULL
               )) AS points
        FROM reviews_assignment a
        JOIN applications_application ap ON ap.id = a.application_id
        WHERE ap.track_id = %(track)s
          AND a.status = %(submitted)s
          AND ap.status <> ALL (%(excluded)s)
        OFFSET 0
    ) r
    OFFSET 0
) review_points
GROUP BY application_id
"""
