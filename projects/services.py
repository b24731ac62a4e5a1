"""Writes for calls, tracks and the funded portfolio."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from core.domain import IllegalTransition

from .models import Call, Deliverable, Project

S = Call.Status
CALL_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PUBLISHED},
    S.PUBLISHED: {S.DRAFT, S.OPEN},
    S.OPEN: {S.CLOSED},
    S.CLOSED: {S.OPEN, S.IN_REVIEW},
    S.IN_REVIEW: {S.DECIDED},
    S.DECIDED: {S.ARCHIVED},
    S.ARCHIVED: set(),
}


@transaction.atomic
def transition_call(*, call: Call, to: str, actor=None, reason: str = "") -> Call:
    """Move a call along its lifecycle; refuses moves outside ``CALL_TRANSITIONS``.

    Writes an audit row. Does not check the dates: ``sync_call_statuses`` does that.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    old = call.status
    if to not in CALL_TRANSITIONS.get(old, set()):
        raise IllegalTransition(
            _("A call cannot go from “%(old)s” to “%(new)s”.")
            % {"old": Call.Status(old).label, "new": Call.Status(to).label}
        )
    call.status = to
    call.full_clean()
    call.save(update_fields=["status"])
    record_audit_event(
        subject=call,
        action="status",
        actor=actor,
        old_value=old,
        new_value=to,
        detail={"reason": reason} if reason else {},
    )
    return call


def sync_call_statuses(*, now=None) -> list[tuple[int, str]]:
    """Open published calls whose opening time has come and close open calls past their closing
    time. The server's clock decides (times stored in UTC, entered in Asia/Seoul).
    Returns the (call id, new status) pairs changed; idempotent."""
    now = now or timezone.now()
    changed = []
    for call in Call.objects.filter(status=S.PUBLISHED, opens_at__lte=now, closes_at__gt=now):
        transition_call(call=call, to=S.OPEN, reason="opening time reached")
        changed.append((call.pk, S.OPEN))
    for call in Call.objects.filter(status=S.OPEN, closes_at__lte=now):
        transition_call(call=call, to=S.CLOSED, reason="closing time reached")
        changed.append((call.pk, S.CLOSED))
    return changed


D = Deliverable.Status
DELIVERABLE_TRANSITIONS: dict[str, set[str]] = {
    D.PENDING: {D.SUBMITTED},
    D.SUBMITTED: {D.ACCEPTED, D.RETURNED},
    D.RETURNED: {D.SUBMITTED},
    D.ACCEPTED: set(),
}


@transaction.atomic
def transition_deliverable(
    *, deliverable: Deliverable, to: str, actor, feedback: str = ""
) -> Deliverable:
    """Move a deliverable (pending → submitted → accepted | returned); audited."""
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    old = deliverable.status
    if to not in DELIVERABLE_TRANSITIONS[old]:
        raise IllegalTransition(
            _("A deliverable cannot go from “%(old)s” to “%(new)s”.")
            % {"old": D(old).label, "new": D(to).label}
        )
    deliverable.status = to
    now = timezone.now()
    if to == D.SUBMITTED:
        deliverable.submitted_at, deliverable.submitted_by = now, actor
    else:
        deliverable.reviewed_at, deliverable.reviewed_by = now, actor
        deliverable.feedback = feedback
    deliverable.full_clean()
    deliverable.save()
    record_audit_event(
        subject=deliverable,
        action="status",
        actor=actor,
        old_value=old,
        new_value=to,
        detail={"feedback": feedback} if feedback else {},
    )
    return deliverable


@transaction.atomic
def set_project_status(*, project: Project, to: str, actor, reason: str = "") -> Project:
    """Change a funded project's status (active, completed, cancelled); audited."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    old = project.status
    if old == to:
        return project
    if old != Project.Status.ACTIVE:
        raise IllegalTransition(_("Only an active project can change its status."))
    project.status = to
    project.full_clean()
    project.save(update_fields=["status"])
    record_audit_event(
        subject=project,
        action="status",
        actor=actor,
        old_value=old,
        new_value=to,
        detail={"reason": reason} if reason else {},
    )
    return project
