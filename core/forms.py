"""What every page does alike with a service's answer: a ``DomainError`` shown on the form,
next to the field it names; and the one date-and-time field every form asks with.

Interfaces only: these helpers neither read nor write anything themselves.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import nullcontext

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.concurrency import StaleEdit
from core.domain import (
    FIRST_YEAR,
    INT64_MAX,
    LAST_YEAR,
    PAST_DUE,
    YEAR_OUT_OF_RANGE,
    DomainError,
    is_past,
)

# What a ``datetime-local`` input sends, and what a person may type in its place.
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

# The hidden field carrying the fingerprint of the values a page showed (``core.concurrency``).
SEEN_VERSION = "seen_version"


def id_from(value) -> int | None:
    """``value`` (from a query string or a posted form) as the id of a row, or None when it
    cannot name one: only ASCII digits (``"²".isdigit()`` is true, yet ``int`` refuses it),
    at least 1, within the database's range (SQLite cannot even compare a larger number: a
    server error otherwise)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= INT64_MAX else None


def ids_from(values) -> list[int]:
    """The values that name a row (``id_from``), in their order; the others left out."""
    return [number for number in map(id_from, values) if number is not None]


def guard_against_stale(form: forms.BaseForm, seen: str) -> None:
    """Give ``form`` the hidden field that carries ``seen``, the fingerprint of the values the
    page shows (``core.concurrency.fingerprint``); the service it is posted to compares it with
    the values stored then. A bound form sends back what its page carried."""
    form.fields[SEEN_VERSION] = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=seen
    )


def seen_version(form: forms.BaseForm) -> str | None:
    """The fingerprint a valid bound form was opened with (None when it carries none)."""
    return form.cleaned_data.get(SEEN_VERSION) or None


def apply_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a refused change on the form: next to the field the rule names, if the form has
    it, otherwise at the top of the form. A refusal of a stale form (``StaleEdit``) also gives
    the form the fingerprint of the values stored now: saving again, after reading what the
    colleague changed, is a deliberate choice."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if isinstance(exc, StaleEdit):
        form.refused_as_stale = True
        if SEEN_VERSION in form.fields and form.is_bound:
            data = form.data.copy()
            data[form.add_prefix(SEEN_VERSION)] = exc.current
            form.data = data


def refusal_status(form: forms.BaseForm) -> int:
    """The status of a page showing a refused form again: 409 when it was stale, else 400."""
    return 409 if getattr(form, "refused_as_stale", False) else 400


def run_service_on_form(form: forms.BaseForm, service: Callable[[dict], object]) -> bool:
    """Validate a bound form and, if it is valid, call ``service`` with its cleaned data.

    True when the service ran; False when the form is invalid or the service refused with a
    ``DomainError``, which is then shown on the form. Sends no message and never redirects:
    the view decides what success looks like.
    """
    if not form.is_valid():
        return False
    try:
        service(form.cleaned_data)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return False
    return True


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time typed in a ``datetime-local`` input, in the active time zone or, given
    ``time_zone``, in that zone whatever the user's own (read and shown there).

    Refused next to the field, in the user's language, when its year lies outside
    ``FIRST_YEAR``–``LAST_YEAR`` and, with ``future``, when it is not after now (a due date
    being set). Every form asking for a date and time uses it."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT)
    input_formats = [DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M"]
    default_error_messages = {
        "year_out_of_range": YEAR_OUT_OF_RANGE,
        "past": PAST_DUE,
    }

    def __init__(self, *, future: bool = False, time_zone: datetime.tzinfo | None = None, **kwargs):
        self.future = future
        self.time_zone = time_zone
        super().__init__(**kwargs)

    def _in_time_zone(self):
        return timezone.override(self.time_zone) if self.time_zone else nullcontext()

    def prepare_value(self, value):
        with self._in_time_zone():
            return super().prepare_value(value)

    def to_python(self, value):
        with self._in_time_zone():
            value = super().to_python(value)
        # The year as typed (the wall clock's), checked before anything converts it.
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(
                self.error_messages["year_out_of_range"],
                code="year_out_of_range",
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return value

    def validate(self, value):
        super().validate(value)
        if self.future and is_past(value):
            raise ValidationError(self.error_messages["past"], code="past")


class DisplayNameChoiceField(forms.ModelChoiceField):
    """A choice of rows of a bilingual model (``core.bilingual.BilingualMixin``: a country, an
    organisation) labelled with their ``display_name``: the reader's language, read when the
    field is rendered. Every such select uses it (``__str__`` is the English name)."""

    def label_from_instance(self, obj):
        return obj.display_name


class IdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several rows by id that refuses an id no row can have (``id_from``: a
    number beyond the database's range, ``"²"``) as it refuses any unknown choice, next to the
    field, rather than asking the database about it (a server error on SQLite)."""

    def _check_values(self, value):
        if self.to_field_name is None and not isinstance(value, str):
            for pk in value:
                if id_from(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)


class DisplayNameMultipleChoiceField(IdsMultipleChoiceField):
    """``DisplayNameChoiceField`` for several rows (checkboxes, a multiple select)."""

    def label_from_instance(self, obj):
        return obj.display_name


class TypedTextField(forms.CharField):
    """Text typed in a text area, a browser's line breaks (CRLF) as one character each, as
    the services count them (``core.domain.refuse_too_long``): a reason as long as a page's
    limit allows is not refused for its line breaks. A text area by default."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value
