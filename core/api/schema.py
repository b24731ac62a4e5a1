"""OpenAPI helpers: the common error component and the error responses every operation can give.

Every operation documents 400, 401, 403, 404, 429 and 503 in the one shape that
``core.api.exceptions.api_exception_handler`` produces, and every write (POST, PUT, PATCH,
DELETE) 409 too, so a client (and schemathesis) can rely on the description for failures as
well as for successes.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    detail = serializers.CharField(help_text=_("A human-readable summary of the error."))
    code = serializers.CharField(
        help_text=_("A stable machine-readable code, e.g. invalid, not_found, permission_denied.")
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Field errors: field name → messages. Empty when no field is at fault."),
    )

    class Meta:
        ref_name = "Error"


def _example(name, summary, detail, code, errors=None):
    return OpenApiExample(
        name,
        summary=summary,
        value={"detail": detail, "code": code, "errors": errors or {}},
        response_only=True,
    )


ERROR_RESPONSES = {
    "400": OpenApiResponse(
        ErrorSerializer,
        description=_("Bad input: field errors, an invalid filter, or a business rule refused it."),
        examples=[
            _example(
                "ValidationError",
                "A field is missing",
                "Invalid input.",
                "invalid",
                {"title": ["This field is required."]},
            ),
            _example(
                "DomainError",
                "A business rule refused the change",
                "An application cannot go from “Draft” to “Eligible”.",
                "illegal_transition",
            ),
        ],
    ),
    "401": OpenApiResponse(
        ErrorSerializer,
        description=_("The token is missing, invalid or revoked."),
        examples=[
            _example(
                "InvalidToken",
                "A revoked token",
                "Invalid or revoked token.",
                "authentication_failed",
            )
        ],
    ),
    "403": OpenApiResponse(
        ErrorSerializer,
        description=_("Not logged in, or the permission rules refuse this action."),
        examples=[
            _example(
                "PermissionDenied",
                "Not allowed",
                "You do not have permission to perform this action.",
                "permission_denied",
            )
        ],
    ),
    "404": OpenApiResponse(
        ErrorSerializer,
        description=_(
            "Not found, or not visible to you: the API never reveals that another "
            "organisation's object exists."
        ),
        examples=[
            # What every 404 says (``core.api.exceptions``): never the model's name.
            _example("NotFound", "Not found", "Not found.", "not_found")
        ],
    ),
    "429": OpenApiResponse(
        ErrorSerializer,
        description=_("Too many requests; retry after the number of seconds in Retry-After."),
        examples=[
            _example(
                "Throttled",
                "Rate limit",
                "Request was throttled. Expected available in 30 seconds.",
                "throttled",
            )
        ],
    ),
    "503": OpenApiResponse(
        ErrorSerializer,
        description=_(
            "The service cannot do it now: the database could not be used "
            "(service_unavailable, with Retry-After) or an uploaded file could not be stored "
            "(storage_unavailable). Nothing was saved; try again later."
        ),
        examples=[
            _example(
                "ServiceUnavailable",
                "The database is down",
                "The service is unavailable for a moment; please try again in a minute.",
                "service_unavailable",
            )
        ],
    ),
}

# The headers of those answers a client must read (``core.api.views.service_unavailable``,
# DRF's throttles), and the ``ETag`` of an object with a lost-update check.
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": _("Seconds to wait before trying again."),
    }
}
ETAG = {
    "ETag": {
        "schema": {"type": "string"},
        "description": _("The object as read: send it back in If-Match with a change."),
    }
}
HEADERS_BY_CODE = {"429": RETRY_AFTER, "503": RETRY_AFTER}
# The actions whose answer is the object itself, with its ``ETag`` (``core.api.viewsets``).
VERSIONED_ACTIONS = frozenset({"retrieve", "create", "partial_update", "update"})


# A write may come too late: the services refuse it with a code the API answers with 409
# (``core.api.exceptions.CONFLICT_CODES``: ``deadline`` for a draft changed, uploaded to,
# submitted or shortlisted after its call closed, …), deep in any write. Every write documents
# it; an operation with a 409 of its own (``edit_conflict``, ``already_submitted``) keeps that.
CONFLICT_RESPONSE = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "A conflict with the current state: the request came too late (deadline: the call, or "
        "its concept notes, have closed) or what it changes was changed since it was read."
    ),
    examples=[
        _example(
            "Deadline",
            "The call has closed",
            "The call closed on 2026-06-30 18:00 (Korea time); applications can no longer be "
            "changed or submitted.",
            "deadline",
        )
    ],
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The lost-update check of a change (``core.api.viewsets``, ``version_fields``).
IF_MATCH = OpenApiParameter(
    name="If-Match",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=_(
        "The ETag of the object as you read it: when someone changed it since, nothing changes "
        "and the answer is 409 (changed_meanwhile; for an application edit_conflict, naming "
        "the section). Without it the last change wins. Only this change takes If-Match: any "
        "other write sent with it answers 400 precondition_unsupported."
    ),
)

# The actions a router maps to list and detail URLs; any other is an ``@action``.
STANDARD_ACTIONS = frozenset(
    {"list", "retrieve", "create", "update", "partial_update", "destroy", "metadata"}
)


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema with the common error responses added to every operation (and
    409 to every write, ``CONFLICT_RESPONSE``), the viewset's ``schema_tags``, and request
    bodies read from its ``input_serializers`` (an ``@action`` without one takes no body)."""

    def get_tags(self):
        return list(getattr(self.view, "schema_tags", None) or super().get_tags())

    def get_override_parameters(self):
        """A viewset with ``version_fields`` takes ``If-Match`` on its changes."""
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "version_fields", ()) and self.method.upper() in ("PATCH", "PUT"):
            parameters.append(IF_MATCH)
        return parameters

    def get_request_serializer(self):
        action = getattr(self.view, "action", None)
        serializer = getattr(self.view, "input_serializers", {}).get(action)
        if serializer is not None:
            return serializer
        if action is not None and action not in STANDARD_ACTIONS:
            return None
        return super().get_request_serializer()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = dict(ERROR_RESPONSES)
        if self.method.upper() in WRITE_METHODS:
            errors["409"] = CONFLICT_RESPONSE
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        for code, headers in HEADERS_BY_CODE.items():
            responses[code].setdefault("headers", {}).update(headers)
        if getattr(self.view, "version_fields", ()) and self.view.action in VERSIONED_ACTIONS:
            for code in ("200", "201"):
                if code in responses:
                    responses[code].setdefault("headers", {}).update(ETAG)
        return responses


def api_docs(**operations):
    """``extend_schema_view`` in short: an operation given as a (translated) string is only its
    summary; give ``extend_schema(...)`` where it also needs a description, examples or a
    response other than the viewset's serializer."""
    return extend_schema_view(
        **{
            name: extend_schema(summary=spec) if isinstance(spec, str | Promise) else spec
            for name, spec in operations.items()
        }
    )
