"""Writes for review, results and awards. Status changes go through the transition services."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from kcity.domain import DomainError, IllegalTransition

from .models import Assignment, Award

A = Assignment.Status
# invited → accepted | declined | conflict → in_progress → submitted; staff may reopen.
ASSIGNMENT_TRANSITIONS: dict[str, set[str]] = {
    A.INVITED: {A.ACCEPTED, A.DECLINED, A.CONFLICT},
    A.ACCEPTED: {A.IN_PROGRESS, A.DECLINED, A.CONFLICT},
    A.DECLINED: {A.INVITED},
    A.CONFLICT: set(),
    A.IN_PROGRESS: {A.SUBMITTED, A.CONFLICT},
    A.SUBMITTED: {A.IN_PROGRESS},
}

W = Award.Status
AWARD_TRANSITIONS: dict[str, set[str]] = {
    W.PROPOSED: {W.APPROVED, W.CANCELLED},
    W.APPROVED: {W.CONTRACTED, W.CANCELLED},
    W.CONTRACTED: {W.IN_PROGRESS, W.CANCELLED},
    W.IN_PROGRESS: {W.COMPLETED, W.CANCELLED},
    W.COMPLETED: set(),
    W.CANCELLED: set(),
}


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(
            " ".join(m for msgs in exc.message_dict.values() for m in msgs), code="invalid"
        ) from exc


@transaction.atomic
def transition_assignment(
    *, assignment: Assignment, to: str, actor, reason: str = "", detail: dict | None = None
) -> Assignment:
    """Move an assignment along its lifecycle; locks the row, audits the move.

    Does not compute totals or validate scores: ``submit_review`` does that before calling.
    """
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    old = assignment.status
    if to not in ASSIGNMENT_TRANSITIONS.get(old, set()):
        raise IllegalTransition(
            _("An assignment cannot go from “%(old)s” to “%(new)s”.")
            % {"old": A(old).label, "new": A(to).label}
        )
    assignment.status = to
    if to == A.SUBMITTED:
        assignment.submitted_at = timezone.now()
    _clean(assignment)
    assignment.save()
    record_audit_event(
        subject=assignment,
        action="status",
        actor=actor,
        old_value=old,
        new_value=to,
        detail={**({"reason": reason} if reason else {}), **(detail or {})},
    )
    return assignment


@transaction.atomic
def transition_award(*, award: Award, to: str, actor, reason: str = "") -> Award:
    """Move an award along proposed → approved → contracted → in_progress → completed, or to
    cancelled; locks the row and audits. Reserve promotion on cancel is the caller's business."""
    award = Award.objects.select_for_update().get(pk=award.pk)
    old = award.status
    if to not in AWARD_TRANSITIONS.get(old, set()):
        raise IllegalTransition(
            _("An award cannot go from “%(old)s” to “%(new)s”.")
            % {"old": W(old).label, "new": W(to).label}
        )
    if to == W.CANCELLED and not reason:
        raise DomainError(_("Give a reason for cancelling the award."), field="reason")
    award.status = to
    if to == W.CANCELLED:
        award.cancelled_reason = reason
    _clean(award)
    award.save()
    record_audit_event(
        subject=award,
        action="status",
        actor=actor,
        old_value=old,
        new_value=to,
        detail={"reason": reason} if reason else {},
    )
    return award
