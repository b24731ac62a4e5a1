"""The API's pages: ``?page=`` and ``?page_size=`` validated as the description says.

DRF falls back to the default size for ``page_size=0`` or ``page_size=abc`` and quietly caps a
large one, and answers 404 for ``page=abc``: a client then reads a different page from the one
it asked for, or a "not found" for a typo. Here a value outside the documented range is a 400
naming the parameter; a page past the last one is still 404 (it is well-formed, but empty).
"""

from django import forms
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def whole_number(self, request, name: str, *, maximum: int | None = None):
        """The parameter ``name`` as a whole number from 1 to ``maximum``, ``None`` when absent;
        a 400 that names it otherwise."""
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        field = forms.IntegerField(min_value=1, max_value=maximum)
        try:
            return field.clean(raw)
        except forms.ValidationError as exc:
            raise serializers.ValidationError({name: exc.messages}) from exc

    def get_page_size(self, request):
        size = self.whole_number(request, self.page_size_query_param, maximum=self.max_page_size)
        return size or self.page_size

    def get_page_number(self, request, paginator):
        return self.whole_number(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        """DRF's parameters with their ranges."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
