"""Filter backends shared by every list of the API, and the rules for their query parameters.

A query parameter is validated as the OpenAPI description says, and a bad one answers 400 with
the parameter named in ``errors`` (``{"errors": {"year": ["Enter a whole number."]}}``), never
a silently ignored value, a list filtered by something else, or a server error:

* ``PortalFilterBackend``: a choice of a row by id (``track=0``) filters by that id, so an
  unknown or hidden row gives an empty list rather than a 400; a numeric filter on a whole-number field (``year``, ``call__year``,
  ``starts_on__year``) takes whole numbers only, within the database's 64-bit range, whichever
  app declared it: django-filter's ``NumberFilter`` accepts ``year=0.5`` otherwise;
* ``PortalFilterBackend``: a ``true``/``false`` filter takes ``true`` or ``false`` only
  (``StrictBooleanField``): django-filter reads ``maybe`` or ``yes`` as no filter at all;
* ``StableOrderingFilter``: ``?ordering=`` names only the view's ``ordering_fields`` (each
  optionally with ``-``), listed as an enum in the description;
* ``core.api.pagination.PortalPagination``: ``page`` ≥ 1 and ``1 ≤ page_size ≤ 200``.
"""

import copy
import functools

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import get_model_field
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework import serializers
from rest_framework.filters import OrderingFilter

from core.domain import INT64_MAX, INT64_MIN

# Lookups that turn a date or time into a whole number (``starts_on__year``).
INTEGER_TRANSFORMS = frozenset(
    {"year", "iso_year", "month", "day", "week", "week_day", "iso_week_day", "quarter", "hour"}
    | {"minute", "second"}
)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` that always ends with the primary key, so pages never overlap or skip,
    and refuses a field it cannot order by (DRF ignores it, so a typo silently changes the
    order a client relies on).

    Without a tie-breaker two rows with the same ``year`` may swap between page 1 and page 2.
    """

    def get_ordering(self, request, queryset, view):
        terms = [
            term.strip()
            for term in request.query_params.get(self.ordering_param, "").split(",")
            if term.strip()
        ]
        if terms:
            valid = {name for name, _label in self.get_valid_fields(queryset, view, {})}
            unknown = [term for term in terms if term.removeprefix("-") not in valid]
            if unknown:
                raise serializers.ValidationError(
                    {
                        self.ordering_param: [
                            _("Cannot order by “%(term)s”. Allowed: %(allowed)s.")
                            % {"term": term, "allowed": ", ".join(sorted(valid))}
                            for term in unknown
                        ]
                    }
                )
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in ("pk", "id") for field in ordering):
            ordering.append("pk")
        return ordering

    def get_schema_operation_parameters(self, view):
        """The allowed terms as an enum: a comma-separated list (``-year,name``)."""
        fields = [name for name, _label in self.get_valid_fields(None, view, {})]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(
                    gettext_lazy(
                        "Fields to order by, comma-separated; a leading “-” reverses the order."
                    )
                ),
                "style": "form",
                "explode": False,
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": [term for name in fields for term in (name, f"-{name}")],
                    },
                },
            }
        ]


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the database's 64-bit range: ``0.5`` or a 30-digit number is a
    400 that names the parameter, not a filter on a decimal (or an overflow in the driver)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


class IdFilter(IntegerFilter):
    """An id. Django keeps an out-of-range number away from an integer column, but not from a
    foreign key, which SQLite cannot even bind: a larger id answers 400 here instead of 500."""


def is_whole_number_field(model, field_name: str) -> bool:
    """Whether ``field_name`` (a path from ``model``) compares with whole numbers: an integer
    field, or a date part such as ``starts_on__year``."""
    field = get_model_field(model, field_name)
    if field is None:
        base, _sep, transform = field_name.rpartition("__")
        return transform in INTEGER_TRANSFORMS and get_model_field(model, base) is not None
    return isinstance(field, models.IntegerField | models.AutoField)


def is_id_choice(declared) -> bool:
    """A single-row choice by integer primary key (django-filter's ``ModelChoiceFilter``
    without ``to_field_name``)."""
    if type(declared) is not django_filters.ModelChoiceFilter:
        return False
    queryset = declared.extra.get("queryset")
    target = getattr(queryset, "model", None)
    auto = (models.AutoField, models.BigAutoField, models.SmallAutoField)
    if target is None or not isinstance(target._meta.pk, auto):
        return False
    # django-filter names the foreign key's target field ("id"); another field is not an id.
    return declared.extra.get("to_field_name") in (None, target._meta.pk.name)


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (in any case), as the description's ``boolean`` says; nothing
    means no filter. django-filter's boolean widgets read anything else (``maybe``, ``yes``)
    as "no filter" and answer the whole list."""

    widget = forms.TextInput
    default_error_messages = {"invalid": gettext_lazy("Enter true or false.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return text == "true"


def strict_boolean(declared):
    """A copy of ``declared`` (a ``BooleanFilter``) that reads its value with
    ``StrictBooleanField``: the raw text reaches the field, whatever widget was declared."""
    strict = copy.deepcopy(declared)
    strict.__dict__.pop("_field", None)
    strict.field_class = StrictBooleanField
    strict.extra["widget"] = forms.TextInput
    return strict


@functools.cache
def strict_filterset(filterset_class):
    """``filterset_class`` with each ``NumberFilter`` on a whole-number field taking whole
    numbers only (``IntegerFilter``'s form field and range) and each ``BooleanFilter`` taking
    ``true`` or ``false`` only (``StrictBooleanField``); others are kept as declared. One
    subclass per filterset, made once."""
    model = filterset_class._meta.model
    replaced = {}
    for name, declared in filterset_class.base_filters.items():
        if is_id_choice(declared):
            # A row that does not exist, or that the user may not see, is not a malformed
            # request: the list is filtered by it and comes back empty (the schema says "an
            # integer"; a 400 would also tell which ids exist). The view's queryset stays the
            # only source of rows, so nothing outside it can appear.
            replaced[name] = IdFilter(
                field_name=declared.field_name,
                lookup_expr=declared.lookup_expr,
                label=declared.label,
                help_text=declared.extra.get("help_text"),
                distinct=declared.distinct,
                exclude=declared.exclude,
            )
            continue
        if (
            type(declared) is django_filters.NumberFilter
            and model is not None
            and is_whole_number_field(model, declared.field_name)
        ):
            strict = copy.deepcopy(declared)
            strict.field_class = forms.IntegerField
            strict.extra.setdefault("min_value", INT64_MIN)
            strict.extra.setdefault("max_value", INT64_MAX)
            replaced[name] = strict
        elif isinstance(declared, django_filters.BooleanFilter):
            replaced[name] = strict_boolean(declared)
    if not replaced:
        return filterset_class
    subclass = type(filterset_class.__name__, (filterset_class,), {})
    subclass.base_filters = {**filterset_class.base_filters, **replaced}
    return subclass


class PortalFilterBackend(DjangoFilterBackend):
    """django-filter's backend with ``strict_filterset`` applied to every view's filters."""

    def get_filterset_class(self, view, queryset=None):
        filterset_class = super().get_filterset_class(view, queryset)
        return strict_filterset(filterset_class) if filterset_class is not None else None


class PortalFilterExtension(DjangoFilterExtension):
    """The description of ``PortalFilterBackend``'s parameters, with each number's bounds
    (``minimum``/``maximum`` from its form field), so a client knows the range it may send."""

    target_class = "core.api.filters.PortalFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        bounds = {
            "minimum": filter_field.extra.get("min_value"),
            "maximum": filter_field.extra.get("max_value"),
        }
        if filter_field.field_class is forms.IntegerField:
            for parameter in parameters:
                schema = parameter["schema"]
                schema["type"] = "integer"
                schema["format"] = "int64"
                schema.update({key: value for key, value in bounds.items() if value is not None})
        return parameters


def track_filterset(
    model, *, path: str = "track", fields=(), **filters
) -> type[django_filters.FilterSet]:
    """A FilterSet for rows of ``model`` that belong to a track through ``path`` (e.g.
    ``application__track``): ``?track=`` (id), ``?call=`` (slug) and ``?year=``, the model's
    ``fields`` (django-filter's own filters) and any other ``filters`` declared here."""
    declared = {
        "track": IdFilter(field_name=path, help_text=gettext_lazy("Id of the track.")),
        "call": django_filters.CharFilter(
            field_name=f"{path}__call__slug", help_text=gettext_lazy("Call slug.")
        ),
        "year": IntegerFilter(
            field_name=f"{path}__call__year", help_text=gettext_lazy("Programme year.")
        ),
        **filters,
    }
    meta = type("Meta", (), {"model": model, "fields": ["track", "call", "year", *fields]})
    return type(
        f"{model.__name__}TrackFilterSet", (django_filters.FilterSet,), {**declared, "Meta": meta}
    )
