"""Writes for calls, tracks and the funded portfolio."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.transitions import apply_transition
from projects.models import Call, Project

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
    return apply_transition(
        call,
        to=to,
        table=CALL_TRANSITIONS,
        actor=actor,
        refusal=_("A call cannot go from “%(old)s” to “%(new)s”."),
        reason=reason,
    )


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


# A funded project closes once, either way.
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    Project.Status.ACTIVE: {Project.Status.COMPLETED, Project.Status.CANCELLED},
}


@transaction.atomic
def set_project_status(*, project: Project, to: str, actor, reason: str = "") -> Project:
    """Change a funded project's status (active, completed, cancelled); audited."""
    if Project.objects.filter(pk=project.pk, status=to).exists():
        return project
    return apply_transition(
        project,
        to=to,
        table=PROJECT_TRANSITIONS,
        actor=actor,
        refusal=_("Only an active project can change its status."),
        reason=reason,
    )
