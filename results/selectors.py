"""Reads for results: the ranking board, justifications, decisions and awards, with the track
visibility of ``projects.selectors.staff_tracks`` applied. Pages and exports share them."""

from __future__ import annotations

import string
from collections import defaultdict
from datetime import datetime

from django.db.models import F, Max, Q, QuerySet
from django.http import Http404

from applications.models import Application
from projects.models import Track
from projects.selectors import staff_tracks
from results.models import ApplicationResult, Decision, ReviewerTrackStat
from reviews.models import Assignment, Criterion, Job, Score

# Sort keys the board accepts → order_by clauses (the rank breaks remaining ties).
BOARD_SORTS = {
    "rank": ["rank", "application_id"],
    "mean": ["-mean", "rank"],
    "trimmed_mean": ["-trimmed_mean", "rank"],
    "median": ["-median", "rank"],
    "normalised": ["-normalised", "rank"],
    "spread": ["-spread", "rank"],
    "reviewers": ["reviewer_count", "rank"],
    "country": ["application__country__name", "rank"],
}


def results_tracks_for_user(user) -> QuerySet[Track]:
    """Tracks whose results the user may see (programme admins all, secretariat staff theirs)."""
    return (
        staff_tracks(user)
        .select_related("call", "secretariat")
        .order_by("-call__year", "call", "order")
    )


def results_track_for_user(user, track_id) -> Track:
    """One track the user may see, or 404 (no hint that another secretariat's track exists)."""
    track = results_tracks_for_user(user).filter(pk=track_id).first()
    if track is None:
        raise Http404
    return track


def ranking_for_track(
    track: Track, *, sort: str = "rank", flag: str = "", q: str = "", country: str = ""
) -> QuerySet[ApplicationResult]:
    """The track's aggregated results in board order, with application, country, city,
    organisation and decision joined (one query per page, whatever the page size)."""
    qs = ApplicationResult.objects.filter(track=track).select_related(
        "application__country",
        "application__city",
        "application__organization",
        "application__decision",
    )
    if flag:
        qs = qs.filter(flags__icontains=flag)
    if q:
        qs = qs.filter(
            Q(application__title__icontains=q)
            | Q(application__reference__icontains=q)
            | Q(application__organization__name__icontains=q)
        )
    if country:
        qs = qs.filter(application__country__code=country)
    order = BOARD_SORTS.get(sort, BOARD_SORTS["rank"])
    if order[0] == "rank":
        # Unranked (no official score) rows last on every database.
        from django.db.models import F

        return qs.order_by(F("rank").asc(nulls_last=True), "application_id")
    return qs.order_by(*order)


def criteria_for_track(track: Track) -> list[Criterion]:
    return list(Criterion.objects.filter(track=track).order_by("order", "id"))


def reviewer_label(index: int) -> str:
    """Reviewer A, B, … Z, AA, AB … — stable per application (ordered by assignment id)."""
    letters = string.ascii_uppercase
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = letters[rest] + label
    return label


def reviews_for_results(application_ids: list[int]) -> dict[int, list[dict]]:
    """Submitted reviews of the given applications with their scores and justifications,
    each labelled "A", "B", … (the reviewer's name is attached but only shown on request).
    Two queries, whatever the number of applications."""
    assignments = (
        Assignment.objects.filter(
            application_id__in=application_ids, status=Assignment.Status.SUBMITTED
        )
        .select_related("reviewer")
        .order_by("application_id", "id")
    )
    scores = defaultdict(list)
    for score in (
        Score.objects.filter(assignment__in=assignments)
        .select_related("criterion")
        .order_by("criterion__order", "criterion_id")
    ):
        scores[score.assignment_id].append(score)
    reviews: dict[int, list[dict]] = defaultdict(list)
    for assignment in assignments:
        index = len(reviews[assignment.application_id])
        reviews[assignment.application_id].append(
            {
                "label": reviewer_label(index),
                "reviewer": assignment.reviewer,
                "reviewer_id": assignment.reviewer_id,
                "total": assignment.total,
                "recommendation": assignment.get_recommendation_display(),
                "comment": assignment.overall_comment,
                "scores": scores[assignment.pk],
            }
        )
    return reviews


def reviewer_stats_for_track(track: Track):
    return (
        ReviewerTrackStat.objects.filter(track=track)
        .select_related("reviewer")
        .order_by("-flagged", "mean_offset")
    )


def latest_job(track: Track) -> Job | None:
    return (
        Job.objects.filter(track=track, kind=Job.Kind.AGGREGATE)
        .order_by("-created_at", "-id")
        .first()
    )


def last_complete_aggregation(track: Track) -> Job | None:
    """The track's latest aggregation job that finished: the run whose figures the board shows
    (a run that failed or was killed wrote nothing, ``aggregate_track`` writes in one
    transaction)."""
    return (
        Job.objects.filter(track=track, kind=Job.Kind.AGGREGATE, status=Job.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


def results_computed_at(track: Track) -> datetime | None:
    """When the track's figures were last computed: the newest ``ApplicationResult.computed_at``,
    or None when the track has no results. Counts results written with or without a ``Job``
    (the demo seed aggregates through the service directly). One query."""
    return ApplicationResult.objects.filter(track=track).aggregate(latest=Max("computed_at"))[
        "latest"
    ]


def decisions_for_track(track: Track) -> QuerySet[Decision]:
    """The track's decisions in ranking order, with application, result and people joined."""
    return (
        Decision.objects.filter(track=track)
        .select_related(
            "application__country",
            "application__city",
            "application__organization",
            "application__result",
            "confirmed_by",
            "decided_by",
        )
        # The unscored (no rank) after the ranked, on every database (SQLite puts nulls first).
        .order_by(F("application__result__rank").asc(nulls_last=True), "application_id")
    )


def applications_for_export(user, track: Track) -> QuerySet[Application]:
    """The track's submitted applications (never drafts) for an export, staff only."""
    results_track_for_user(user, track.pk)
    return (
        Application.objects.filter(track=track)
        .exclude(status=Application.Status.DRAFT)
        .select_related("country", "city", "organization", "track", "call")
        .order_by("reference", "id")
    )


# --- Work waiting for the secretariat (the staff home's queues) -------------------------


def decisions_to_confirm(user) -> QuerySet[Decision]:
    """Proposed decisions on the user's tracks that a programme admin has not confirmed."""
    return Decision.objects.filter(track__in=staff_tracks(user), confirmed_at__isnull=True)


def decisions_to_release(user) -> QuerySet[Decision]:
    """Confirmed decisions on the user's tracks not yet released to the applicants."""
    return Decision.objects.filter(
        track__in=staff_tracks(user), confirmed_at__isnull=False, released_at__isnull=True
    )
