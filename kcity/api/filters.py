"""Filter backends shared by every list of the API."""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` that always ends with the primary key, so pages never overlap or skip.

    Without a tie-breaker two rows with the same ``year`` may swap between page 1 and page 2.
    """

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in ("pk", "id") for field in ordering):
            ordering.append("pk")
        return ordering


def track_filters(path: str = "track") -> type[django_filters.FilterSet]:
    """A FilterSet base with ``?track=`` (id), ``?call=`` (slug) and ``?year=`` for rows that
    belong to a track through ``path`` (e.g. ``application__track``). Name the three in the
    subclass's ``Meta.fields``."""

    class TrackFilters(django_filters.FilterSet):
        track = django_filters.NumberFilter(field_name=path, help_text=_("Id of the track."))
        call = django_filters.CharFilter(
            field_name=f"{path}__call__slug", help_text=_("Call slug.")
        )
        year = django_filters.NumberFilter(
            field_name=f"{path}__call__year", help_text=_("Programme year.")
        )

    return TrackFilters
