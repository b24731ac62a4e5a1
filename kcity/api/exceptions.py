"""One error shape for the whole API: ``{"detail": ..., "code": ..., "errors": {field: [...]}}``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from kcity.domain import DomainError

# Domain error codes that mean "you may not do this" rather than "this input is wrong".
FORBIDDEN_CODES = frozenset({"forbidden", "permission_denied"})


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        errors = getattr(exc, "errors", None)
        if isinstance(errors, dict):
            errors = {field: [str(message)] for field, message in errors.items()}
        else:
            errors = {exc.field: [str(exc.message)]} if exc.field else {}
        code = (
            status.HTTP_403_FORBIDDEN
            if exc.code in FORBIDDEN_CODES
            else status.HTTP_400_BAD_REQUEST
        )
        return Response(
            {"detail": str(exc.message), "code": exc.code, "errors": errors}, status=code
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": errors}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response
