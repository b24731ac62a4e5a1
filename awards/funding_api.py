"""API for agreements and payment requests: the same rules (``awards.rules``' funding section)
and the same services (``awards.funding``) as the pages.

Agreements are read (their budget lines and schedule; one agreement also its budget execution,
from ``awards.execution``). Payment requests are read, made by the agreement's party (multipart,
with the evidence) and moved along their states by POST actions: check (staff of the track),
approve and pay (programme admins), return and reject (staff of the track). Rows outside what
the user may read are 404; a visible row whose rule refuses the action is 403.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from awards import funding
from awards.execution import agreement_execution
from awards.models import (
    Agreement,
    BudgetCategory,
    BudgetLine,
    PaymentRequest,
    PaymentRequestLine,
    Tranche,
)
from core.api.parsers import PortalJSONParser
from core.api.schema import ErrorSerializer, api_docs
from core.api.viewsets import PortalReadOnlyViewSet


class BudgetLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetLine
        fields = ["category", "planned_krw"]


class TrancheSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tranche
        fields = [
            "id",
            "number",
            "share_percent",
            "amount_krw",
            "after_deliverable",
            "status",
            "decision_note",
        ]


class LineExecutionSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=BudgetCategory.choices)
    planned = serializers.IntegerField(help_text=_("KRW planned on the line."))
    claimed = serializers.IntegerField(help_text=_("KRW claimed by live requests."))
    approved = serializers.IntegerField(help_text=_("KRW approved (approved or paid requests)."))
    paid = serializers.IntegerField(help_text=_("KRW paid."))
    claimed_share = serializers.IntegerField(help_text=_("Claimed, in whole percent of planned."))
    warning = serializers.BooleanField(help_text=_("Claimed past the warning share of its plan."))


class ExecutionSerializer(serializers.Serializer):
    planned = serializers.IntegerField()
    claimed = serializers.IntegerField()
    approved = serializers.IntegerField()
    paid = serializers.IntegerField()
    lines = LineExecutionSerializer(many=True)


class AgreementSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Code of the funded project.")
    )
    party = serializers.CharField(source="party.name", read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    tranches = TrancheSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "reference",
            "kind",
            "status",
            "version",
            "project",
            "party",
            "starts_on",
            "ends_on",
            "scope",
            "signed_on",
            "terminated_at",
            "terminated_reason",
            "budget_lines",
            "tranches",
        ]


class AgreementDetailSerializer(AgreementSerializer):
    execution = serializers.SerializerMethodField()

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "execution"]

    @extend_schema_field(ExecutionSerializer)
    def get_execution(self, agreement) -> dict:
        return ExecutionSerializer(agreement_execution(agreement)).data


class AgreementTerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text=_("Why the agreement ends; told to the party.")
    )
    release_contractor = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "A service contract only: the company also leaves the project, which may then "
            "select a new contractor."
        ),
    )


class AgreementFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(
        field_name="project__code", help_text=_("Code of the funded project.")
    )

    class Meta:
        model = Agreement
        fields = ["project", "kind", "status"]


@api_docs(
    list=extend_schema(
        summary=_("Agreements you may read"),
        description=_(
            "Members of an agreement's party and of its project's partner: their agreements. "
            "Secretariat staff: those of projects funded on their tracks. Programme admins: all. "
            "With budget lines and payment schedule; one agreement also gives its execution."
        ),
    ),
    retrieve=_("Get an agreement with its budget execution"),
    terminate=extend_schema(
        summary=_("Terminate an agreement (programme admins)"),
        description=_(
            "Ends the agreement before its term, with a reason: its scheduled tranches and "
            "their unpaid requests are cancelled, requested amendments refused; the project "
            "goes on and may take a new agreement of the same kind."
        ),
    ),
)
class AgreementViewSet(PortalReadOnlyViewSet):
    """Agreements, read through ``awards.funding.agreements_for_user``."""

    queryset = Agreement.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    schema_tags = ["funding"]
    ordering_fields = ["starts_on", "reference"]
    ordering = ["project__code", "kind", "pk"]
    object_permission_required = {
        "retrieve": funding.READ_AGREEMENT,
        "terminate": funding.TERMINATE_AGREEMENT,
    }
    input_serializers = {"terminate": AgreementTerminateSerializer}

    def get_queryset(self):
        return funding.agreements_for_user(self.request.user).prefetch_related(
            "budget_lines", "tranches"
        )

    def get_serializer_class(self):
        return AgreementDetailSerializer if self.action == "retrieve" else AgreementSerializer

    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        agreement = self.get_object()
        data = self.validated_input()
        return self.reply(
            funding.terminate_agreement(
                agreement=agreement,
                reason=data["reason"],
                release_contractor=data["release_contractor"],
                actor=request.user,
            )
        )


class PaymentRequestLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentRequestLine
        fields = ["category", "amount_krw"]


class PaymentRequestSerializer(serializers.ModelSerializer):
    agreement = serializers.CharField(source="tranche.agreement.reference", read_only=True)
    project = serializers.CharField(source="tranche.agreement.project.code", read_only=True)
    tranche_number = serializers.IntegerField(source="tranche.number", read_only=True)
    lines = PaymentRequestLineSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentRequest
        fields = [
            "id",
            "project",
            "agreement",
            "tranche",
            "tranche_number",
            "amount_krw",
            "status",
            "lines",
            "note",
            "original_name",
            "content_type",
            "size",
            "requested_at",
            "checked_at",
            "approved_at",
            "paid_on",
            "payment_reference",
            "feedback",
        ]


@extend_schema_field(OpenApiTypes.INT)
class VisibleTrancheField(serializers.PrimaryKeyRelatedField):
    """A tranche of an agreement the user may read (another is "does not exist", 400)."""

    def get_queryset(self):
        user = self.context["request"].user
        return Tranche.objects.filter(agreement__in=funding.agreements_for_user(user))


class PaymentRequestCreateSerializer(serializers.Serializer):
    tranche = VisibleTrancheField(help_text=_("The tranche asked for (sent again if returned)."))
    lines = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        help_text=_(
            'Whole won claimed per budget line, e.g. {"personnel": 60000000}; in '
            "multipart, one field per line: lines.personnel=60000000."
        ),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    evidence = serializers.FileField(
        required=False,
        help_text=_(
            "PDF, DOCX, XLSX, PNG or JPEG. Required, except when sending a returned request again."
        ),
    )


class PaymentSeenSerializer(serializers.Serializer):
    """The request as the client read it: a check or an approval of a request sent again
    since (another amount, another time) is refused, 409 changed_meanwhile."""

    amount_krw = serializers.IntegerField(
        min_value=0, help_text=_("The request's amount_krw as you read it.")
    )
    requested_at = serializers.DateTimeField(
        help_text=_("The request's requested_at as you read it (when it was last sent).")
    )


class PaymentRecordSerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text=_("The day of the payment (not in the future)."))
    payment_reference = serializers.CharField(max_length=64)


class PaymentFeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=5000, help_text=_("Told to the party."))


class PaymentRequestFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(
        field_name="tranche__agreement__project__code", help_text=_("Code of the funded project.")
    )
    agreement = django_filters.CharFilter(
        field_name="tranche__agreement__reference", help_text=_("The agreement's reference.")
    )

    class Meta:
        model = PaymentRequest
        fields = ["project", "agreement", "status"]


@api_docs(
    list=extend_schema(
        summary=_("Payment requests you may read"),
        description=_(
            "Members of the agreement's party: their requests. Secretariat staff: those of "
            "projects funded on their tracks. Programme admins: all."
        ),
    ),
    retrieve=_("Get a payment request"),
    create=extend_schema(
        summary=_("Request a tranche's payment (members of the agreement's party)"),
        description=_(
            "Refused (400) unless the agreement is signed, the project active, the tranche due "
            "(its deliverable accepted) and the claim within the tranche, each line's remaining "
            "plan and the award. A request returned for changes is sent again this way."
        ),
        request={
            "multipart/form-data": PaymentRequestCreateSerializer,
            "application/json": PaymentRequestCreateSerializer,
        },
        examples=[
            OpenApiExample(
                "Request",
                request_only=True,
                value={"tranche": 12, "lines": {"personnel": 60000000, "travel": 60000000}},
            )
        ],
    ),
    check=extend_schema(
        summary=_("Mark a request as checked (staff of the track)"),
        description=_(
            "Send the amount_krw and requested_at you read: if the request has been sent "
            "again since, nothing is done and the answer is 409 changed_meanwhile."
        ),
        responses={200: PaymentRequestSerializer, 409: ErrorSerializer},
    ),
    approve=extend_schema(
        summary=_("Approve a checked request (programme admins; not the person who checked it)"),
        description=_(
            "Send the amount_krw and requested_at you read: if the request has been sent "
            "again since, nothing is done and the answer is 409 changed_meanwhile."
        ),
        responses={200: PaymentRequestSerializer, 409: ErrorSerializer},
    ),
    pay=_("Record an approved request as paid (programme admins)"),
    return_for_changes=_("Return a request for changes (staff of the track)"),
    reject=_("Reject a request (staff of the track)"),
)
class PaymentRequestViewSet(mixins.CreateModelMixin, PortalReadOnlyViewSet):
    """Payment requests, through the funding services."""

    queryset = PaymentRequest.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = PaymentRequestSerializer
    filterset_class = PaymentRequestFilter
    schema_tags = ["funding"]
    parser_classes = [PortalJSONParser, MultiPartParser, FormParser]
    ordering_fields = ["requested_at", "amount_krw"]
    ordering = ["-requested_at", "pk"]
    object_permission_required = {
        "retrieve": funding.READ_PAYMENT_REQUEST,
        "check": funding.CHECK_PAYMENT,
        "approve": funding.APPROVE_PAYMENT,
        "pay": funding.RECORD_PAYMENT,
        "return_for_changes": funding.RETURN_PAYMENT,
        "reject": funding.RETURN_PAYMENT,
    }
    input_serializers = {
        "create": PaymentRequestCreateSerializer,
        "check": PaymentSeenSerializer,
        "approve": PaymentSeenSerializer,
        "pay": PaymentRecordSerializer,
        "return_for_changes": PaymentFeedbackSerializer,
        "reject": PaymentFeedbackSerializer,
    }

    def get_queryset(self):
        return funding.payment_requests_for_user(self.request.user).prefetch_related("lines")

    def create(self, request, *args, **kwargs):
        data = self.validated_input()
        payment = funding.request_payment(
            tranche=data["tranche"],
            lines=data["lines"],
            uploaded_evidence=data.get("evidence"),
            note=data.get("note", ""),
            actor=request.user,
        )
        return self.reply(payment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        payment = self.get_object()
        return self.reply(
            funding.check_payment(request=payment, actor=request.user, **self._seen())
        )

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        payment = self.get_object()
        return self.reply(
            funding.approve_payment(request=payment, actor=request.user, **self._seen())
        )

    def _seen(self) -> dict:
        data = self.validated_input()
        return {
            "seen_amount_krw": data["amount_krw"],
            "seen_requested_at": data["requested_at"],
        }

    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        payment = self.get_object()
        data = self.validated_input()
        return self.reply(
            funding.record_payment(
                request=payment,
                paid_on=data["paid_on"],
                payment_reference=data["payment_reference"],
                actor=request.user,
            )
        )

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_changes(self, request, pk=None):
        payment = self.get_object()
        feedback = self.validated_input()["feedback"]
        return self.reply(
            funding.return_payment(request=payment, feedback=feedback, actor=request.user)
        )

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        payment = self.get_object()
        feedback = self.validated_input()["feedback"]
        return self.reply(
            funding.reject_payment(request=payment, feedback=feedback, actor=request.user)
        )
