"""API for applications: the applicant's drafts, documents, submission and withdrawal; the
staff's view of their tracks and the clarification request.

Rows come from ``applications.selectors.applications_for_user`` and every write calls the same
service as the HTML pages (``applications.services``). Applicants see ``applicant_visible_status``:
a decision shows as "under review" until it is released. Staff actions that need the review app
(eligibility screening) are added in ``reviews/api.py``, which may import this module (the apps
depend in one direction: applications → reviews).
"""

import django_filters
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Organization
from applications import clarifications, selectors, services, shortlisting
from applications.models import (
    Application,
    ClarificationRequest,
    ConsortiumMember,
    Document,
    Question,
)
from applications.selectors import applications_for_user
from applications.shortlisting import SHORTLIST_APPLICATION
from core.api.filters import IdFilter
from core.api.parsers import PortalJSONParser
from core.api.schema import api_docs
from core.api.viewsets import (
    PortalGenericViewSet,
)
from core.domain import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH
from projects.models import City, Country, Track, validate_document_kind
from projects.selectors import public_calls, public_cities, staff_tracks

S = Application.Status

# --- Serializers --------------------------------------------------------------------------


class DocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.CharField(
        read_only=True,
        help_text=_(
            "One of letter_of_intent, concept_paper, site_map, consortium_agreement, "
            "company_profile, budget_sheet, other, or own-<n>: a document the track asks for "
            "under a name of its own."
        ),
    )
    kind_label = serializers.CharField(
        read_only=True, help_text=_("What the document is, in the language of the request.")
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "kind_label",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
        ]


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(
        max_length=32,
        validators=[validate_document_kind],
        help_text=_(
            "A standard kind, or one of the track's own (own-<n>) listed in the track's "
            "documents; anything else is refused."
        ),
    )
    file = serializers.FileField(
        help_text=_("PDF, DOCX, XLSX, PNG or JPEG; the content decides the type, not the name.")
    )
    replaces = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_(
            "The id of the document of this kind you last read (null if there was none). If "
            "another one has replaced it since, the answer is 409 edit_conflict and nothing "
            "changes. Left out, whatever is there is replaced."
        ),
    )


class ConsortiumMemberSerializer(serializers.ModelSerializer):
    """A member of a demonstration consortium, as the consortium section lists it."""

    class Meta:
        model = ConsortiumMember
        fields = ["id", "name", "kind", "role", "country_code", "email_domain"]
        read_only_fields = fields


class ConsortiumMemberInputSerializer(serializers.Serializer):
    """The consortium section's form (``ConsortiumMemberForm``): checked by the same service
    (one lead, a Korean company; the overseas partner a public body; no name twice)."""

    name = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(
        choices=[
            choice
            for choice in Organization.Kind.choices
            if choice[0] != Organization.Kind.KOREAN_AGENCY
        ]
    )
    role = serializers.ChoiceField(choices=ConsortiumMember.Role.choices)
    country_code = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text=_("ISO 3166-1 alpha-2.")
    )
    email_domain = serializers.CharField(max_length=255, required=False, allow_blank=True)


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "country_code"]


class CityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["id", "name", "name_ko"]


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as its reader may see it; never reviewers, scores or unreleased outcomes."""

    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    track_code = serializers.CharField(source="track.code", read_only=True)
    organization = OrganizationRefSerializer(read_only=True)
    country = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    city = CityRefSerializer(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField(
        help_text=_(
            "For the applicant: a decision shows as under_review until it is released. "
            "Staff of the track see the real status."
        )
    )
    decided_at = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    consortium_members = ConsortiumMemberSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "A demonstration consortium's members (withheld, empty, in anonymised review)."
        ),
    )
    answers = serializers.SerializerMethodField(
        help_text=_(
            "Answers to the track's questions (GET /tracks/{id}/questions/), by question code: "
            "text, a number, true/false, an option's value, a list of values, a date "
            "(YYYY-MM-DD), a country code, a city id or a list of table rows."
        )
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "call",
            "track",
            "track_code",
            "organization",
            "status",
            "stage",
            "status_reason",
            "contact_name",
            "contact_position",
            "contact_email",
            "contact_phone",
            "country",
            "city",
            "site_area_km2",
            "site_population",
            "site_description",
            "title",
            "summary",
            "objectives",
            "outputs",
            "requested_deliverable",
            "existing_plans",
            "land_status",
            "budget_lines",
            "prior_consultation",
            "prior_consultation_details",
            "budget_requested",
            "co_financing",
            "co_financing_description",
            "country_priority_rank",
            "submitted_at",
            "concept_submitted_at",
            "shortlisted_at",
            "decided_at",
            "created_at",
            "updated_at",
            "version",
            "documents",
            "consortium_members",
            "answers",
        ]
        # Output only (writes have their own serializers). Not marked read-only on purpose:
        # DRF then drops allow_blank/allow_null, and the schema would forbid the "" and null
        # that blank choice fields really return.

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # What the reader may not see (anonymised review: selectors.application_data_filter).
        withhold = self.context.get("data_filter")
        return withhold(instance.pk, data) if withhold else data

    def _sees_real_status(self, application) -> bool:
        return application.track_id in self.context.get("staff_track_ids", ())

    @extend_schema_field(serializers.DictField(child=serializers.JSONField()))
    def get_answers(self, application) -> dict:
        return {a.question.code: a.value for a in selectors.stored_answers(application)}

    @extend_schema_field(serializers.ChoiceField(choices=S.choices))
    def get_status(self, application) -> str:
        if self._sees_real_status(application):
            return application.status
        return selectors.applicant_visible_status(application)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_decided_at(self, application) -> str | None:
        if application.decided_at is None:
            return None
        if not self._sees_real_status(application) and not selectors.decision_is_released(
            application
        ):
            return None
        return serializers.DateTimeField().to_representation(application.decided_at)


class ApplicationCreateSerializer(serializers.Serializer):
    track = serializers.PrimaryKeyRelatedField(
        queryset=Track.objects.all(), help_text=_("Id of the track applied to.")
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        help_text=_("Id of the applicant organisation; you must be a member."),
    )


class SiteCityField(serializers.PrimaryKeyRelatedField):
    """The site's city: one of those the site form offers (``selectors.site_cities``), never
    one another organisation only typed into its application."""

    def get_queryset(self):
        application = getattr(self.parent, "instance", None)
        if isinstance(application, Application):
            return selectors.site_cities(application)
        return public_cities()


class ApplicationUpdateSerializer(serializers.ModelSerializer):
    """The applicant's fields; each is written through its form section's service."""

    country = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Country.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("ISO 3166-1 alpha-2 code of the site's country."),
    )
    city = SiteCityField(queryset=City.objects.all(), required=False, allow_null=True)
    new_city_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text=_("Name a city that is not listed yet; it is created in the chosen country."),
    )
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        help_text=_(
            "Answers to the track's questions by code (the others keep theirs); null clears "
            "one. Checked as the form checks them; the answer to a question the other answers "
            "hide is dropped."
        ),
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_(
            "The application's version your change is based on (from a GET; or send the "
            "ETag in If-Match). When someone else has changed a section you write since, the "
            "answer is 409 with the current version and nothing is saved. Without either, the "
            "change overwrites."
        ),
    )

    class Meta:
        model = Application
        fields = [field for fields in services.SECTION_FIELDS.values() for field in fields] + [
            "new_city_name",
            "answers",
            "version",
        ]
        extra_kwargs = {field: {"required": False} for field in fields}


class EditConflictSerializer(serializers.Serializer):
    """409 of a change based on an outdated version of a section (or of a change to a draft
    after its call closed: ``deadline``, without ``section`` and ``version``)."""

    detail = serializers.CharField()
    code = serializers.CharField(
        help_text=_("The error code: edit_conflict, or deadline (the call has closed).")
    )
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    section = serializers.CharField(
        required=False, help_text=_("The section someone else changed.")
    )
    version = serializers.IntegerField(
        required=False, help_text=_("The current version: GET, merge, resend.")
    )


class AlreadySubmittedSerializer(serializers.Serializer):
    """409 of a submit repeated after the application was submitted (e.g. a retry), or of a
    submit after the call closed (``deadline``, without ``status`` and ``reference``)."""

    detail = serializers.CharField()
    code = serializers.CharField(
        help_text=_("The error code: already_submitted, or deadline (the call has closed).")
    )
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    status = serializers.ChoiceField(
        choices=S.choices, required=False, help_text=_("The application's status as you see it.")
    )
    reference = serializers.CharField(allow_null=True, required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text=_("Shown to the applicant.")
    )


class ClarificationAnswerSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)


class ClarificationRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClarificationRequest
        fields = ["id", "message", "sections", "status", "created_at", "due_at"]


class ClarificationChangeSerializer(serializers.Serializer):
    section = serializers.CharField(help_text=_("The reopened section's key."))
    label = serializers.CharField(help_text=_("What changed, in the reader's language."))
    before = serializers.CharField(help_text=_("As it was when the secretariat asked."))
    after = serializers.CharField(help_text=_("As sent back (an open request: as it is now)."))


class ClarificationRoundSerializer(serializers.Serializer):
    """One clarification request with the applicant's answer and what it changed
    (``applications.clarifications.history``)."""

    id = serializers.IntegerField(source="request.pk")
    message = serializers.CharField(source="request.message")
    sections = serializers.ListField(child=serializers.CharField(), source="request.sections")
    status = serializers.CharField(source="request.status")
    created_at = serializers.DateTimeField(source="request.created_at")
    due_at = serializers.DateTimeField(source="request.due_at", allow_null=True)
    response = serializers.CharField(source="request.response")
    answered_at = serializers.DateTimeField(source="request.answered_at", allow_null=True)
    changes = ClarificationChangeSerializer(many=True)


class ClarificationCreateSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=MESSAGE_MAX_LENGTH)
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=[key for key, _label in selectors.SECTIONS]),
        min_length=1,
        help_text=_("Sections of the form reopened for changes."),
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True)


# --- Filters ------------------------------------------------------------------------------


class ApplicationFilter(django_filters.FilterSet):
    call = django_filters.CharFilter(field_name="call__slug", help_text=_("Slug of the call."))
    year = django_filters.NumberFilter(field_name="call__year", help_text=_("Programme year."))
    track = IdFilter(field_name="track_id", help_text=_("Id of the track."))
    country = django_filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", help_text=_("ISO 3166-1 alpha-2.")
    )
    status = django_filters.ChoiceFilter(
        field_name="visible_status",
        choices=S.choices,
        help_text=_("The status as you see it (see the status field)."),
    )
    stage = django_filters.ChoiceFilter(
        choices=Application.Stage.choices,
        help_text=_("Two-stage calls: concept (a concept note) or full (a full proposal)."),
    )

    class Meta:
        model = Application
        fields = ["call", "year", "track", "country", "status", "stage"]


# --- Viewset ------------------------------------------------------------------------------

APPLICATION_EXAMPLE = OpenApiExample(
    "Draft",
    request_only=True,
    value={"track": 1, "organization": 7},
)


@extend_schema_field(OpenApiTypes.INT)  # an id; the rows depend on the user
class VisibleApplicationField(serializers.PrimaryKeyRelatedField):
    """An application id among those the user may see (``applications_for_user``); any other is
    "does not exist" (400), so another track's application does not leak."""

    def get_queryset(self):
        return applications_for_user(self.context["request"].user)


class ScreenSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Required when ineligible; the applicant sees it."),
    )
    expected_status = serializers.ChoiceField(
        choices=Application.Status.choices,
        required=False,
        help_text=_(
            "The status you read: when someone screened or moved the application since, "
            "nothing changes and the answer is 409 changed_meanwhile."
        ),
    )


class ShortlistSerializer(serializers.Serializer):
    invite = serializers.BooleanField(
        help_text=_(
            "true: invite the applicant to the full proposal; false: not shortlisted (final)."
        )
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=_("When not shortlisted, optional; the applicant sees it."),
    )


class ShortlistResultSerializer(serializers.ModelSerializer):
    """What a shortlist decision answers: an invited concept note is the applicant's draft
    again (which staff do not read until it is submitted), so not the whole application."""

    class Meta:
        model = Application
        fields = ["id", "reference", "status", "stage", "shortlisted_at"]
        read_only_fields = fields


@api_docs(
    list=extend_schema(
        summary=_("List the applications you may see"),
        description=_(
            "Applicants: their organisations' applications. Secretariat staff: submitted "
            "applications of their tracks. Programme admins: all submitted applications. "
            "Reviewers read assigned applications through /assignments/."
        ),
    ),
    retrieve=_("Get an application"),
    create=extend_schema(
        summary=_("Start a draft application"),
        description=_(
            "Opens a draft for your organisation while the call accepts applications. Your "
            "e-mail address must be verified and the organisation of a kind the track accepts."
        ),
        examples=[APPLICATION_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary=_("Edit a draft (or the sections reopened for clarification)"),
        description=_(
            "Send the version you read (the version field, or the ETag in If-Match) to be "
            "protected against overwriting someone else's change: 409 edit_conflict with the "
            "current version if a section you write changed since."
        ),
        responses={200: ApplicationSerializer, 409: EditConflictSerializer},
        examples=[
            OpenApiExample(
                "Project section",
                request_only=True,
                value={
                    "title": "Klang smart city master plan",
                    "summary": "A master plan for the royal town of Klang.",
                    "budget_requested": 450000000,
                },
            )
        ],
    ),
    documents=extend_schema(
        summary=_("List the application's documents"),
        responses={200: DocumentSerializer(many=True)},
    ),
    remove_document=extend_schema(summary=_("Remove a document"), responses={204: None}),
    add_consortium_member=extend_schema(
        summary=_("Add a member to the consortium"),
        description=_(
            "A demonstration track's consortium: one Korean lead company and an overseas public "
            "partner (government, public institution or university); checked as on the "
            "consortium page."
        ),
        responses={201: ConsortiumMemberSerializer},
        examples=[
            OpenApiExample(
                "Overseas partner",
                request_only=True,
                value={
                    "name": "Mukdahan Provincial Office",
                    "kind": "regional_government",
                    "role": "overseas_public_partner",
                    "country_code": "TH",
                },
            )
        ],
    ),
    remove_consortium_member=extend_schema(
        summary=_("Remove a member from the consortium"), responses={204: None}
    ),
    submit=extend_schema(
        summary=_("Submit the application"),
        description=_(
            "Checks the deadline (server clock), completeness and one proposal per city. "
            "A repeat by the applicant organisation (e.g. a retry after a lost answer) "
            "changes nothing and answers 409 already_submitted with the current status."
        ),
        responses={200: ApplicationSerializer, 409: AlreadySubmittedSerializer},
    ),
    withdraw=extend_schema(
        summary=_("Withdraw the application"),
        examples=[
            OpenApiExample("Withdraw", request_only=True, value={"reason": "The site changed."})
        ],
    ),
    answer_clarification=extend_schema(
        summary=_("Answer the open clarification request"),
        description=_(
            "When no request is open any more (a colleague answered it, or the secretariat "
            "closed it, since you read it), nothing is saved and the answer is 409 no_request."
        ),
    ),
    clarifications=extend_schema(
        summary=_("The clarification requests, their answers and what each answer changed"),
        description=_(
            "Oldest first, for the applicant organisation and the staff of the track. What an "
            "open request changed so far is compared with the application as it is now."
        ),
        responses=ClarificationRoundSerializer(many=True),
    ),
    request_clarification=extend_schema(
        summary=_("Ask the applicant for clarification (staff of the track)"),
        description=_("Returns the application to the applicant with the named sections reopened."),
        tags=["applications: staff"],
        responses={201: ClarificationRequestSerializer},
        examples=[
            OpenApiExample(
                "Clarification",
                request_only=True,
                value={"message": "Please attach the site map.", "sections": ["documents"]},
            )
        ],
    ),
    screen=extend_schema(
        summary=_("Screen eligibility (staff of the track)"),
        tags=["applications: staff"],
        examples=[
            OpenApiExample(
                "Ineligible",
                request_only=True,
                value={"eligible": False, "reason": "The applicant is not a public body."},
            )
        ],
    ),
    shortlist=extend_schema(
        summary=_("Shortlist a concept note of a two-stage call (staff of the track)"),
        description=_(
            "Invited, the concept note becomes a draft of the full proposal, keeping everything "
            "the applicant wrote, and the applicant is told the deadline; not shortlisted is "
            "final. Only a submitted concept note can be decided, and an invitation only before "
            "the call closes."
        ),
        tags=["applications: staff"],
        request=ShortlistSerializer,
        responses=ShortlistResultSerializer,
        examples=[
            OpenApiExample("Invite", request_only=True, value={"invite": True}),
            OpenApiExample(
                "Not shortlisted",
                request_only=True,
                value={"invite": False, "reason": "The site is outside the call's priorities."},
            ),
        ],
    ),
)
class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PortalGenericViewSet,
):
    """Applications with the applicant's and the staff's actions."""

    queryset = Application.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    schema_tags = ["applications"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["created_at", "submitted_at", "reference", "title"]
    ordering = ["-created_at", "pk"]
    parser_classes = [PortalJSONParser, MultiPartParser, FormParser]
    object_permission_required = {
        "retrieve": "applications.view_application",
        "partial_update": "applications.change_application",
        "documents": "applications.view_application_content",
        "upload_document": "applications.change_application",
        "remove_document": "applications.change_application",
        "add_consortium_member": "applications.change_application",
        "remove_consortium_member": "applications.change_application",
        "submit": "applications.submit_application",
        "withdraw": "applications.withdraw_application",
        "answer_clarification": "applications.answer_clarification",
        "clarifications": "applications.view_clarifications",
        "request_clarification": "applications.screen_application",
        "screen": "applications.screen_application",
        "shortlist": SHORTLIST_APPLICATION,
    }
    input_serializers = {
        "create": ApplicationCreateSerializer,
        "partial_update": ApplicationUpdateSerializer,
        "upload_document": DocumentUploadSerializer,
        "add_consortium_member": ConsortiumMemberInputSerializer,
        "withdraw": ReasonSerializer,
        "answer_clarification": ClarificationAnswerSerializer,
        "request_clarification": ClarificationCreateSerializer,
        "screen": ScreenSerializer,
        "shortlist": ShortlistSerializer,
    }
    # The ETag is the application's ``version`` (``etag``); a PATCH's ``If-Match`` is read as
    # the body's ``version`` is (``services.save_application_section``'s ``base_version``).
    version_fields = ("version",)

    def etag(self, row) -> str:
        return str(row.version)

    def base_version(self, data: dict) -> int | None:
        """The version a change is based on: the body's ``version`` or the ``If-Match`` tag
        (the same number); 400 when the tag is no version or names another one."""
        version = data.pop("version", None)
        seen = self.seen_version()
        if seen is None:
            return version
        if not (seen.isascii() and seen.isdigit()):
            raise serializers.ValidationError(
                {"If-Match": [_("Send the ETag of the application as you read it.")]}
            )
        if version is not None and version != int(seen):
            raise serializers.ValidationError(
                {"If-Match": [_("The If-Match header and the version name different versions.")]}
            )
        return int(seen)

    def staff_track_ids(self) -> set[int]:
        """The user's staff tracks, whose applications show their real status."""
        if not hasattr(self, "_staff_track_ids"):
            self._staff_track_ids = set(
                staff_tracks(self.request.user).values_list("pk", flat=True)
            )
        return self._staff_track_ids

    def get_queryset(self):
        return (
            selectors.readable_applications_for_user(self.request.user)
            .select_related("decision")
            .prefetch_related("documents", "consortium_members", "answers__question")
            .annotate(
                visible_status=selectors.applicant_visible_status_expression(
                    real_status_track_ids=self.staff_track_ids()
                )
            )
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return context
        context["staff_track_ids"] = self.staff_track_ids()
        context["data_filter"] = selectors.application_data_filter(self.request.user)
        return context

    def create(self, request, *args, **kwargs):
        application = services.start_application(actor=request.user, **self.validated_input())
        return self.reply(application, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        # Only PATCH reaches here (PUT is not offered): each field goes to its section's service.
        application = self.get_object()
        data = dict(self.validated_input(application))
        new_city_name = data.pop("new_city_name", "")
        base_version = self.base_version(data)
        answers = data.pop("answers", None)
        try:
            # All sections or none: a conflict on the second undoes the first.
            with transaction.atomic():
                for section, fields in services.SECTION_FIELDS.items():
                    section_data = {f: data[f] for f in fields if f in data}
                    if section_data or (section == "site" and new_city_name):
                        application = services.save_application_section(
                            application=application,
                            section=section,
                            data=section_data,
                            actor=request.user,
                            new_city_name=new_city_name if section == "site" else "",
                            base_version=base_version,
                        )
                if answers:
                    application = services.save_answers(
                        application=application,
                        answers=answers,
                        actor=request.user,
                        base_version=base_version,
                    )
        except services.AnswersInvalid as exc:
            return Response(
                {
                    "detail": str(exc.message),
                    "code": exc.code,
                    "errors": {
                        f"answers.{code}": [str(message)] for code, message in exc.errors.items()
                    },
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except services.EditConflict as exc:
            return self._edit_conflict(exc)
        return self.reply(application)

    def _edit_conflict(self, exc: services.EditConflict) -> Response:
        return Response(
            {
                "detail": str(exc.message),
                "code": exc.code,
                "errors": {},
                "section": exc.section,
                "version": exc.version,
            },
            status=status.HTTP_409_CONFLICT,
        )

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def documents(self, request, pk=None):
        application = self.get_object()
        data = DocumentSerializer(application.documents.all(), many=True).data
        withhold = selectors.application_data_filter(request.user)
        if withhold:
            data = withhold(application.pk, {"reference": application.reference, "documents": data})
            data = data["documents"]
        return Response(data)

    # On the method itself: extend_schema_view does not reach a method mapped onto an action.
    @extend_schema(
        summary=_("Upload a document"),
        description=_(
            "multipart/form-data with kind and file. A document of the same kind is replaced "
            "(except kind other)."
        ),
        # Multipart only: a JSON body cannot carry the file.
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer, 409: EditConflictSerializer},
    )
    @documents.mapping.post
    def upload_document(self, request, pk=None):
        application = self.get_object()
        data = self.validated_input()
        replaces = None
        if "replaces" in data:
            replaces = str(data["replaces"]) if data["replaces"] else ""
        try:
            document = services.upload_document(
                application=application,
                kind=data["kind"],
                uploaded_file=data["file"],
                actor=request.user,
                replaces=replaces,
            )
        except services.EditConflict as exc:
            return self._edit_conflict(exc)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["delete"],
        url_path=r"documents/(?P<document_id>[0-9a-f-]{36})",
        url_name="document",
    )
    def remove_document(self, request, pk=None, document_id=None):
        application = self.get_object()
        document = application.documents.filter(public_id=document_id).first()
        if document is None:
            raise NotFound(_("No such document on this application."))
        services.remove_document(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="consortium")
    def add_consortium_member(self, request, pk=None):
        member = services.add_consortium_member(
            application=self.get_object(), actor=request.user, **self.validated_input()
        )
        return Response(ConsortiumMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @action(
        detail=True,
        methods=["delete"],
        url_path=r"consortium/(?P<member_id>[0-9]+)",
        url_name="consortium-member",
    )
    def remove_consortium_member(self, request, pk=None, member_id=None):
        application = self.get_object()
        member = application.consortium_members.filter(pk=member_id).first()
        if member is None:
            raise NotFound(_("No such member in this application's consortium."))
        services.remove_consortium_member(member=member, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        # A repeat by the owner (a retry after the answer was lost, or two submits at once) is
        # not a refusal: 409 with the status tells the client its first submit went through.
        # The rule (draft or clarification only) would otherwise answer 403.
        application = self._visible_application()
        if application.status in Application.SITE_TAKEN_STATUSES and selectors.is_owner(
            request.user, application
        ):
            return self._already_submitted(application)
        self.check_object_permissions(request, application)
        try:
            application = services.submit_application(application=application, actor=request.user)
        except services.AlreadySubmitted:
            return self._already_submitted(self._visible_application())
        return self.reply(application)

    def _visible_application(self) -> Application:
        """The URL's application among those the user may see (404 otherwise), unchecked."""
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _already_submitted(self, application: Application) -> Response:
        return Response(
            {
                "detail": str(
                    _("This application was already submitted (reference %(ref)s).")
                    % {"ref": application.reference or "—"}
                ),
                "code": "already_submitted",
                "errors": {},
                "status": selectors.applicant_visible_status(application),
                "reference": application.reference,
            },
            status=status.HTTP_409_CONFLICT,
        )

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = services.withdraw_application(
            application=self.get_object(), actor=request.user, **self.validated_input()
        )
        return self.reply(application)

    @action(detail=True, methods=["post"], url_path="answer-clarification")
    def answer_clarification(self, request, pk=None):
        application = services.answer_clarification(
            application=self.get_object(), actor=request.user, **self.validated_input()
        )
        return self.reply(application)

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def clarifications(self, request, pk=None):
        rounds = clarifications.history(self.get_object())
        return Response(ClarificationRoundSerializer(rounds, many=True).data)

    @action(detail=True, methods=["post"], url_path="request-clarification")
    def request_clarification(self, request, pk=None):
        clarification = services.request_clarification(
            application=self.get_object(), actor=request.user, **self.validated_input()
        )
        return Response(
            ClarificationRequestSerializer(clarification).data, status=status.HTTP_201_CREATED
        )

    @action(detail=True, methods=["post"])
    def screen(self, request, pk=None):
        application = services.screen_application(
            application=self.get_object(), actor=request.user, **self.validated_input()
        )
        return self.reply(application)

    @action(detail=True, methods=["post"])
    def shortlist(self, request, pk=None):
        data = self.validated_input()
        application = self.get_object()
        if data["invite"]:
            application = shortlisting.invite_to_full_proposal(
                application=application, actor=request.user
            )
        else:
            application = shortlisting.decline_concept_note(
                application=application, actor=request.user, reason=data.get("reason", "")
            )
        return Response(ShortlistResultSerializer(application).data)


# --- The questions of a track's form (public, like the call it belongs to) --------------------


class QuestionSerializer(serializers.ModelSerializer):
    call_wide = serializers.SerializerMethodField(help_text=_("Asked on every track of the call."))

    class Meta:
        model = Question
        fields = [
            "id",
            "code",
            "type",
            "required",
            "section",
            "section_ko",
            "section_order",
            "order",
            "label",
            "label_ko",
            "help_text",
            "help_text_ko",
            "options",
            "constraints",
            "condition",
            "stage",
            "identifying",
            "call_wide",
        ]

    def get_call_wide(self, question) -> bool:
        return question.track_id is None


@api_docs(
    list=extend_schema(
        summary=_("List the questions of a track's application form"),
        description=_(
            "The live questions of a published call's track, in form order, in English and "
            "Korean: the keys of an application's answers. Conditions say when a question is "
            "shown (track_kinds; question and equals)."
        ),
    ),
)
class TrackQuestionViewSet(mixins.ListModelMixin, PortalGenericViewSet):
    """The application form's questions of one track (open data, like the call)."""

    queryset = Question.objects.none()
    serializer_class = QuestionSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    filter_backends: list = []
    schema_tags = ["programme"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        track = get_object_or_404(
            Track.objects.filter(call__in=public_calls().values("pk")), pk=self.kwargs["track_id"]
        )
        return selectors.questions_for_track(track)
