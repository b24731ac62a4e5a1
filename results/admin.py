"""The back office for results: read-only aggregates and decisions (decisions are made, with their
recorded reasons, on the staff screens)."""

from django.contrib import admin

from projects.admin import ReadOnlyPortalAdmin, krw_column
from results.models import ApplicationResult, Decision, ReviewerTrackStat


@admin.register(ApplicationResult)
class ApplicationResultAdmin(ReadOnlyPortalAdmin):
    track_scope = "track"
    list_display = [
        "application",
        "track",
        "rank",
        "official_score",
        "trimmed_mean",
        "mean",
        "median",
        "normalised",
        "spread",
        "reviewer_count",
        "flags",
    ]
    list_filter = ["track__kind", "track__call__year"]
    search_fields = ["application__reference", "application__title"]
    list_select_related = ["application", "track__call"]
    ordering = ["track", "rank"]


@admin.register(ReviewerTrackStat)
class ReviewerTrackStatAdmin(ReadOnlyPortalAdmin):
    track_scope = "track"
    list_display = [
        "reviewer",
        "track",
        "review_count",
        "mean_total",
        "std_total",
        "mean_offset",
        "flagged",
    ]
    list_filter = ["flagged", "track__kind"]
    search_fields = ["reviewer__email", "reviewer__name"]
    list_select_related = ["reviewer", "track__call"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyPortalAdmin):
    track_scope = "track"
    list_display = [
        "application",
        "track",
        "outcome",
        "proposed_outcome",
        krw_column(Decision, "amount"),
        "reserve_rank",
        "confirmed_at",
        "released_at",
    ]
    list_filter = ["outcome", "track__kind", "track__call__year"]
    search_fields = ["application__reference", "application__title"]
    list_select_related = ["application", "track__call"]
