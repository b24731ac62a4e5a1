"""Writing and reading the append-only audit trail."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import AuditEvent

# The time given by ``recorded_at`` to the audit rows written inside its block (None: now).
_recorded_at: ContextVar[datetime.datetime | None] = ContextVar("audit_recorded_at", default=None)


def record_audit_event(
    *,
    subject: models.Model,
    action: str,
    actor=None,
    old_value: str = "",
    new_value: str = "",
    detail: dict | None = None,
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """Append one audit row for ``subject``. Call inside the service's transaction.

    ``at`` is when the event happened: by default now (or the time of an enclosing
    ``recorded_at`` block). Only the loading of events that took place before the portal
    (the demo seed's 2020–2022 history) passes a past time; a future time is refused, so a
    row can be dated back to a real past event but never ahead of its writing.

    ``old_value`` and ``new_value`` longer than their columns (a participant's name, a
    material's title) are cut to fit with an ellipsis; the whole value is then kept in
    ``detail`` under the same key, unless the caller put something there already.
    """
    now = timezone.now()
    at = at or _recorded_at.get() or now
    if timezone.is_naive(at):
        raise ValueError("An audit time must be timezone-aware.")
    if at > now:
        raise ValueError("An audit event cannot be dated in the future.")
    detail = dict(detail or {})
    values = {}
    for field, value in (("old_value", old_value), ("new_value", new_value)):
        value = str(value or "")
        max_length = AuditEvent._meta.get_field(field).max_length
        values[field] = Truncator(value).chars(max_length)
        if values[field] != value:  # cut to fit the column: the whole value in the detail
            detail.setdefault(field, value)
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        object_id=str(subject.pk),
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        detail=detail,
        created_at=at,
        **values,
    )


@contextmanager
def recorded_at(at: datetime.datetime | None) -> Iterator[None]:
    """Date the audit rows written inside the block (by any service) ``at`` instead of now.

    For loading history through the ordinary services, whose audit rows would otherwise carry
    the loading day: the demo seed wraps each 2022 step in the time it really happened. Live
    requests, tasks and commands never use it. ``None`` leaves the rows dated now. The rows
    stay append-only: this sets their time when they are written, it never changes one.
    """
    token = _recorded_at.set(at)
    try:
        yield
    finally:
        _recorded_at.reset(token)


def recording_time() -> datetime.datetime:
    """When a change made now is recorded as made: now, or the time of an enclosing
    ``recorded_at`` block (history loaded through the services). A rule about "now" that a
    replayed past step must pass (a call opened while its closing time was ahead) asks this."""
    return _recorded_at.get() or timezone.now()


def audit_events_for(subject: models.Model):
    """The audit trail of one object, oldest first, with actors joined."""
    return (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
            object_id=str(subject.pk),
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
