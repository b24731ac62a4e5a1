"""One error shape for the whole API: ``{"detail": ..., "code": ..., "errors": {field: [...]}}``,
nested field errors included (``flat_errors``)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from core.domain import DomainError

NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY
# Domain error codes that mean "you may not do this" rather than "this input is wrong".
FORBIDDEN_CODES = frozenset({"forbidden", "permission_denied"})
# Domain error codes that mean "the server cannot do it now; retry later" (a full disk).
UNAVAILABLE_CODES = frozenset({"storage_unavailable"})
# Domain error codes that mean "the request came too late: the state has moved on" (a draft
# changed or submitted after its call closed; a change to what someone else changed since,
# ``core.concurrency.StaleEdit``; a step on a deliverable or payment request sent again since
# it was read, ``awards.contractor_selection.CHANGED_SINCE``, the same code; an answer to a
# clarification request a colleague answered, or staff closed, meanwhile: ``no_request`` of
# ``applications.services.answer_clarification``, which the page answers with 409 too).
CONFLICT_CODES = frozenset({"deadline", "changed_meanwhile", "no_request"})


class PreconditionUnsupported(exceptions.APIException):
    """``If-Match`` on a write that cannot evaluate it (``core.api.viewsets``): refused rather
    than ignored, which would give the client the last-write-wins it asked not to have."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "precondition_unsupported"
    default_detail = gettext_lazy(
        "This request does not take If-Match: only a PATCH of an object whose answers carry an "
        "ETag does. Send the request without it (or with the version field it describes)."
    )


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        errors = getattr(exc, "errors", None)
        if isinstance(errors, dict):
            errors = {field: [str(message)] for field, message in errors.items()}
        else:
            errors = {exc.field: [str(exc.message)]} if exc.field else {}
        if exc.code in FORBIDDEN_CODES:
            code = status.HTTP_403_FORBIDDEN
        elif exc.code in UNAVAILABLE_CODES:
            code = status.HTTP_503_SERVICE_UNAVAILABLE
        elif exc.code in CONFLICT_CODES:
            code = status.HTTP_409_CONFLICT
        else:
            code = status.HTTP_400_BAD_REQUEST
        return Response(
            {"detail": str(exc.message), "code": exc.code, "errors": errors}, status=code
        )
    if isinstance(exc, Http404):
        # Django's message names the model ("No Application matches the given query.") and is
        # never translated: the API's 404 says only "Not found.", in the request's language,
        # as for a path no route takes (core.api.views). A NotFound an action raises with its
        # own (translated) message keeps it.
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = flat_errors(data if isinstance(data, dict) else {NON_FIELD_ERRORS: data})
        response.data = {
            "detail": str(exceptions.ValidationError.default_detail),  # translated by DRF
            "code": "invalid",
            "errors": errors,
        }
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response


def flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """Field errors as ``{field: [messages]}`` at every depth: an error inside a list or a nested
    object is named by its path (``scores.0.points``, ``sections.1``), as the schema promises; a
    nested object's own errors are its field's (``scores``, not ``scores.non_field_errors``)."""
    if isinstance(errors, dict):
        items = errors.items()
    elif isinstance(errors, list) and any(isinstance(item, dict | list) for item in errors):
        items = enumerate(errors)
    else:
        messages = errors if isinstance(errors, list) else [errors]
        return {prefix or NON_FIELD_ERRORS: [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in items:
        if key == NON_FIELD_ERRORS and prefix:
            path = prefix
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        for name, messages in flat_errors(value, path).items():
            flat.setdefault(name, []).extend(messages)
    return flat
