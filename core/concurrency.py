"""Lost updates: a form posted from a page opened before someone else saved.

A page that edits a row (or a set of values: an agreement's budget lines, the version of a
message template in use) carries a hidden *fingerprint* of the values it showed
(``fingerprint``, ``row_fingerprint``; the form field is ``core.forms.guard_against_stale``).
The service that saves it compares that fingerprint with the values as stored now
(``refuse_if_changed``, ``refuse_if_row_changed``) and, when any of them changed since the
page was opened, refuses with ``StaleEdit`` instead of writing the page's old values over a
colleague's. The refusal names what changed and shows the values stored now; the form comes
back with what was typed and the fingerprint of the values stored now, so saving again is a
deliberate choice (``core.forms.apply_domain_error``). Pages answer 409.

A fingerprint is readable text, ``name:digest,name:digest`` (a short hash of each value): it
names the values it covers, so the check compares exactly what the page showed and nothing
else (a status a worker changed meanwhile does not refuse an edit of a name). It is no secret
and grants nothing: a forged one only takes away its sender's own protection. Without one (an
API client, a script) the last write wins, as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _

from core.domain import DomainError

# The longest value the refusal quotes.
SHOWN_CHARS = 120


class StaleEdit(DomainError):
    """Values a form was opened with changed since: nothing was written. ``current`` is the
    fingerprint of the values stored now (the form's next one); ``changed`` the names."""

    # The API's conflict code (409, ``core.api.exceptions.CONFLICT_CODES``).
    code = "changed_meanwhile"

    def __init__(self, message, *, current: str, changed: list[str]):
        super().__init__(message)
        self.current = current
        self.changed = changed


def _canonical(value: Any) -> str:
    if isinstance(value, Decimal):
        # 30, 30.0 and 30.00 are one value.
        value = format(value.normalize(), "f")
    elif isinstance(value, models.Model):
        value = value.pk
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, default=str)


def _digest(name: str, value: Any) -> str:
    return hashlib.sha256(f"{name}\0{_canonical(value)}".encode()).hexdigest()[:12]


def fingerprint(values: Mapping[str, Any]) -> str:
    """The fingerprint of ``values`` (name → value as stored) a page carries."""
    return ",".join(f"{name}:{_digest(name, values[name])}" for name in sorted(values))


def _parse(seen: str) -> dict[str, str]:
    digests = {}
    for item in (seen or "").split(","):
        name, _sep, digest = item.partition(":")
        if name.strip():
            digests[name.strip()] = digest.strip()
    return digests


def row_values(row: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The stored values of ``row``'s fields ``names`` (a relation by its key, many-to-many
    rows by their sorted keys); a name that is no field of the row has no value."""
    values = {}
    for name in names:
        try:
            field = row._meta.get_field(name)
        except FieldDoesNotExist:
            values[name] = None
            continue
        if field.many_to_many:
            values[name] = sorted(getattr(row, name).values_list("pk", flat=True)) if row.pk else []
        elif field.concrete:
            values[name] = field.value_from_object(row)
        else:
            values[name] = None
    return values


def editable_field_names(model, names: Iterable[str]) -> list[str]:
    """Those of ``names`` that are the model's own concrete or many-to-many fields."""
    fields = {
        field.name
        for field in model._meta.get_fields()
        if (field.concrete or field.many_to_many) and not field.auto_created
    }
    return [name for name in names if name in fields]


def row_fingerprint(row: models.Model, names: Iterable[str]) -> str:
    """The fingerprint of ``row``'s fields ``names`` (those that are its fields) as stored."""
    return fingerprint(row_values(row, editable_field_names(type(row), names)))


def _shown(text: Any) -> str:
    if text is None or text == "" or text == []:
        return str(_("(empty)"))
    if isinstance(text, bool):
        return str(_("Yes") if text else _("No"))
    if isinstance(text, (dict, list)):
        text = json.dumps(text, ensure_ascii=False, cls=DjangoJSONEncoder)
    return Truncator(str(text)).chars(SHOWN_CHARS)


def refuse_if_changed(
    current: Mapping[str, Any],
    seen: str | None,
    *,
    what,
    describe: Callable[[str], tuple[str, Any]] | None = None,
) -> None:
    """Refuse with ``StaleEdit`` when a value the page showed (``seen``, its fingerprint)
    differs from ``current`` (name → value stored now; a missing name has no value). Nothing
    is checked without a fingerprint. ``what`` names the thing ("criterion"); ``describe(name)``
    gives a changed value's label and how to show it (default: the name and the value)."""
    if not seen:
        return
    digests = _parse(seen)
    changed = [
        name for name, digest in digests.items() if _digest(name, current.get(name)) != digest
    ]
    if not changed:
        return
    shown = []
    for name in changed:
        label, value = describe(name) if describe else (name, current.get(name))
        shown.append(f"{capfirst(str(label))}: “{_shown(value)}”")
    raise StaleEdit(
        _(
            "Someone else changed this %(what)s since you opened it, so nothing was saved. "
            "Their values now: %(values)s. Your values are kept in the form: check them and "
            "save again to keep yours."
        )
        % {"what": what, "values": "; ".join(shown)},
        current=fingerprint({name: current.get(name) for name in digests}),
        changed=changed,
    )


def _row_display(row: models.Model, name: str) -> tuple[str, Any]:
    try:
        field = row._meta.get_field(name)
    except FieldDoesNotExist:
        return name, None
    if field.many_to_many:
        value = ", ".join(str(item) for item in getattr(row, name).all())
    elif field.is_relation:
        value = getattr(row, name)
    elif field.choices:
        value = getattr(row, f"get_{name}_display")()
    else:
        value = field.value_from_object(row)
    return getattr(field, "verbose_name", name), value


def refuse_if_row_changed(row: models.Model, seen: str | None, *, what=None) -> None:
    """``refuse_if_changed`` for the fields of ``row`` (as stored now: a fresh copy, locked by
    the caller where it writes) that the page's fingerprint ``seen`` covers."""
    if not seen:
        return
    refuse_if_changed(
        row_values(row, _parse(seen)),
        seen,
        what=what or row._meta.verbose_name,
        describe=lambda name: _row_display(row, name),
    )
