"""API for review and results: public criteria; the reviewer's own assignments with conflict
declarations and scores; staff screening, rankings, decisions and awards.

Rows come from ``reviews.selectors`` / ``reviews.results_selectors`` and writes call the review,
selection and award services, as the pages do. Reviewers see only their own work; applicants
never reach these endpoints' data (no reviewer identity, no raw score, no unreleased decision).
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from applications.api import ApplicationSerializer, ApplicationViewSet
from applications.models import Application
from applications.selectors import applications_for_user
from kcity.api.viewsets import PortalGenericViewSet, PortalReadOnlyViewSet, PublicReadOnlyViewSet
from projects.models import Track
from projects.selectors import public_calls

from . import aggregation, awards, results_selectors, selection, selectors, services
from .models import (
    ApplicationResult,
    Assignment,
    Award,
    ConflictDeclaration,
    Criterion,
    Decision,
    Job,
    Score,
)

# --- Staff screening on the application resource --------------------------------------------


class ScreenSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Required when ineligible; the applicant sees it."),
    )


@extend_schema_view(
    screen=extend_schema(
        summary=_("Screen eligibility (staff of the track)"),
        tags=["applications: staff"],
        request=ScreenSerializer,
        responses={200: ApplicationSerializer},
        examples=[
            OpenApiExample(
                "Ineligible",
                request_only=True,
                value={"eligible": False, "reason": "The applicant is not a public body."},
            )
        ],
    )
)
class ReviewApplicationViewSet(ApplicationViewSet):
    """Applications, with the eligibility screening of the review app."""

    object_permission_required = {
        **ApplicationViewSet.object_permission_required,
        "screen": "applications.screen_application",
    }

    @action(detail=True, methods=["post"])
    def screen(self, request, pk=None):
        application = self.get_object()
        serializer = ScreenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.screen_application(
            application=application, actor=request.user, **serializer.validated_data
        )
        return self._reply(application)


# --- Criteria (public) ----------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = [
            "id",
            "track",
            "code",
            "name",
            "name_ko",
            "description",
            "description_ko",
            "max_points",
            "weight",
            "threshold",
            "order",
        ]


class CriterionFilter(django_filters.FilterSet):
    call = django_filters.CharFilter(field_name="track__call__slug", help_text=_("Call slug."))

    class Meta:
        model = Criterion
        fields = ["track", "call"]


@extend_schema_view(
    list=extend_schema(summary=_("List scoring criteria of published calls"), tags=["programme"]),
    retrieve=extend_schema(summary=_("Get a criterion"), tags=["programme"]),
)
class CriterionViewSet(PublicReadOnlyViewSet):
    """The criteria and points each track is scored on (public, as on the call page)."""

    serializer_class = CriterionSerializer
    filterset_class = CriterionFilter
    ordering_fields = ["order"]
    ordering = ["track", "order", "pk"]

    def get_queryset(self):
        return Criterion.objects.filter(track__call__in=public_calls().values("pk"))


# --- The reviewer's assignments -------------------------------------------------------------


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Score
        fields = ["criterion", "points", "max_points", "justification"]


class AssignmentApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    track = serializers.IntegerField(source="track_id")
    call = serializers.CharField(source="track.call.slug")


class AssignmentSerializer(serializers.ModelSerializer):
    """The reviewer's own assignment and review; never another reviewer's."""

    application = AssignmentApplicationSerializer(read_only=True)
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "application",
            "status",
            "due_at",
            "recommendation",
            "confidence",
            "overall_comment",
            "total",
            "submitted_at",
            "scores",
        ]
        # Output only (writes have their own serializers). Not marked read-only on purpose:
        # DRF then drops allow_blank/allow_null, and the schema would forbid the "" and null
        # that blank choice fields really return.


class AssignmentFilter(django_filters.FilterSet):
    track = django_filters.NumberFilter(field_name="application__track_id")
    call = django_filters.CharFilter(field_name="application__call__slug")

    class Meta:
        model = Assignment
        fields = ["status", "track", "call"]


class DeclarationSerializer(serializers.Serializer):
    has_conflict = serializers.BooleanField()
    kind = serializers.ChoiceField(
        choices=ConflictDeclaration.Kind.choices,
        required=False,
        allow_blank=True,
        help_text=_("Required when has_conflict is true."),
    )
    details = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Assignment.DeclineReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    justification = serializers.CharField(allow_blank=True, max_length=20000, required=False)


class ReviewInputSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(many=True)
    recommendation = serializers.ChoiceField(
        choices=Assignment.Recommendation.choices, required=False, allow_blank=True
    )
    confidence = serializers.ChoiceField(
        choices=Assignment.Confidence.choices, required=False, allow_null=True
    )
    overall_comment = serializers.CharField(required=False, allow_blank=True, max_length=20000)

    def service_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "scores": {
                row["criterion"]: (row["points"], row.get("justification", ""))
                for row in data["scores"]
            },
            "recommendation": data.get("recommendation", ""),
            "confidence": data.get("confidence"),
            "overall_comment": data.get("overall_comment", ""),
        }


REVIEW_EXAMPLE = OpenApiExample(
    "Review",
    request_only=True,
    value={
        "scores": [
            {
                "criterion": 1,
                "points": "25.5",
                "justification": "Feasible plan; land is available and the city committed.",
            }
        ],
        "recommendation": "fund",
        "confidence": 3,
        "overall_comment": "A strong proposal.",
    },
)


@extend_schema_view(
    list=extend_schema(summary=_("List my review assignments"), tags=["review"]),
    retrieve=extend_schema(summary=_("Get one of my assignments"), tags=["review"]),
    declare_conflict=extend_schema(
        summary=_("Declare whether I have a conflict of interest"),
        description=_(
            "Before reading the application. A conflict moves the assignment to conflict and "
            "hides the application for good; a declaration cannot be changed."
        ),
        tags=["review"],
        request=DeclarationSerializer,
        responses={200: AssignmentSerializer},
        examples=[OpenApiExample("No conflict", request_only=True, value={"has_conflict": False})],
    ),
    decline=extend_schema(
        summary=_("Decline the assignment"),
        tags=["review"],
        request=DeclineSerializer,
        responses={200: AssignmentSerializer},
    ),
    save_scores=extend_schema(
        summary=_("Save a draft of my scores"),
        description=_("Points may still be empty; nothing is visible to anyone else."),
        tags=["review"],
        request=ReviewInputSerializer,
        responses={200: AssignmentSerializer},
        examples=[REVIEW_EXAMPLE],
    ),
    submit=extend_schema(
        summary=_("Submit my review"),
        description=_(
            "Every criterion scored with a justification, a recommendation and a confidence. "
            "The review is then locked; field errors name points_<criterion id> and "
            "justification_<criterion id>."
        ),
        tags=["review"],
        request=ReviewInputSerializer,
        responses={200: AssignmentSerializer},
        examples=[REVIEW_EXAMPLE],
    ),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalGenericViewSet):
    """The logged-in reviewer's own assignments, with their own scores only."""

    queryset = Assignment.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["due_at", "assigned_at"]
    ordering = ["due_at", "pk"]
    object_permission_required = {
        "retrieve": "reviews.view_assignment",
        "declare_conflict": "reviews.declare_conflict",
        "decline": "reviews.view_assignment",
        "save_scores": "reviews.score_assignment",
        "submit": "reviews.score_assignment",
    }

    def get_queryset(self):
        return selectors.assignments_for_reviewer(self.request.user).prefetch_related(
            Prefetch("scores", queryset=Score.objects.order_by("criterion__order", "criterion_id"))
        )

    def _reply(self, assignment):
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data)

    @action(detail=True, methods=["post"], url_path="declare-conflict")
    def declare_conflict(self, request, pk=None):
        assignment = self.get_object()
        serializer = DeclarationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.declare_conflict(
            assignment=assignment, actor=request.user, **serializer.validated_data
        )
        if assignment.status == Assignment.Status.CONFLICT:
            # The reviewer no longer sees the application; answer with what they declared.
            return Response(self.get_serializer(assignment).data)
        return self._reply(assignment)

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        assignment = self.get_object()
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.decline_assignment(
            assignment=assignment, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(assignment).data)

    @action(detail=True, methods=["post"], url_path="save-scores")
    def save_scores(self, request, pk=None):
        assignment = self.get_object()
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.save_review_draft(
            assignment=assignment, actor=request.user, **serializer.service_kwargs()
        )
        return self._reply(assignment)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assignment = self.get_object()
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.submit_review(
            assignment=assignment, actor=request.user, **serializer.service_kwargs()
        )
        return self._reply(assignment)


class ConflictDeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConflictDeclaration
        fields = ["id", "application", "has_conflict", "kind", "details", "source", "declared_at"]


class ConflictDeclarationFilter(django_filters.FilterSet):
    class Meta:
        model = ConflictDeclaration
        fields = ["application", "has_conflict"]


@extend_schema_view(
    list=extend_schema(summary=_("List my conflict-of-interest declarations"), tags=["review"]),
    retrieve=extend_schema(summary=_("Get one of my declarations"), tags=["review"]),
)
class ConflictDeclarationViewSet(PortalReadOnlyViewSet):
    """The logged-in reviewer's own declarations (declared, detected or recorded by staff)."""

    queryset = ConflictDeclaration.objects.none()
    serializer_class = ConflictDeclarationSerializer
    filterset_class = ConflictDeclarationFilter
    ordering_fields = ["declared_at"]
    ordering = ["-declared_at", "pk"]
    object_permission_required = {"retrieve": None}

    def get_queryset(self):
        return ConflictDeclaration.objects.filter(reviewer=self.request.user)


# --- Results, decisions and awards (staff) --------------------------------------------------


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


class StaffTrackFilter(django_filters.FilterSet):
    """Filters shared by the staff lists of one track's results, decisions and awards."""

    track = django_filters.NumberFilter(field_name="track_id", help_text=_("Id of the track."))
    call = django_filters.CharFilter(field_name="track__call__slug", help_text=_("Call slug."))
    year = django_filters.NumberFilter(field_name="track__call__year")


class ResultFilter(StaffTrackFilter):
    country = django_filters.CharFilter(
        field_name="application__country__code", lookup_expr="iexact"
    )
    flag = django_filters.CharFilter(field_name="flags", lookup_expr="icontains")

    class Meta:
        model = ApplicationResult
        fields = ["track", "call", "year", "country", "flag"]


@extend_schema_view(
    list=extend_schema(
        summary=_("Rankings: aggregated results of your tracks"),
        description=_(
            "Filter by track for one track's ranking (ordered by rank, unranked last). "
            "Programme admins see every track, secretariat staff their own; others see nothing."
        ),
        tags=["results: staff"],
    ),
    retrieve=extend_schema(summary=_("Get one aggregated result"), tags=["results: staff"]),
)
class ResultViewSet(PortalReadOnlyViewSet):
    queryset = ApplicationResult.objects.none()
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    ordering_fields = ["rank", "official_score", "spread"]
    ordering = ["track", "rank", "pk"]
    object_permission_required = {"retrieve": None}

    def get_queryset(self):
        tracks = results_selectors.results_tracks_for_user(self.request.user)
        return ApplicationResult.objects.filter(track__in=tracks.values("pk")).select_related(
            "application__country", "application__organization"
        )


class DecisionSerializer(serializers.ModelSerializer):
    application = ResultApplicationSerializer(read_only=True)

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
        ]


class DecisionChangeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    reason = serializers.CharField(max_length=5000, help_text=_("Why the proposal changes."))
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text=_("KRW, for a selection.")
    )
    committee_summary = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=20000
    )


class DecisionFilter(StaffTrackFilter):
    class Meta:
        model = Decision
        fields = ["track", "call", "year", "outcome"]


@extend_schema_view(
    list=extend_schema(summary=_("Funding decisions of your tracks"), tags=["results: staff"]),
    retrieve=extend_schema(summary=_("Get one decision"), tags=["results: staff"]),
    change=extend_schema(
        summary=_("Change a decision, with a reason"),
        description=_(
            "Before release. A change after confirmation withdraws the confirmation; a "
            "selection must fit the per-project range and the track budget."
        ),
        tags=["results: staff"],
        request=DecisionChangeSerializer,
        responses={200: DecisionSerializer},
        examples=[
            OpenApiExample(
                "Reserve",
                request_only=True,
                value={"outcome": "reserve", "reason": "The site is not ready yet."},
            )
        ],
    ),
)
class DecisionViewSet(PortalReadOnlyViewSet):
    queryset = Decision.objects.none()
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    ordering_fields = ["reserve_rank", "amount"]
    ordering = ["track", "outcome", "pk"]
    # The rows are the user's tracks already; the selection service refuses anyone else (403).
    object_permission_required = {"retrieve": None, "change": None}

    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        decision = self.get_object()
        serializer = DecisionChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = selection.change_decision(
            decision=decision, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=decision.pk)).data)

    @staticmethod
    def base_queryset():
        return Decision.objects.select_related("application__country", "application__organization")

    def get_queryset(self):
        tracks = results_selectors.results_tracks_for_user(self.request.user)
        return self.base_queryset().filter(track__in=tracks.values("pk"))


class AwardSerializer(serializers.ModelSerializer):
    application = ResultApplicationSerializer(read_only=True)
    track = serializers.IntegerField(source="application.track_id", read_only=True)
    project = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "track",
            "application",
            "project",
            "amount",
            "status",
            "cancelled_reason",
            "created_at",
            "updated_at",
        ]


class AwardFilter(django_filters.FilterSet):
    track = django_filters.NumberFilter(field_name="application__track_id")
    call = django_filters.CharFilter(field_name="application__call__slug")
    year = django_filters.NumberFilter(field_name="application__call__year")

    class Meta:
        model = Award
        fields = ["track", "call", "year", "status"]


class AwardCreateSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(
        queryset=Application.objects.none(),
        help_text=_("A selected application of your track whose decision is released."),
    )
    amount = serializers.IntegerField(min_value=1, help_text=_("KRW, within the track's range."))


class AwardMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Award.Status.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Required to cancel; the next reserve application is then offered funding."),
    )


@extend_schema_view(
    list=extend_schema(summary=_("Funding awards of your tracks"), tags=["results: staff"]),
    retrieve=extend_schema(summary=_("Get one award"), tags=["results: staff"]),
    create=extend_schema(
        summary=_("Award funding to a selected application"),
        description=_("Creates the award (proposed) and the funded project."),
        tags=["results: staff"],
        request=AwardCreateSerializer,
        responses={201: AwardSerializer},
        examples=[
            OpenApiExample(
                "Award", request_only=True, value={"application": 41, "amount": 450000000}
            )
        ],
    ),
    move=extend_schema(
        summary=_("Move an award along its lifecycle"),
        description=_(
            "proposed → approved → contracted → in_progress → completed, or cancelled with a "
            "reason (the reserve list is then offered the funding)."
        ),
        tags=["results: staff"],
        request=AwardMoveSerializer,
        responses={200: AwardSerializer},
        examples=[OpenApiExample("Approve", request_only=True, value={"to": "approved"})],
    ),
)
class AwardViewSet(mixins.CreateModelMixin, PortalReadOnlyViewSet):
    queryset = Award.objects.none()
    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    ordering_fields = ["amount", "created_at"]
    ordering = ["-created_at", "pk"]
    # The rows are the user's tracks already; the award services refuse anyone else (403).
    object_permission_required = {"retrieve": None, "move": None}

    def get_queryset(self):
        return results_selectors.awards_for_user(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = AwardCreateSerializer(data=request.data)
        # Only applications the user may see: another track's id is "does not exist" (400).
        serializer.fields["application"].queryset = applications_for_user(request.user)
        serializer.is_valid(raise_exception=True)
        award = awards.award_funding(actor=request.user, **serializer.validated_data)
        award = self.get_queryset().get(pk=award.pk)
        return Response(self.get_serializer(award).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        award = self.get_object()
        serializer = AwardMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to, reason = serializer.validated_data["to"], serializer.validated_data.get("reason", "")
        if to == Award.Status.CANCELLED:
            award, _promoted = awards.cancel_award(award=award, reason=reason, actor=request.user)
        else:
            award = awards.advance_award(award=award, to=to, actor=request.user, reason=reason)
        award = self.get_queryset().get(pk=award.pk)
        return Response(self.get_serializer(award).data, status=status.HTTP_200_OK)


# --- Track-level results work (staff) -------------------------------------------------------


class StaffTrackSerializer(serializers.ModelSerializer):
    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Track
        fields = ["id", "call", "kind", "code", "name", "total_budget", "official_aggregate"]


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


@extend_schema_view(
    list=extend_schema(summary=_("Tracks whose results you run"), tags=["results: staff"]),
    retrieve=extend_schema(summary=_("Get one of your tracks"), tags=["results: staff"]),
    aggregate=extend_schema(
        summary=_("Aggregate the track's scores (a background job)"),
        description=_("Answers 202 with the job; poll /api/v1/jobs/{id}/ for its progress."),
        tags=["results: staff"],
        request=None,
        responses={202: JobSerializer},
    ),
    propose_funding_line=extend_schema(
        summary=_("Propose the funding line down the ranking"),
        description=_("Within the track budget and per-project ceiling; tells nobody."),
        tags=["results: staff"],
        request=None,
        responses={200: DecisionSerializer(many=True)},
    ),
    confirm_decisions=extend_schema(
        summary=_("Confirm the track's decisions (programme admins)"),
        tags=["results: staff"],
        request=None,
        responses={200: CountSerializer},
    ),
    release_decisions=extend_schema(
        summary=_("Release the track's decisions to the applicants (programme admins)"),
        tags=["results: staff"],
        request=None,
        responses={200: CountSerializer},
    ),
)
class StaffTrackViewSet(PortalReadOnlyViewSet):
    """The staff's track-level results work, through the aggregation and selection services."""

    queryset = Track.objects.none()
    serializer_class = StaffTrackSerializer
    filterset_class = StaffTrackFilterSet
    ordering_fields = ["order"]
    ordering = ["-call__year", "order", "pk"]
    object_permission_required = {
        "retrieve": None,
        "aggregate": "reviews.manage_track_reviews",
        "propose_funding_line": "reviews.manage_track_reviews",
        # The services refuse anyone but a programme admin (403).
        "confirm_decisions": "reviews.manage_track_reviews",
        "release_decisions": "reviews.manage_track_reviews",
    }

    def get_queryset(self):
        return results_selectors.results_tracks_for_user(self.request.user)

    @action(detail=True, methods=["post"])
    def aggregate(self, request, pk=None):
        job = aggregation.start_aggregation(track=self.get_object(), actor=request.user)
        job.refresh_from_db()
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"], url_path="propose-funding-line")
    def propose_funding_line(self, request, pk=None):
        track = self.get_object()
        selection.propose_funding_line(track=track, actor=request.user)
        decisions = DecisionViewSet.base_queryset().filter(track=track).order_by("pk")
        return Response(DecisionSerializer(decisions, many=True).data)

    @action(detail=True, methods=["post"], url_path="confirm-decisions")
    def confirm_decisions(self, request, pk=None):
        count = selection.confirm_decisions(track=self.get_object(), actor=request.user)
        return Response({"count": count})

    @action(detail=True, methods=["post"], url_path="release-decisions")
    def release_decisions(self, request, pk=None):
        count = selection.release_decisions(track=self.get_object(), actor=request.user)
        return Response({"count": count})


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = Job
        fields = ["track", "kind", "status"]


@extend_schema_view(
    list=extend_schema(summary=_("Background jobs of your tracks"), tags=["results: staff"]),
    retrieve=extend_schema(summary=_("A job's progress"), tags=["results: staff"]),
)
class JobViewSet(PortalReadOnlyViewSet):
    queryset = Job.objects.none()
    serializer_class = JobSerializer
    filterset_class = JobFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "pk"]
    object_permission_required = {"retrieve": None}

    def get_queryset(self):
        tracks = results_selectors.results_tracks_for_user(self.request.user)
        return Job.objects.filter(track__in=tracks.values("pk"))
