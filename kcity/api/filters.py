"""Filter backends shared by every list of the API."""

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
