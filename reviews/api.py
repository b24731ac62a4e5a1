"""API for review and results: public criteria; the reviewer's own assignments with conflict
declarations and scores; staff screening, criteria, committee invitations, manual assignment,
rankings, decisions and awards.

Rows come from ``reviews.selectors`` / ``results.selectors`` (or the user's staff tracks,
``core.api.viewsets.StaffTrackRowsMixin``) and writes call the review, selection and award
services, as the pages do. Reviewers see only their own work; applicants never reach these
endpoints' data (no reviewer identity, no raw score, no unreleased decision).
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from accounts.rules import VIEW_STAFF_AREA
from applications.api import VisibleApplicationField
from core.api.filters import IdFilter, track_filterset
from core.api.schema import api_docs
from core.api.viewsets import (
    PortalGenericViewSet,
    PortalReadOnlyViewSet,
    PublicReadOnlyViewSet,
)
from core.domain import NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from projects.api import StaffFieldsMixin, StaffTrackField, StaffTrackRowsMixin
from projects.rules import MANAGE_TRACK
from projects.selectors import public_calls, staff_tracks
from reviews import selectors, services
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    ReviewerInvitation,
    Score,
)
from reviews.rules import SEE_OTHER_SCORES

# --- Staff screening on the application resource --------------------------------------------


# --- Criteria (public) ----------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    """A criterion as the public call page shows it: its name, guidance and points."""

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
            "order",
        ]


class StaffReadCriterionSerializer(CriterionSerializer):
    """A criterion with how the committee's scores are weighed and judged (staff only)."""

    class Meta(CriterionSerializer.Meta):
        fields = [*CriterionSerializer.Meta.fields[:-1], "weight", "threshold", "order"]


class CriterionFilter(django_filters.FilterSet):
    call = django_filters.CharFilter(field_name="track__call__slug", help_text=_("Call slug."))

    class Meta:
        model = Criterion
        fields = ["track", "call"]


@api_docs(
    list=_("List scoring criteria of published calls"),
    retrieve=_("Get a criterion"),
)
class CriterionViewSet(StaffFieldsMixin, PublicReadOnlyViewSet):
    """The criteria and points each track is scored on (public, as on the call page); staff
    also read each criterion's weight and threshold."""

    serializer_class = CriterionSerializer
    staff_serializer_class = StaffReadCriterionSerializer
    filterset_class = CriterionFilter
    schema_tags = ["programme"]
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


class OtherReviewScoreSerializer(serializers.Serializer):
    criterion = serializers.CharField(help_text=_("The criterion's name in your language."))
    points = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    max_points = serializers.DecimalField(max_digits=5, decimal_places=1)


class OtherReviewSerializer(serializers.Serializer):
    """Another reviewer's submitted review: numbered, never named."""

    label = serializers.CharField(help_text=_("Reviewer 1, 2… in the order they submitted."))
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    recommendation = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True)
    scores = serializers.SerializerMethodField()

    @extend_schema_field(OtherReviewScoreSerializer(many=True))
    def get_scores(self, review) -> list:
        return OtherReviewScoreSerializer(
            [{"criterion": n, "points": p, "max_points": m} for n, p, m in review.scores],
            many=True,
        ).data


AssignmentFilter = track_filterset(Assignment, path="application__track", fields=["status"])


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
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)


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

    def validate(self, attrs) -> dict:
        """The arguments of ``save_review_draft`` / ``submit_review``."""
        return {
            "scores": {
                row["criterion"]: (row["points"], row.get("justification", ""))
                for row in attrs["scores"]
            },
            "recommendation": attrs.get("recommendation", ""),
            "confidence": attrs.get("confidence"),
            "overall_comment": attrs.get("overall_comment", ""),
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


@api_docs(
    list=_("List my review assignments"),
    retrieve=_("Get one of my assignments"),
    declare_conflict=extend_schema(
        summary=_("Declare whether I have a conflict of interest"),
        description=_(
            "Before reading the application. A conflict moves the assignment to conflict and "
            "hides the application for good; a declaration cannot be changed."
        ),
        examples=[OpenApiExample("No conflict", request_only=True, value={"has_conflict": False})],
    ),
    decline=_("Decline the assignment"),
    other_reviews=extend_schema(
        summary=_("Other reviewers' submitted reviews of the same application"),
        description=_(
            "As the track's reviewer-visibility settings allow: never (403), after your own "
            "review is submitted, or always once you have declared no conflict. Reviewers "
            "are numbered, never named; drafts are never shown."
        ),
        responses={200: OtherReviewSerializer(many=True)},
    ),
    save_scores=extend_schema(
        summary=_("Save a draft of my scores"),
        description=_("Points may still be empty; nothing is visible to anyone else."),
        examples=[REVIEW_EXAMPLE],
    ),
    submit=extend_schema(
        summary=_("Submit my review"),
        description=_(
            "Every criterion scored with a justification, a recommendation and a confidence. "
            "The review is then locked; field errors name points_<criterion id> and "
            "justification_<criterion id>."
        ),
        examples=[REVIEW_EXAMPLE],
    ),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalGenericViewSet):
    """The logged-in reviewer's own assignments, with their own scores only."""

    queryset = Assignment.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    schema_tags = ["review"]
    ordering_fields = ["due_at", "assigned_at"]
    ordering = ["due_at", "pk"]
    object_permission_required = {
        "retrieve": "reviews.view_assignment",
        "declare_conflict": "reviews.declare_conflict",
        "decline": "reviews.view_assignment",
        "other_reviews": SEE_OTHER_SCORES,
        "save_scores": "reviews.score_assignment",
        "submit": "reviews.score_assignment",
    }
    input_serializers = {
        "declare_conflict": DeclarationSerializer,
        "decline": DeclineSerializer,
        "save_scores": ReviewInputSerializer,
        "submit": ReviewInputSerializer,
    }

    # The actions whose rule needs a current declaration of interests (reviews.rules).
    DECLARATION_ACTIONS = ("other_reviews", "save_scores", "submit")

    def permission_denied(self, request, message=None, code=None):
        """Say why when the refusal is a missing or expired declaration of interests."""
        if (
            self.action in self.DECLARATION_ACTIONS
            and request.user.is_authenticated
            and services.current_interest_declaration(request.user) is None
        ):
            message, code = services.DECLARATION_NEEDED, "declaration"
        super().permission_denied(request, message=message, code=code)

    def get_queryset(self):
        return selectors.assignments_for_reviewer(self.request.user).prefetch_related(
            Prefetch("scores", queryset=Score.objects.order_by("criterion__order", "criterion_id"))
        )

    @action(detail=True, methods=["post"], url_path="declare-conflict")
    def declare_conflict(self, request, pk=None):
        assignment = services.declare_conflict(
            assignment=self.get_object(), actor=request.user, **self.validated_input()
        )
        if assignment.status == Assignment.Status.CONFLICT:
            # The reviewer no longer sees the application; answer with what they declared.
            return Response(self.get_serializer(assignment).data)
        return self.reply(assignment)

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        assignment = services.decline_assignment(
            assignment=self.get_object(), actor=request.user, **self.validated_input()
        )
        # A declined assignment leaves the reviewer's rows: answer with the object itself.
        return Response(self.get_serializer(assignment).data)

    @action(
        detail=True,
        methods=["get"],
        url_path="other-reviews",
        pagination_class=None,
        filter_backends=[],
    )
    def other_reviews(self, request, pk=None):
        assignment = self.get_object()
        return Response(
            OtherReviewSerializer(selectors.other_reviews_for(assignment), many=True).data
        )

    @action(detail=True, methods=["post"], url_path="save-scores")
    def save_scores(self, request, pk=None):
        assignment = services.save_review_draft(
            assignment=self.get_object(), actor=request.user, **self.validated_input()
        )
        return self.reply(assignment)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assignment = services.submit_review(
            assignment=self.get_object(), actor=request.user, **self.validated_input()
        )
        return self.reply(assignment)


class ConflictDeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConflictDeclaration
        fields = ["id", "application", "has_conflict", "kind", "details", "source", "declared_at"]


class ConflictDeclarationFilter(django_filters.FilterSet):
    class Meta:
        model = ConflictDeclaration
        fields = ["application", "has_conflict"]


@api_docs(
    list=_("List my conflict-of-interest declarations"),
    retrieve=_("Get one of my declarations"),
)
class ConflictDeclarationViewSet(PortalReadOnlyViewSet):
    """The logged-in reviewer's own declarations (declared, detected or recorded by staff)."""

    queryset = ConflictDeclaration.objects.none()  # the model, for the schema
    serializer_class = ConflictDeclarationSerializer
    filterset_class = ConflictDeclarationFilter
    schema_tags = ["review"]
    ordering_fields = ["declared_at"]
    ordering = ["-declared_at", "pk"]

    def get_queryset(self):
        return ConflictDeclaration.objects.filter(reviewer=self.request.user)


# --- Committee and assignment work (staff of the track) -------------------------------------
#
# The staff pages under /staff/reviews/ ask ``projects.manage_track`` about the track;
# so do these endpoints, about the track of each row (or of the body's track or application
# for a new row). Another secretariat's rows are not found (404); a new row naming another
# secretariat's track or application is "does not exist" (400); a user who is not staff may not
# create anything (403).


class StaffCriterionSerializer(StaffReadCriterionSerializer):
    class Meta(StaffReadCriterionSerializer.Meta):
        fields = [*StaffReadCriterionSerializer.Meta.fields, "tiebreak_priority"]


class CriterionInputSerializer(serializers.ModelSerializer):
    """A criterion's editable fields, checked as the staff page's form checks them, with the
    track's uniqueness rules as field errors (the database would only refuse)."""

    class Meta:
        model = Criterion
        fields = list(Criterion.EDITABLE_FIELDS)
        validators = []  # the uniqueness rules are field errors, below

    # Field by field, so they come back together with the other fields' errors.
    def validate_max_points(self, value):
        return self._checked("max_points", value)

    def validate_weight(self, value):
        return self._checked("weight", value)

    @staticmethod
    def _checked(field, value):
        message = Criterion.value_errors(**{field: value}).get(field)
        if message:
            raise serializers.ValidationError(message)
        return value

    def validate(self, attrs):
        criterion = self.instance
        track = attrs.get("track") or criterion.track

        def value(name):
            return attrs[name] if name in attrs else getattr(criterion, name, None)

        errors = Criterion.value_errors(
            max_points=value("max_points"), threshold=value("threshold")
        )
        if errors:
            raise serializers.ValidationError({f: [m] for f, m in errors.items()})
        others = Criterion.objects.filter(track=track).exclude(pk=getattr(criterion, "pk", None))
        if "code" in attrs and others.filter(code=attrs["code"]).exists():
            raise serializers.ValidationError(
                {"code": _("Another criterion of this track has this code.")}
            )
        priority = attrs.get("tiebreak_priority")
        if priority is not None and others.filter(tiebreak_priority=priority).exists():
            raise serializers.ValidationError(
                {"tiebreak_priority": _("Another criterion of this track has this priority.")}
            )
        return attrs


class CriterionCreateSerializer(CriterionInputSerializer):
    track = StaffTrackField(help_text=_("Id of one of your tracks."))

    class Meta(CriterionInputSerializer.Meta):
        fields = ["track", *CriterionInputSerializer.Meta.fields]


StaffCriterionFilter = track_filterset(Criterion)


CRITERIA_LOCKED = _(
    "Only while the track's criteria are not locked (review started or a score given): "
    "otherwise 400 with code criteria_locked."
)


@api_docs(
    list=_("Criteria of your tracks, editable until review starts"),
    retrieve=_("Get one criterion of your tracks"),
    create=extend_schema(
        summary=_("Add a criterion to one of your tracks"),
        description=CRITERIA_LOCKED,
        examples=[
            OpenApiExample(
                "Feasibility",
                request_only=True,
                value={"track": 12, "code": "feasibility", "name": "Feasibility", "max_points": 30},
            )
        ],
    ),
    partial_update=extend_schema(summary=_("Change a criterion"), description=CRITERIA_LOCKED),
    destroy=extend_schema(summary=_("Delete a criterion"), description=CRITERIA_LOCKED),
)
class StaffCriterionViewSet(
    StaffTrackRowsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    PortalGenericViewSet,
):
    """Scoring criteria of the user's tracks, through the criteria services (audited)."""

    queryset = Criterion.objects.all()
    serializer_class = StaffCriterionSerializer
    filterset_class = StaffCriterionFilter
    schema_tags = ["review: staff"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["order"]
    ordering = ["track", "order", "pk"]
    permission_required = {"create": VIEW_STAFF_AREA}
    object_permission_required = {
        "retrieve": MANAGE_TRACK,
        "create": MANAGE_TRACK,
        "partial_update": MANAGE_TRACK,
        "destroy": MANAGE_TRACK,
    }
    input_serializers = {
        "create": CriterionCreateSerializer,
        "partial_update": CriterionInputSerializer,
    }
    # The staff page's fingerprint: a PATCH with If-Match is refused when one changed since.
    version_fields = tuple(Criterion.EDITABLE_FIELDS)

    def create(self, request, *args, **kwargs):
        data = dict(self.validated_input())
        track = data.pop("track")
        self.check_rule(track)
        criterion = services.save_criterion(
            criterion=Criterion(track=track, **data), actor=request.user
        )
        return self.reply(criterion, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        # Only PATCH reaches here (PUT is not offered).
        criterion = self.get_object()
        for name, value in self.validated_input(instance=criterion).items():
            setattr(criterion, name, value)
        return self.reply(
            services.save_criterion(
                criterion=criterion, actor=request.user, seen_version=self.seen_version()
            )
        )

    def destroy(self, request, *args, **kwargs):
        services.delete_criterion(criterion=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewerInvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewerInvitation
        # Never the token: the accept link is the invited expert's alone.
        fields = ["id", "track", "email", "name", "status", "created_at", "expires_at"]


class InvitationCreateSerializer(serializers.Serializer):
    track = StaffTrackField(help_text=_("Id of one of your tracks."))
    email = serializers.EmailField(help_text=_("The expert logs in with this address to accept."))
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)


ReviewerInvitationFilter = track_filterset(ReviewerInvitation, fields=["status"])


@api_docs(
    list=_("Committee invitations of your tracks"),
    retrieve=_("Get one committee invitation"),
    create=extend_schema(
        summary=_("Invite an expert to a track's committee"),
        description=_(
            "E-mails the expert a link to accept (valid 30 days). Refused for someone already "
            "on the committee or with an invitation waiting (400, errors.email)."
        ),
        examples=[
            OpenApiExample(
                "Invite",
                request_only=True,
                value={"track": 12, "email": "expert@university.ac.kr", "name": "Dr. Kim"},
            )
        ],
    ),
    revoke=_("Revoke a pending invitation; its link stops working"),
)
class ReviewerInvitationViewSet(
    StaffTrackRowsMixin, mixins.CreateModelMixin, PortalReadOnlyViewSet
):
    """Invitations to the review committees of the user's tracks, through the committee
    services (audited; the expert is e-mailed)."""

    queryset = ReviewerInvitation.objects.all()
    serializer_class = ReviewerInvitationSerializer
    filterset_class = ReviewerInvitationFilter
    schema_tags = ["review: staff"]
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "pk"]
    permission_required = {"create": VIEW_STAFF_AREA}
    object_permission_required = {
        "retrieve": MANAGE_TRACK,
        "create": MANAGE_TRACK,
        "revoke": MANAGE_TRACK,
    }
    input_serializers = {"create": InvitationCreateSerializer}

    def create(self, request, *args, **kwargs):
        data = dict(self.validated_input())
        self.check_rule(data["track"])
        invitation = services.invite_reviewer(actor=request.user, **data)
        return self.reply(invitation, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = services.revoke_invitation(invitation=self.get_object(), actor=request.user)
        return self.reply(invitation)


class ReviewerSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "name", "email"]


class CommitteeMemberSerializer(serializers.ModelSerializer):
    reviewer = ReviewerSerializer(read_only=True)

    class Meta:
        model = CommitteeMember
        fields = ["id", "track", "reviewer", "role", "joined_at"]


CommitteeMemberFilter = track_filterset(CommitteeMember, fields=["role"])


@api_docs(
    list=extend_schema(
        summary=_("Committee members of your tracks"),
        description=_("The reviewer ids to assign with /staff-assignments/."),
    ),
    retrieve=_("Get one committee member"),
    destroy=extend_schema(
        summary=_("Take a reviewer off a committee"),
        description=_("Refused (400) while they hold open or submitted reviews in the track."),
    ),
)
class CommitteeMemberViewSet(
    StaffTrackRowsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    PortalGenericViewSet,
):
    """The review committees of the user's tracks."""

    queryset = CommitteeMember.objects.select_related("reviewer")
    serializer_class = CommitteeMemberSerializer
    filterset_class = CommitteeMemberFilter
    schema_tags = ["review: staff"]
    ordering_fields = ["joined_at"]
    ordering = ["track", "reviewer__name", "pk"]
    object_permission_required = {"retrieve": MANAGE_TRACK, "destroy": MANAGE_TRACK}

    def destroy(self, request, *args, **kwargs):
        services.remove_committee_member(member=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffAssignmentSerializer(serializers.ModelSerializer):
    """An assignment as the track's staff see it on the review board (no scores)."""

    application = AssignmentApplicationSerializer(read_only=True)
    reviewer = ReviewerSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "application",
            "reviewer",
            "status",
            "due_at",
            "assigned_at",
            "submitted_at",
        ]


@extend_schema_field(OpenApiTypes.INT)  # an id; the rows depend on the user
class CommitteeReviewerField(serializers.PrimaryKeyRelatedField):
    """A reviewer on the committee of one of the user's tracks."""

    def get_queryset(self):
        tracks = staff_tracks(self.context["request"].user).values("pk")
        return User.objects.filter(committee_seats__track__in=tracks).distinct()


class AssignmentCreateSerializer(serializers.Serializer):
    application = VisibleApplicationField(
        help_text=_("An eligible application (or one under review) of your track.")
    )
    reviewer = CommitteeReviewerField(help_text=_("A member of the track's committee."))
    due_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("Empty: the track's review deadline."),
    )


class RemovalSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH)


StaffAssignmentFilter = track_filterset(
    Assignment,
    path="application__track",
    fields=["status"],
    application=IdFilter(help_text=_("Id of the application.")),
    reviewer=IdFilter(help_text=_("Id of the reviewer.")),
)


@api_docs(
    list=_("Review assignments of your tracks"),
    retrieve=_("Get one review assignment of your tracks"),
    create=extend_schema(
        summary=_("Assign a committee member to an application"),
        description=_(
            "The reviewer is e-mailed. Refused (400) for an application not eligible or under "
            "review, a reviewer not on the committee, a conflict of interest (declared or "
            "detected; code conflict), a pair already assigned (code duplicate) and a reviewer "
            "at the track's maximum load (code max_load)."
        ),
        examples=[
            OpenApiExample("Assign", request_only=True, value={"application": 41, "reviewer": 9})
        ],
    ),
    remove=extend_schema(
        summary=_("Take a reviewer off an application"),
        description=_("Refused (400) for a submitted review or a declared conflict."),
        responses={204: None},
    ),
)
class StaffAssignmentViewSet(StaffTrackRowsMixin, mixins.CreateModelMixin, PortalReadOnlyViewSet):
    """Manual assignment of the user's tracks, through the assignment services (audited)."""

    queryset = Assignment.objects.select_related("application__track__call", "reviewer")
    serializer_class = StaffAssignmentSerializer
    filterset_class = StaffAssignmentFilter
    schema_tags = ["review: staff"]
    track_field = "application__track"
    ordering_fields = ["assigned_at", "due_at"]
    ordering = ["-assigned_at", "pk"]
    permission_required = {"create": VIEW_STAFF_AREA}
    object_permission_required = {
        "retrieve": MANAGE_TRACK,
        "create": MANAGE_TRACK,
        "remove": MANAGE_TRACK,
    }
    input_serializers = {"create": AssignmentCreateSerializer, "remove": RemovalSerializer}

    def create(self, request, *args, **kwargs):
        data = self.validated_input()
        self.check_rule(data["application"].track)
        assignment = services.assign_reviewer(actor=request.user, **data)
        return self.reply(assignment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        services.remove_assignment(
            assignment=self.get_object(), actor=request.user, **self.validated_input()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Results, decisions and awards (staff) --------------------------------------------------


# --- Track-level results work (staff) -------------------------------------------------------
