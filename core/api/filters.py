"""Filter backends shared by every list of the API."""

import django_filters
from django import forms
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


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number within the database's 64-bit range. Django keeps an out-of-range
    number away from an integer column, but not from a foreign key, which SQLite cannot even
    bind: a larger id answers 400 here instead of 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def track_filterset(
    model, *, path: str = "track", fields=(), **filters
) -> type[django_filters.FilterSet]:
    """A FilterSet for rows of ``model`` that belong to a track through ``path`` (e.g.
    ``application__track``): ``?track=`` (id), ``?call=`` (slug) and ``?year=``, the model's
    ``fields`` (django-filter's own filters) and any other ``filters`` declared here."""
    declared = {
        "track": IdFilter(field_name=path, help_text=_("Id of the track.")),
        "call": django_filters.CharFilter(
            field_name=f"{path}__call__slug", help_text=_("Call slug.")
        ),
        "year": django_filters.NumberFilter(
            field_name=f"{path}__call__year", help_text=_("Programme year.")
        ),
        **filters,
    }
    meta = type("Meta", (), {"model": model, "fields": ["track", "call", "year", *fields]})
    return type(
        f"{model.__name__}TrackFilterSet", (django_filters.FilterSet,), {**declared, "Meta": meta}
    )
