"""API of the programme's statistics (staff), from the same figures as the dashboards."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.schema import api_docs
from core.api.viewsets import (
    PortalViewSetMixin,
)
from projects.models import Project
from reporting import statistics


class ProgrammeStatsSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("Programme year."))
    applications = serializers.IntegerField(help_text=_("Proposals submitted that year."))
    applicant_countries = serializers.IntegerField(help_text=_("Countries they came from."))
    selected = serializers.IntegerField(help_text=_("Projects selected that year."))
    selected_countries = serializers.IntegerField(help_text=_("Countries of those projects."))
    cumulative_projects = serializers.IntegerField(
        help_text=_("Funded projects up to and including that year.")
    )
    cumulative_countries = serializers.IntegerField(help_text=_("Countries of those projects."))
    cumulative_cities = serializers.IntegerField(help_text=_("Cities of those projects."))


STATS_EXAMPLE = OpenApiExample(
    "2022",
    response_only=True,
    value={
        "year": 2022,
        "applications": 33,
        "applicant_countries": 17,
        "selected": 10,
        "selected_countries": 9,
        "cumulative_projects": 33,
        "cumulative_countries": 21,
        "cumulative_cities": 31,
    },
)


@api_docs(
    list=extend_schema(
        summary=_("Programme statistics for every year"),
        description=_(
            "Applications, selections and the cumulative portfolio per programme year, oldest "
            "first. Counted from the database; years before the portal use the intake figures "
            "reported for them."
        ),
        examples=[STATS_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary=_("Programme statistics for one year"),
        parameters=[
            OpenApiParameter(
                "year", int, OpenApiParameter.PATH, description=_("Programme year, e.g. 2022.")
            )
        ],
        examples=[STATS_EXAMPLE],
    ),
)
class ProgrammeStatsViewSet(PortalViewSetMixin, viewsets.GenericViewSet):
    """The open-data figures of the programme (``reporting.statistics``); one row per year."""

    # The figures are computed, not rows; the model only types the ``year`` path parameter.
    queryset = Project.objects.none()
    permission_classes = [permissions.AllowAny]
    serializer_class = ProgrammeStatsSerializer
    schema_tags = ["open data"]
    pagination_class = None
    filter_backends = []
    lookup_field = "year"
    lookup_value_regex = "[0-9]{4}"

    def list(self, request):
        rows = statistics.programme_stats_by_year()
        return Response(ProgrammeStatsSerializer(rows, many=True).data)

    def retrieve(self, request, year=None):
        year = int(year)
        if year not in statistics.programme_years():
            raise NotFound(_("The programme has no call or project in that year."))
        row = {"year": year, **statistics.programme_stats(year)}
        return Response(ProgrammeStatsSerializer(row).data)
