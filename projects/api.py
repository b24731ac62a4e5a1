"""API of the programme catalogue: public, read-only countries, cities, calls, tracks, funded
projects and events; and the staff-track row filter and field the other apps' viewsets share.

Rows come from the same selectors as the pages (``public_calls``, ``public_portfolio``,
``cities_for_user``), so a draft call, a contractor selection that is not open, a project whose
award is only proposed or a city typed into a draft never appears here either. Fields are
those of the public pages; staff (``StaffFieldsMixin``) also read a track's review settings.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers

from accounts.rules import VIEW_STAFF_AREA
from core.api.filters import IdFilter
from core.api.schema import api_docs
from core.api.viewsets import (
    PublicReadOnlyViewSet,
)
from projects import selectors
from projects.models import Call, City, Country, DocumentRequirement, Event, Project, Track
from projects.selectors import staff_tracks


class StaffTrackRowsMixin:
    """Rows of the tracks whose staff the user is (``selectors.staff_tracks``:
    programme admins every track, secretariat staff their secretariat's, others none).

    ``track_field`` is the path from a row to its track. The class's ``queryset`` gives the
    joins; another track's row is not found (404) by any action.
    """

    track_field = "track"

    def get_queryset(self):
        tracks = selectors.staff_tracks(self.request.user).values("pk")
        return super().get_queryset().filter(**{f"{self.track_field}__in": tracks})

    def rule_subject(self, obj):
        """Staff rules (``projects.manage_track``…) are asked about the row's track."""
        for name in self.track_field.split("__"):
            obj = getattr(obj, name)
        return obj


class StaffFieldsMixin:
    """A public viewset whose staff readers (``accounts.view_staff_area``: programme admins and
    secretariat staff) get ``staff_serializer_class``: the same rows, plus the fields the
    public pages do not show (a track's review deadline and threshold, a criterion's weight
    and threshold). Anonymous visitors and everyone else get ``serializer_class``."""

    staff_serializer_class = None

    def get_serializer_class(self):
        user = getattr(self.request, "user", None)
        if self.staff_serializer_class and user is not None and user.has_perm(VIEW_STAFF_AREA):
            return self.staff_serializer_class
        return super().get_serializer_class()


# --- Serializers --------------------------------------------------------------------------


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["id", "code", "iso3", "name", "name_ko", "region"]


class CitySerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("ISO 3166-1 alpha-2 code of the country.")
    )

    class Meta:
        model = City
        fields = ["id", "name", "name_ko", "country", "latitude", "longitude", "population"]


class DocumentRequirementSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(
        help_text=_(
            "The kind an uploaded document names: a standard kind, or own-<n> for a document "
            "the track asks for under a name of its own."
        )
    )
    required = serializers.BooleanField(source="is_required")

    class Meta:
        model = DocumentRequirement
        fields = ["kind", "name", "name_ko", "required", "stage", "formats", "max_size_mb"]
        read_only_fields = fields


class TrackSerializer(serializers.ModelSerializer):
    """A track as the public call page shows it (``projects/public/_track.html``)."""

    call = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("Slug of the call.")
    )
    secretariat = serializers.CharField(
        source="secretariat.name", read_only=True, help_text=_("KIND or KAIA.")
    )
    documents = serializers.SerializerMethodField(
        help_text=_("The documents the track asks for, in its order, as its staff set them.")
    )

    class Meta:
        model = Track
        fields = [
            "id",
            "call",
            "kind",
            "code",
            "name",
            "name_ko",
            "description",
            "description_ko",
            "secretariat",
            "applicant_kind",
            "budget_floor",
            "budget_ceiling",
            "total_budget",
            "target_awards",
            "required_documents",
            "documents",
        ]

    @extend_schema_field(DocumentRequirementSerializer(many=True))
    def get_documents(self, track):
        return DocumentRequirementSerializer(selectors.document_requirements(track), many=True).data


# The review settings: internal to the secretariats and the committee, shown to staff only.
TRACK_REVIEW_FIELDS = ["review_deadline", "overall_threshold"]


class StaffReadTrackSerializer(TrackSerializer):
    """A track with its review settings, for staff readers of the public endpoints."""

    class Meta(TrackSerializer.Meta):
        fields = [*TrackSerializer.Meta.fields, *TRACK_REVIEW_FIELDS]


class CallTrackSerializer(TrackSerializer):
    class Meta(TrackSerializer.Meta):
        fields = [f for f in TrackSerializer.Meta.fields if f != "call"]


class StaffReadCallTrackSerializer(StaffReadTrackSerializer):
    class Meta(StaffReadTrackSerializer.Meta):
        fields = [f for f in StaffReadTrackSerializer.Meta.fields if f != "call"]


class CallSerializer(serializers.ModelSerializer):
    tracks = CallTrackSerializer(many=True, read_only=True)
    is_accepting_applications = serializers.BooleanField(
        read_only=True,
        help_text=_("Open by status and by the server's clock at the time of the request."),
    )

    class Meta:
        model = Call
        fields = [
            "id",
            "slug",
            "year",
            "kind",
            "name",
            "name_ko",
            "description",
            "description_ko",
            "eligibility",
            "eligibility_ko",
            "status",
            "opens_at",
            "closes_at",
            "two_stage",
            "concept_closes_at",
            "is_accepting_applications",
            "tracks",
        ]


class StaffReadCallSerializer(CallSerializer):
    tracks = StaffReadCallTrackSerializer(many=True, read_only=True)


class ProjectSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("ISO 3166-1 alpha-2 code of the country.")
    )
    city = CitySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "name_ko",
            "year",
            "track_kind",
            "country",
            "city",
            "budget_krw",
            "status",
            "source",
            "summary",
            "summary_ko",
            "starts_on",
            "ends_on",
        ]


class EventSerializer(serializers.ModelSerializer):
    city = CitySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "name",
            "name_ko",
            "partners",
            "city",
            "starts_on",
            "ends_on",
            "description",
        ]


# --- Filters --------------------------------------------------------------------------------


class CountryFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="iexact", help_text=_("ISO 3166-1 alpha-2."))

    class Meta:
        model = Country
        fields = ["region", "code"]


class CityFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", help_text=_("ISO 3166-1 alpha-2.")
    )
    name = django_filters.CharFilter(lookup_expr="icontains", help_text=_("Part of the name."))

    class Meta:
        model = City
        fields = ["country", "name"]


class CallFilter(django_filters.FilterSet):
    class Meta:
        model = Call
        fields = ["year", "status", "kind"]


class TrackFilter(django_filters.FilterSet):
    call = django_filters.CharFilter(field_name="call__slug", help_text=_("Slug of the call."))
    year = django_filters.NumberFilter(field_name="call__year", help_text=_("Programme year."))

    class Meta:
        model = Track
        fields = ["call", "year", "kind", "applicant_kind"]


class ProjectFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", help_text=_("ISO 3166-1 alpha-2.")
    )
    city = IdFilter(field_name="city_id", help_text=_("City id."))
    year_from = django_filters.NumberFilter(field_name="year", lookup_expr="gte")
    year_to = django_filters.NumberFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = Project
        fields = [
            "year",
            "year_from",
            "year_to",
            "country",
            "city",
            "track_kind",
            "status",
            "source",
        ]


class EventFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(
        field_name="starts_on__year",
        min_value=1,
        max_value=9999,
        help_text=_("Year it starts."),
    )
    upcoming = django_filters.BooleanFilter(
        method="filter_upcoming",
        help_text=_("true: not yet over (Korea Standard Time); false: already over."),
    )

    class Meta:
        model = Event
        fields = ["kind", "year", "upcoming"]

    def filter_upcoming(self, queryset, name, value):
        return selectors.events(upcoming=value, queryset=queryset)


# --- Viewsets -------------------------------------------------------------------------------


@api_docs(
    list=_("List countries"),
    retrieve=_("Get a country"),
)
class CountryViewSet(PublicReadOnlyViewSet):
    """Countries by ISO 3166 code, with English and Korean names."""

    queryset = Country.objects.all()
    serializer_class = CountrySerializer
    filterset_class = CountryFilter
    schema_tags = ["programme"]
    ordering_fields = ["name", "code", "region"]
    ordering = ["name", "pk"]


@api_docs(
    list=_("List cities and sites"),
    retrieve=_("Get a city"),
)
class CityViewSet(PublicReadOnlyViewSet):
    """Cities, regions and sites of funded projects and events, and those staff checked
    (``selectors.cities_for_user``): never a city only typed into an application."""

    queryset = City.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = CitySerializer
    filterset_class = CityFilter
    schema_tags = ["programme"]
    ordering_fields = ["name", "country__name", "population"]
    ordering = ["country__name", "name", "pk"]

    def get_queryset(self):
        return selectors.cities_for_user(self.request.user).select_related("country")


@api_docs(
    list=extend_schema(
        summary=_("List calls"),
        description=_("Published calls with their tracks; drafts are never listed."),
        examples=[
            OpenApiExample(
                "Call",
                response_only=True,
                value={
                    "id": 3,
                    "slug": "k-city-network-2022",
                    "year": 2022,
                    "kind": "annual",
                    "name": "K-City Network 2022 Global Cooperation Programme",
                    "name_ko": "",
                    "description": "",
                    "description_ko": "",
                    "eligibility": "",
                    "eligibility_ko": "",
                    "status": "decided",
                    "opens_at": "2022-03-01T00:00:00Z",
                    "closes_at": "2022-04-30T14:59:59Z",
                    "is_accepting_applications": False,
                    "tracks": [],
                },
            )
        ],
    ),
    retrieve=_("Get a call by its slug"),
)
class CallViewSet(StaffFieldsMixin, PublicReadOnlyViewSet):
    """Calls for proposals, each with its tracks (budgets, applicant kind, documents)."""

    serializer_class = CallSerializer
    staff_serializer_class = StaffReadCallSerializer
    filterset_class = CallFilter
    schema_tags = ["programme"]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    ordering_fields = ["year", "opens_at", "closes_at"]
    ordering = ["-year", "-opens_at", "pk"]

    def get_queryset(self):
        return selectors.public_calls().prefetch_related(
            "tracks__secretariat", "tracks__document_requirements"
        )


@api_docs(
    list=_("List tracks of published calls"),
    retrieve=_("Get a track"),
)
class TrackViewSet(StaffFieldsMixin, PublicReadOnlyViewSet):
    """Tracks of published calls: planning, solution planning, demonstration. Staff also
    read each track's review deadline and overall threshold."""

    serializer_class = TrackSerializer
    staff_serializer_class = StaffReadTrackSerializer
    filterset_class = TrackFilter
    schema_tags = ["programme"]
    ordering_fields = ["order", "code"]
    ordering = ["call__year", "order", "pk"]

    def get_queryset(self):
        return (
            Track.objects.filter(call__in=selectors.public_calls().values("pk"))
            .select_related("call", "secretariat")
            .prefetch_related("document_requirements")
        )


@api_docs(
    list=extend_schema(
        summary=_("List funded projects"),
        description=_(
            "The open-data portfolio: the funded projects, including those selected before "
            "the portal, by year, country and city. A project awarded through the portal is "
            "listed once its award is approved, and no longer once it is cancelled."
        ),
    ),
    retrieve=_("Get a funded project by its code"),
)
class ProjectViewSet(PublicReadOnlyViewSet):
    """Funded cooperation projects (the portfolio: ``selectors.public_portfolio``)."""

    queryset = Project.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    schema_tags = ["open data"]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["year", "code", "budget_krw", "country__name"]
    ordering = ["-year", "code", "pk"]

    def get_queryset(self):
        return selectors.public_portfolio().select_related("country", "city__country")


@api_docs(
    list=extend_schema(
        summary=_("List programme events"),
        description=_("Workshops, road shows and conferences, newest first."),
    ),
    retrieve=_("Get an event"),
)
class EventViewSet(PublicReadOnlyViewSet):
    """Workshops, road shows and conferences of the programme."""

    queryset = Event.objects.select_related("city__country")
    serializer_class = EventSerializer
    filterset_class = EventFilter
    schema_tags = ["programme"]
    ordering_fields = ["starts_on", "name"]
    ordering = ["-starts_on", "pk"]


# --- Programme statistics -----------------------------------------------------------------


# --- Deliverables of funded projects ---------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)  # an id; the rows depend on the user
class StaffTrackField(serializers.PrimaryKeyRelatedField):
    """A track id among the user's staff tracks; another secretariat's is "does not exist"."""

    def get_queryset(self):
        return staff_tracks(self.context["request"].user)
