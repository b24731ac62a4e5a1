"""The assignment's lifecycle table and its one transition service."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.transitions import apply_transition
from reviews.models import (
    Assignment,
)

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


@transaction.atomic
def transition_assignment(
    *, assignment: Assignment, to: str, actor, reason: str = "", detail: dict | None = None
) -> Assignment:
    """Move an assignment along its lifecycle; locks the row, audits the move.

    Does not compute totals or validate scores: ``submit_review`` does that before calling.
    """

    def prepare(row: Assignment, old: str) -> None:
        if to == A.SUBMITTED:
            row.submitted_at = timezone.now()

    return apply_transition(
        assignment,
        to=to,
        table=ASSIGNMENT_TRANSITIONS,
        actor=actor,
        refusal=_("An assignment cannot go from “%(old)s” to “%(new)s”."),
        prepare=prepare,
        reason=reason,
        detail=detail,
    )
