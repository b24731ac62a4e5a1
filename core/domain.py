"""Domain errors shared by every app's services.

A service raises ``DomainError`` (or a subclass) when a business rule refuses a change;
views turn it into a form error or an HTTP 400, never a 500.
"""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the requested change. ``message`` is user-facing."""

    code = "domain_error"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code


class IllegalTransition(DomainError):
    """A status change that the lifecycle's transition table does not allow."""

    code = "illegal_transition"


def clean_or_refuse(
    obj, *, exclude=None, validate_unique: bool = True, validate_constraints: bool = True
) -> None:
    """``full_clean()`` the object, turning a ``ValidationError`` into a ``DomainError`` (the
    messages joined), so a service refuses bad values the way it refuses any other rule. The
    error names the first field refused, so a form shows it next to that field (a rule across
    fields, such as a check constraint, stays at the top of the form). ``exclude``,
    ``validate_unique`` and ``validate_constraints``: as ``full_clean``'s.

    A date outside ``FIRST_YEAR``–``LAST_YEAR`` is refused first, whatever door it came by (a
    back-office date widget, the API): year 1 typed in Seoul cannot be stored in UTC, and year
    9999 cannot be shown in Seoul."""
    for model_field in obj._meta.concrete_fields:
        if not isinstance(model_field, models.DateField) or model_field.name in (exclude or ()):
            continue
        value = getattr(obj, model_field.attname)
        if isinstance(value, datetime.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise DomainError(
                YEAR_OUT_OF_RANGE % {"first": FIRST_YEAR, "last": LAST_YEAR},
                code="year_out_of_range",
                field=model_field.name,
            )
    try:
        obj.full_clean(
            exclude=exclude,
            validate_unique=validate_unique,
            validate_constraints=validate_constraints,
        )
    except ValidationError as exc:
        errors = exc.message_dict
        field = next((name for name in errors if name != NON_FIELD_ERRORS), None)
        raise DomainError(
            " ".join(m for msgs in errors.values() for m in msgs), code="invalid", field=field
        ) from exc


def require_permission(actor, permission: str, obj=None, *, message) -> None:
    """Refuse the change (a ``DomainError`` with code ``forbidden``, which interfaces turn into
    a 403) unless ``actor`` has ``permission`` on ``obj``: services ask the same rules as the
    pages, the API and the admin, by name, instead of restating who may act."""
    if actor is None or not actor.has_perm(permission, obj):
        raise DomainError(message, code="forbidden")


# The longest text a person types for someone else to read: a reason (why an application is
# ineligible or withdrawn, why a decision changed, why a review is reopened) and a note (a
# reviewer's decline note). The named services refuse longer text (``refuse_too_long``); the
# pages' form fields and the API's serializers take the same limits from here, so a page and its
# API accept the same text and a longer one is refused whichever door it came by.
REASON_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 5000
# A clarification request's message and the applicant's answer to it (a longer exchange).
MESSAGE_MAX_LENGTH = 10_000
TOO_LONG = _("Keep this to %(limit)s characters or fewer (it has %(count)s).")


def refuse_too_long(text: str, *, limit: int = REASON_MAX_LENGTH, field: str = "reason") -> str:
    """``text`` stripped, with a browser's line breaks (CRLF) as one character each, or a
    ``DomainError`` (code ``too_long``, on ``field``) when it is longer than ``limit``
    characters."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise DomainError(
            TOO_LONG % {"limit": f"{limit:,}", "count": f"{len(text):,}"},
            code="too_long",
            field=field,
        )
    return text


# A due date being set (a clarification's answer, a review) lies ahead, and within the years a
# date may take: the rule the services apply (``refuse_past_due``) and the forms' date field
# (``core.forms.BoundedDateTimeField``) ask alike, so a page says it next to the field and the
# API says the same. Far outside these years (1, 9999) a time cannot even be shown in Seoul.
PAST_DUE = _("This date must be in the future.")
FIRST_YEAR, LAST_YEAR = 2000, 2100
YEAR_OUT_OF_RANGE = _("Enter a date between the years %(first)s and %(last)s.")

# The range of a whole number the database can compare with a 64-bit column (an id, a
# filter's number): a larger one is a server error on SQLite, so every door refuses it first.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def is_past(value) -> bool:
    return value is not None and value <= timezone.now()


def refuse_past_due(value, *, field: str = "due_at") -> None:
    """Refuse a due date that is not after now or lies beyond ``LAST_YEAR`` (None: no due
    date, accepted)."""
    if value is not None and value.year > LAST_YEAR:
        raise DomainError(
            YEAR_OUT_OF_RANGE % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="year_out_of_range",
            field=field,
        )
    if is_past(value):
        raise DomainError(PAST_DUE, code="past", field=field)
