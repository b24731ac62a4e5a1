"""The one way a status changes: lock the row, check the lifecycle table, change, clean, save,
write the audit row and queue side effects after commit.

Each app keeps its own table (``APPLICATION_TRANSITIONS``, ``AWARD_TRANSITIONS``…) and its own
named transition service, which says what else a move sets (a submission time, a reference, a
reason) through ``prepare``; none of them repeats the steps below.

The audit trail lives in ``accounts``, above this app, so it is handed in once at start-up
(``register_audit_writer`` from ``AccountsConfig.ready``) instead of being imported here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from core.domain import IllegalTransition, clean_or_refuse

_audit_writer: Callable[..., Any] | None = None

# The refusal of an illegal move when the service names none of its own.
DEFAULT_REFUSAL = _("“%(old)s” cannot move to “%(new)s”.")


def register_audit_writer(writer: Callable[..., Any]) -> None:
    """Set the function that writes an audit row (``accounts.audit.record_audit_event``)."""
    global _audit_writer
    _audit_writer = writer


def allowed_moves(table: Mapping[str, set[str]], status: str) -> set[str]:
    """The statuses the table lets ``status`` move to (none for an unknown status)."""
    return set(table.get(status, ()))


def apply_transition(
    instance: models.Model,
    *,
    to: str,
    table: Mapping[str, set[str]],
    actor,
    refusal=DEFAULT_REFUSAL,
    field: str = "status",
    queryset: models.QuerySet | None = None,
    prepare: Callable[[Any, str], None] | None = None,
    reason: str = "",
    detail: dict | None = None,
    after_commit: Callable[[Any], None] | None = None,
    locked: bool = False,
) -> Any:
    """Move ``instance`` to status ``to`` and return the locked, saved row.

    ``refusal`` is the message of an illegal move, with ``%(old)s`` and ``%(new)s`` filled
    with the statuses' labels. ``prepare(row, old)`` sets what the move changes besides the
    status (it may raise a ``DomainError``). The audit row carries ``reason`` and ``detail``;
    ``after_commit(row)`` runs once the transaction commits (notifications, jobs), never
    inside it, so a rolled-back move tells nobody. ``locked``: ``instance`` is already the row
    as this transaction locked it (``select_for_update`` by the caller, who has checked it), so
    it is moved as it is instead of being read and locked a second time.
    """
    if _audit_writer is None:  # pragma: no cover - set by AccountsConfig.ready
        raise RuntimeError("No audit writer is registered: is the accounts app installed?")
    # A caller that hands in its locked row is inside its own transaction: the move needs no
    # savepoint of its own (two statements), and a failure inside it marks that transaction
    # for rollback, unless the caller holds a savepoint of its own (``atomic(savepoint=False)``).
    with transaction.atomic(savepoint=not locked):
        model = type(instance)
        # The row alone, even when the queryset joins related rows (``select_related``): PostgreSQL
        # would lock those too, and every move of any row pointing at them would queue behind it.
        if locked:
            row = instance
        else:
            queryset = queryset if queryset is not None else model._default_manager.all()
            row = queryset.select_for_update(of=("self",)).get(pk=instance.pk)
        old = getattr(row, field)
        if to not in allowed_moves(table, old):
            labels = dict(model._meta.get_field(field).flatchoices)
            raise IllegalTransition(
                refusal % {"old": labels.get(old, old), "new": labels.get(to, to)}
            )
        # A copy of what a ``prepare`` could change in place (a JSON field's dict or list), so
        # that such a change counts as a change and is written.
        before = {
            f.attname: copy.deepcopy(value) if isinstance(value, dict | list) else value
            for f in model._meta.concrete_fields
            for value in (getattr(row, f.attname),)
        }
        setattr(row, field, to)
        if prepare is not None:
            prepare(row, old)
        # What the move changed is checked, field by field; what it left as it was is not checked
        # again (a query per foreign key, unique field and constraint was most of the cost of a
        # move). The table constraints are the database's: none has the status among its fields,
        # and a check constraint a move could break (a submission without its time) is a
        # programming error, which the database refuses at the save.
        changed = [
            f for f in model._meta.concrete_fields if getattr(row, f.attname) != before[f.attname]
        ]
        unchanged = [f.name for f in model._meta.concrete_fields if f not in changed]
        clean_or_refuse(row, exclude=unchanged, validate_constraints=False)
        # Only what changed is written, and the fields that stamp every save (``auto_now``).
        row.save(
            update_fields=[
                f.name for f in model._meta.concrete_fields if f in changed or _stamped(f)
            ]
        )
        _audit_writer(
            subject=row,
            action=field,
            actor=actor,
            old_value=old,
            new_value=to,
            detail={**({"reason": reason} if reason else {}), **(detail or {})},
        )
        if after_commit is not None:
            transaction.on_commit(lambda: after_commit(row))
        return row


def _stamped(field: models.Field) -> bool:
    """Whether ``save`` sets the field itself on every save (``auto_now``)."""
    return bool(getattr(field, "auto_now", False))
