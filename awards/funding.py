"""Money after the award: agreements, their budget lines and payment schedule, amendments, and
payment requests from request to payment. Every write checks its rule, locks what it changes and
writes an audit row; pages, the API and the back office all call these functions.
See docs/funding.md."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import record_audit_event
from awards.models import Agreement, PaymentRequest, Tranche
from projects.models import Project

T = Tranche.Status
RS = PaymentRequest.Status


def final_tranche(project: Project) -> Tranche | None:
    """The last tranche of the schedule of the project's paying agreement (the service contract
    when there is one, else the grant agreement), or None when no schedule is set."""
    return (
        Tranche.objects.filter(agreement__project=project)
        .exclude(agreement__status=Agreement.Status.TERMINATED)
        .order_by("-agreement__kind", "-number")  # service_contract sorts after grant_agreement
        .first()
    )


def final_payment_decided(project: Project) -> bool:
    """Whether the final payment of the project is decided: its last tranche is paid or
    withheld. A project without a schedule has no final payment to decide (False)."""
    tranche = final_tranche(project)
    return tranche is not None and tranche.status in (T.PAID, T.WITHHELD)


@transaction.atomic
def stop_future_payments(*, project: Project, actor, reason: str) -> int:
    """A cancelled project pays nothing more: every tranche not yet paid or withheld is
    cancelled, and every request of it not yet paid is cancelled too (audited each).
    Returns the number of tranches stopped. Call inside the cancelling transaction."""
    tranches = list(
        Tranche.objects.select_for_update()
        .filter(agreement__project=project, status=T.SCHEDULED)
        .order_by("pk")
    )
    for tranche in tranches:
        for request in PaymentRequest.objects.select_for_update().filter(
            tranche=tranche, status__in=(RS.REQUESTED, RS.CHECKED, RS.APPROVED, RS.RETURNED)
        ):
            old = request.status
            request.status = RS.CANCELLED
            request.feedback = reason
            request.save(update_fields=["status", "feedback"])
            record_audit_event(
                subject=request,
                action="status",
                actor=actor,
                old_value=old,
                new_value=RS.CANCELLED,
                detail={"reason": reason},
            )
        tranche.status = T.CANCELLED
        tranche.decision_note = reason
        tranche.save(update_fields=["status", "decision_note"])
        record_audit_event(
            subject=tranche,
            action="status",
            actor=actor,
            old_value=T.SCHEDULED,
            new_value=T.CANCELLED,
            detail={"reason": reason},
        )
    return len(tranches)
