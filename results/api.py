"""API for results (staff): rankings, decisions, the track-level aggregation and selection work,
and background jobs. Rows come from ``results.selectors`` or the user's staff tracks; writes call
the aggregation and selection services, as the pages do."""

import django_filters
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.filters import track_filterset
from core.api.schema import api_docs
from core.api.viewsets import (
    PortalReadOnlyViewSet,
)
from core.domain import REASON_MAX_LENGTH
from projects.api import StaffTrackRowsMixin
from projects.models import Track
from projects.rules import MANAGE_TRACK
from results import aggregation
from results import selectors as results_selectors
from results import services as selection
from results.models import ApplicationResult, Decision
from reviews.models import (
    Job,
)


class ResultApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    organization = serializers.CharField(source="organization.name")
    country = serializers.CharField(source="country.code", allow_null=True, default=None)


class ResultSerializer(serializers.ModelSerializer):
    application = ResultApplicationSerializer(read_only=True)

    class Meta:
        model = ApplicationResult
        fields = [
            "id",
            "track",
            "rank",
            "application",
            "official_score",
            "reviewer_count",
            "mean",
            "trimmed_mean",
            "median",
            "normalised",
            "spread",
            "std_dev",
            "criterion_means",
            "flags",
            "computed_at",
        ]


ResultFilter = track_filterset(
    ApplicationResult,
    country=django_filters.CharFilter(
        field_name="application__country__code", lookup_expr="iexact"
    ),
    flag=django_filters.CharFilter(field_name="flags", lookup_expr="icontains"),
)


@api_docs(
    list=extend_schema(
        summary=_("Rankings: aggregated results of your tracks"),
        description=_(
            "Filter by track for one track's ranking (ordered by rank, unranked last). "
            "Programme admins see every track, secretariat staff their own; others see nothing."
        ),
    ),
    retrieve=_("Get one aggregated result"),
)
class ResultViewSet(StaffTrackRowsMixin, PortalReadOnlyViewSet):
    """Aggregated results (rankings) of the user's tracks."""

    queryset = ApplicationResult.objects.select_related(
        "application__country", "application__organization"
    )
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    schema_tags = ["results: staff"]
    ordering_fields = ["rank", "official_score", "spread"]
    ordering = ["track", "rank", "pk"]


class DecisionSerializer(serializers.ModelSerializer):
    application = ResultApplicationSerializer(read_only=True)
    version = serializers.SerializerMethodField(
        help_text=_("The decision as read: send it back with a change (409 if it changed since).")
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "track",
            "application",
            "outcome",
            "proposed_outcome",
            "amount",
            "reserve_rank",
            "reason",
            "confirmed_at",
            "released_at",
            "version",
        ]

    def get_version(self, decision) -> str:
        return selection.decision_version(decision)


class DecisionChangeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text=_("Why the proposal changes.")
    )
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text=_("KRW, for a selection.")
    )
    # Limited by the service, and only when it changes (``COMMITTEE_SUMMARY_MAX_LENGTH``): the
    # portal's own summary may be longer and can be sent back as it was read.
    committee_summary = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=format_lazy(
            _("Sent to the applicant; an edited summary is at most {limit} characters."),
            limit=f"{selection.COMMITTEE_SUMMARY_MAX_LENGTH:,}",
        ),
    )
    version = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_(
            "The version you read: when someone changed the decision since, nothing changes "
            "and the answer is 409 changed_meanwhile. Without it the last change wins."
        ),
    )


DecisionFilter = track_filterset(Decision, fields=["outcome"])


@api_docs(
    list=_("Funding decisions of your tracks"),
    retrieve=_("Get one decision"),
    change=extend_schema(
        summary=_("Change a decision, with a reason"),
        description=_(
            "Before release. A change after confirmation withdraws the confirmation; a "
            "selection must fit the per-project range and the track budget."
        ),
        examples=[
            OpenApiExample(
                "Reserve",
                request_only=True,
                value={"outcome": "reserve", "reason": "The site is not ready yet."},
            )
        ],
    ),
)
class DecisionViewSet(StaffTrackRowsMixin, PortalReadOnlyViewSet):
    """Funding decisions of the user's tracks; changes go through the selection service."""

    queryset = Decision.objects.select_related("application__country", "application__organization")
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    schema_tags = ["results: staff"]
    ordering_fields = ["reserve_rank", "amount"]
    ordering = ["track", "outcome", "pk"]
    # The rows are the user's tracks already; the selection service refuses anyone else (403).
    object_permission_required = {"retrieve": None, "change": None}
    input_serializers = {"change": DecisionChangeSerializer}

    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        decision = selection.change_decision(
            decision=self.get_object(), actor=request.user, **self.validated_input()
        )
        return self.reply(decision)


class StaffTrackSerializer(serializers.ModelSerializer):
    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    decisions_version = serializers.SerializerMethodField(
        help_text=_(
            "The track's decisions as read (the selection page's version): send it back with "
            "propose-funding-line or confirm-decisions (409 if they changed since)."
        )
    )

    class Meta:
        model = Track
        fields = [
            "id",
            "call",
            "kind",
            "code",
            "name",
            "total_budget",
            "official_aggregate",
            "decisions_version",
        ]

    def get_decisions_version(self, track) -> str:
        return selection.decisions_version(track.decisions.all())


class DecisionsVersionSerializer(serializers.Serializer):
    version = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10000,
        help_text=_(
            "The track's decisions_version you read: when a decision was proposed or changed "
            "since, nothing is done and the answer is 409 changed_meanwhile. Without it the "
            "decisions are taken as they stand."
        ),
    )


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "track",
            "kind",
            "status",
            "done",
            "total",
            "percent",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("How many decisions were changed."))


class StaffTrackFilterSet(django_filters.FilterSet):
    call = django_filters.CharFilter(field_name="call__slug", help_text=_("Call slug."))
    year = django_filters.NumberFilter(field_name="call__year")

    class Meta:
        model = Track
        fields = ["call", "year", "kind"]


@api_docs(
    list=_("Tracks whose results you run"),
    retrieve=_("Get one of your tracks"),
    aggregate=extend_schema(
        summary=_("Aggregate the track's scores (a background job)"),
        description=_("Answers 202 with the job; poll /api/v1/jobs/{id}/ for its progress."),
        responses={202: JobSerializer},
    ),
    propose_funding_line=extend_schema(
        summary=_("Propose the funding line down the ranking"),
        description=_("Within the track budget and per-project ceiling; tells nobody."),
        responses={200: DecisionSerializer(many=True)},
    ),
    confirm_decisions=extend_schema(
        summary=_("Confirm the track's decisions (programme admins)"),
        responses={200: CountSerializer},
    ),
    release_decisions=extend_schema(
        summary=_("Release the track's decisions to the applicants (programme admins)"),
        responses={200: CountSerializer},
    ),
)
class StaffTrackViewSet(PortalReadOnlyViewSet):
    """The staff's track-level results work, through the aggregation and selection services."""

    queryset = Track.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = StaffTrackSerializer
    filterset_class = StaffTrackFilterSet
    schema_tags = ["results: staff"]
    ordering_fields = ["order"]
    ordering = ["-call__year", "order", "pk"]
    object_permission_required = {
        "retrieve": None,
        "aggregate": MANAGE_TRACK,
        "propose_funding_line": MANAGE_TRACK,
        # The services refuse anyone but a programme admin (403).
        "confirm_decisions": MANAGE_TRACK,
        "release_decisions": MANAGE_TRACK,
    }
    # As the selection page's two forms: the decisions as the client read them.
    input_serializers = {
        "propose_funding_line": DecisionsVersionSerializer,
        "confirm_decisions": DecisionsVersionSerializer,
    }

    def get_queryset(self):
        return results_selectors.results_tracks_for_user(self.request.user).prefetch_related(
            "decisions"
        )

    @action(detail=True, methods=["post"])
    def aggregate(self, request, pk=None):
        job = aggregation.start_aggregation(track=self.get_object(), actor=request.user)
        job.refresh_from_db()
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    # The whole line at once: not a page (nor filtered), whatever the viewset's lists do.
    @action(
        detail=True,
        methods=["post"],
        url_path="propose-funding-line",
        pagination_class=None,
        filter_backends=[],
    )
    def propose_funding_line(self, request, pk=None):
        track = self.get_object()
        version = self.validated_input().get("version") or None
        selection.propose_funding_line(track=track, actor=request.user, version=version)
        decisions = DecisionViewSet.queryset.filter(track=track).order_by("pk")
        return Response(DecisionSerializer(decisions, many=True).data)

    @action(detail=True, methods=["post"], url_path="confirm-decisions")
    def confirm_decisions(self, request, pk=None):
        track = self.get_object()
        version = self.validated_input().get("version") or None
        count = selection.confirm_decisions(track=track, actor=request.user, version=version)
        return Response({"count": count})

    @action(detail=True, methods=["post"], url_path="release-decisions")
    def release_decisions(self, request, pk=None):
        count = selection.release_decisions(track=self.get_object(), actor=request.user)
        return Response({"count": count})


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = Job
        fields = ["track", "kind", "status"]


@api_docs(
    list=_("Background jobs of your tracks"),
    retrieve=_("A job's progress"),
)
class JobViewSet(StaffTrackRowsMixin, PortalReadOnlyViewSet):
    """Background jobs (aggregation, assignment) of the user's tracks, with progress."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filterset_class = JobFilter
    schema_tags = ["results: staff"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "pk"]
