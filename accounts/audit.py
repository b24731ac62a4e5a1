"""Writing and reading the append-only audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


def record_audit_event(
    *,
    subject: models.Model,
    action: str,
    actor=None,
    old_value: str = "",
    new_value: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one audit row for ``subject``. Call inside the service's transaction."""
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        object_id=str(subject.pk),
        action=action,
        old_value=str(old_value or ""),
        new_value=str(new_value or ""),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        detail=detail or {},
    )


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
