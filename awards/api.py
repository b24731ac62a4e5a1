"""API for what follows a decision: funding awards (staff) and the deliverables of funded projects
(their contractor uploads, staff accept or return). Writes call the award and deliverable services."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from applications.api import VisibleApplicationField
from awards import contractor_selection
from awards import selectors as award_selectors
from awards import services as awards
from awards.models import Award, Deliverable
from core.api.filters import track_filterset
from core.api.parsers import PortalJSONParser
from core.api.schema import ErrorSerializer, api_docs
from core.api.viewsets import (
    PortalReadOnlyViewSet,
)
from results.api import ResultApplicationSerializer


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


AwardFilter = track_filterset(Award, path="application__track", fields=["status"])


class AwardCreateSerializer(serializers.Serializer):
    # Only applications the user may see: another track's id is "does not exist" (400).
    application = VisibleApplicationField(
        help_text=_("A selected application of your track whose decision is released."),
    )
    amount = serializers.IntegerField(min_value=1, help_text=_("KRW, within the track's range."))


class AwardMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Award.Status.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=awards.CANCEL_REASON_MAX_LENGTH,  # the service's limit
        help_text=_(
            "Required to cancel; the project's agreements are terminated with it and the next "
            "reserve application is offered funding."
        ),
    )


@api_docs(
    list=_("Funding awards of your tracks"),
    retrieve=_("Get one award"),
    create=extend_schema(
        summary=_("Award funding to a selected application"),
        description=_("Creates the award (proposed) and the funded project."),
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
            "reason (every agreement still in force is terminated with that reason, its "
            "scheduled tranches and their payment requests not yet paid are cancelled, what was "
            "paid stays paid, and the reserve list is offered the funding). A move "
            "that still lacks something (a signed agreement, the contractor, the accepted final "
            "report, the decided final payment) is refused with 400 and code not_ready, its "
            "message listing what is missing."
        ),
        examples=[OpenApiExample("Approve", request_only=True, value={"to": "approved"})],
    ),
)
class AwardViewSet(mixins.CreateModelMixin, PortalReadOnlyViewSet):
    """Funding awards of the user's tracks, through the award services."""

    queryset = Award.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    schema_tags = ["results: staff"]
    ordering_fields = ["amount", "created_at"]
    ordering = ["-created_at", "pk"]
    # The rows are the user's tracks already; the award services refuse anyone else (403).
    object_permission_required = {"retrieve": None, "move": None}
    input_serializers = {"create": AwardCreateSerializer, "move": AwardMoveSerializer}

    def get_queryset(self):
        return award_selectors.awards_for_user(self.request.user)

    def create(self, request, *args, **kwargs):
        award = awards.award_funding(actor=request.user, **self.validated_input())
        return self.reply(award, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        award = self.get_object()
        data = self.validated_input()
        to, reason = data["to"], data.get("reason", "")
        if to == Award.Status.CANCELLED:
            award, _promoted = awards.cancel_award(award=award, reason=reason, actor=request.user)
        else:
            award = awards.advance_award(award=award, to=to, actor=request.user, reason=reason)
        return self.reply(award)


class DeliverableSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Code of the funded project.")
    )

    class Meta:
        model = Deliverable
        fields = [
            "id",
            "project",
            "kind",
            "title",
            "due_on",
            "status",
            "original_name",
            "content_type",
            "size",
            "submitted_at",
            "reviewed_at",
            "feedback",
            "version",
        ]

    version = serializers.IntegerField(
        source="latest_version",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The number of the latest version sent (0 if none was kept); an accept or a "
            "return sends it back."
        ),
    )

    # What the deliverable's latest submission says: its file and the staff's verdict on it.
    SUBMISSION_FIELDS = {
        "version": None,
        "original_name": "",
        "content_type": "",
        "size": 0,
        "submitted_at": None,
        "reviewed_at": None,
        "feedback": "",
    }

    def to_representation(self, deliverable):
        data = super().to_representation(deliverable)
        request = self.context.get("request")
        if request is not None and not award_selectors.latest_file_visible_to(
            request.user, deliverable
        ):
            # Sent by a contractor that has since left the project: as on the page, the next
            # company sees the deliverable, not the other company's submission.
            data.update(self.SUBMISSION_FIELDS)
        return data


class DeliverableUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("PDF, DOCX, XLSX, PNG or JPEG; the content decides the type, not the name.")
    )


class DeliverableReviewSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0,
        help_text=_(
            "The deliverable's version you reviewed; 409 changed_meanwhile if another has been "
            "sent since."
        ),
    )


class DeliverableAcceptSerializer(DeliverableReviewSerializer):
    feedback = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text=_("Feedback to the contractor."),
    )


class DeliverableReturnSerializer(DeliverableReviewSerializer):
    feedback = serializers.CharField(
        max_length=5000, help_text=_("What must change; the contractor is told.")
    )


class DeliverableFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(
        field_name="project__code", help_text=_("Code of the funded project.")
    )
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Deliverable
        fields = ["project", "kind", "status", "due_before"]


@api_docs(
    list=extend_schema(
        summary=_("Deliverables you follow or owe"),
        description=_(
            "Contractors: their projects' deliverables. Secretariat staff: those of projects "
            "funded on their tracks. Programme admins: all."
        ),
    ),
    retrieve=_("Get a deliverable"),
    upload=extend_schema(
        summary=_("Upload and submit a deliverable (the project's contractor)"),
        description=_(
            "multipart/form-data with file, while the deliverable is pending or returned; "
            "it is then submitted for acceptance."
        ),
        # Multipart only: a JSON body cannot carry the file.
        request={"multipart/form-data": DeliverableUploadSerializer},
    ),
    accept=extend_schema(
        summary=_("Accept a submitted deliverable (staff of the track)"),
        description=_(
            "Send the version you reviewed: if another has been sent since, nothing is saved "
            "and the answer is 409 changed_meanwhile."
        ),
        responses={200: DeliverableSerializer, 409: ErrorSerializer},
    ),
    return_for_changes=extend_schema(
        summary=_("Return a submitted deliverable for changes (staff of the track)"),
        description=_(
            "The contractor's members are told, with the feedback. Send the version you "
            "reviewed: if another has been sent since, nothing is saved and the answer is 409 "
            "changed_meanwhile."
        ),
        responses={200: DeliverableSerializer, 409: ErrorSerializer},
    ),
)
class DeliverableViewSet(PortalReadOnlyViewSet):
    """Deliverables of funded projects, through the services of the deliverable page."""

    queryset = Deliverable.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = DeliverableSerializer
    filterset_class = DeliverableFilter
    schema_tags = ["projects"]
    parser_classes = [PortalJSONParser, MultiPartParser, FormParser]
    ordering_fields = ["due_on"]
    ordering = ["due_on", "project__code", "pk"]
    object_permission_required = {
        "retrieve": None,
        "upload": "awards.submit_deliverable",
        "accept": "awards.review_deliverable",
        "return_for_changes": "awards.review_deliverable",
    }
    input_serializers = {
        "upload": DeliverableUploadSerializer,
        "accept": DeliverableAcceptSerializer,
        "return_for_changes": DeliverableReturnSerializer,
    }

    def get_queryset(self):
        return award_selectors.deliverables_for_user(self.request.user)

    @action(detail=True, methods=["post"])
    def upload(self, request, pk=None):
        deliverable = contractor_selection.submit_deliverable(
            deliverable=self.get_object(),
            uploaded=self.validated_input()["file"],
            actor=request.user,
        )
        return self.reply(deliverable)

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._review(accept=True)

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_changes(self, request, pk=None):
        return self._review(accept=False)

    def _review(self, *, accept: bool):
        deliverable = self.get_object()
        data = self.validated_input()
        deliverable = contractor_selection.review_deliverable(
            deliverable=deliverable,
            accept=accept,
            feedback=data.get("feedback", ""),
            actor=self.request.user,
            version=data["version"],
        )
        return self.reply(deliverable)
