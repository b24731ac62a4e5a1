"""Writes for applications. Every status change goes through ``transition_application``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from kcity.domain import DomainError, IllegalTransition
from notifications.services import queue_message

from .models import Application

S = Application.Status
# The lifecycle: draft → submitted → eligible | ineligible → under_review → reviewed →
# selected | reserve | rejected → awarded; withdrawn from any state before a decision.
APPLICATION_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.ELIGIBLE, S.INELIGIBLE, S.CLARIFICATION, S.WITHDRAWN},
    S.CLARIFICATION: {S.SUBMITTED, S.WITHDRAWN},
    S.ELIGIBLE: {S.UNDER_REVIEW, S.INELIGIBLE, S.CLARIFICATION, S.WITHDRAWN},
    S.INELIGIBLE: {S.ELIGIBLE},
    S.UNDER_REVIEW: {S.REVIEWED, S.WITHDRAWN},
    S.REVIEWED: {S.UNDER_REVIEW, S.SELECTED, S.RESERVE, S.REJECTED, S.WITHDRAWN},
    S.SELECTED: {S.AWARDED, S.RESERVE, S.REJECTED},
    S.RESERVE: {S.SELECTED, S.REJECTED},
    S.REJECTED: {S.SELECTED, S.RESERVE},
    S.AWARDED: set(),
    S.WITHDRAWN: set(),
}

# Messages sent to the applicant's organisation on each status change (template names).
STATUS_MESSAGES = {
    S.SUBMITTED: "applications/submitted",
    S.CLARIFICATION: "applications/clarification_requested",
    S.ELIGIBLE: "applications/status_changed",
    S.INELIGIBLE: "applications/ineligible",
    S.SELECTED: "applications/decision",
    S.RESERVE: "applications/decision",
    S.REJECTED: "applications/decision",
    S.AWARDED: "applications/status_changed",
    S.WITHDRAWN: "applications/withdrawn",
}


def notify_applicants(
    *, application: Application, template: str, extra: dict | None = None
) -> None:
    """Queue a message to every member of the applicant organisation (call inside the change)."""
    context = {
        "reference": application.reference or "",
        "title": application.title,
        "status": application.status,
        "reason": application.status_reason,
        "call": application.call.name,
        **(extra or {}),
    }
    for membership in application.organization.memberships.select_related("user"):
        queue_message(
            recipient=membership.user,
            template=template,
            context=context,
            link=application.get_absolute_url(),
        )


def _next_reference(application: Application) -> str:
    prefix = f"{application.call.year}-{application.track.code}-"
    last = (
        Application.objects.select_for_update()
        .filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


@transaction.atomic
def transition_application(
    *,
    application: Application,
    to: str,
    actor,
    reason: str = "",
    detail: dict | None = None,
    notify: bool = True,
    now=None,
) -> Application:
    """Move an application to status ``to`` if the lifecycle allows it.

    Locks the row, checks ``APPLICATION_TRANSITIONS``, saves, writes an audit row and queues
    the applicant's notification after commit. Business checks specific to a move (deadline,
    documents, budget) belong to the named services that call this one.
    """
    application = (
        Application.objects.select_for_update()
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    old = application.status
    if to not in APPLICATION_TRANSITIONS.get(old, set()):
        raise IllegalTransition(
            _("An application cannot go from “%(old)s” to “%(new)s”.")
            % {"old": S(old).label, "new": S(to).label}
        )
    now = now or timezone.now()
    application.status = to
    application.status_reason = reason
    if to == S.SUBMITTED and application.submitted_at is None:
        application.submitted_at = now
    if to == S.SUBMITTED and not application.reference:
        application.reference = _next_reference(application)
    if to in Application.DECIDED_STATUSES:
        application.decided_at = now
    try:
        application.full_clean()
    except ValidationError as exc:
        raise DomainError(
            " ".join(m for msgs in exc.message_dict.values() for m in msgs), code="invalid"
        ) from exc
    application.save()
    record_audit_event(
        subject=application,
        action="status",
        actor=actor,
        old_value=old,
        new_value=to,
        detail={**({"reason": reason} if reason else {}), **(detail or {})},
    )
    if notify and to in STATUS_MESSAGES:
        notify_applicants(application=application, template=STATUS_MESSAGES[to])
    return application
