"""Funded projects' personal data, registered in ``accounts.privacy`` (AwardsConfig.ready).

A funded application's contact person and documents are kept for ten years after the project
is completed (or its award cancelled): the public accounts of a grant must be auditable that
long (the Korean Subsidy Management Act and the Public Records Management Act keep grant
records for up to ten years; see docs/privacy.md). The award, its amount, the funded project
and its deliverables stay: they are the programme's portfolio.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.privacy import Retention, register_personal_data
from applications.models import Application
from applications.privacy import anonymise_application, contractor_winner
from awards.models import Award, Deliverable, DeliverableVersion, PaymentRequest

FUNDED_RETENTION = Retention(10, _("after the project is completed"))
FUNDED_STATUSES = (Application.Status.SELECTED, Application.Status.AWARDED)
CLOSED_AWARD_STATUSES = (Award.Status.COMPLETED, Award.Status.CANCELLED)
KEPT = _(
    "Records of funded projects are kept for ten years after completion, for the audit of "
    "public grants; your contact details leave the application at once."
)


def funded_due(now):
    """Funded applications whose award closed (its last change: completion or cancellation)
    ten years ago, or that never got an award and whose call closed ten years ago; and the
    winning proposals of contractor selections, by their project's award the same way."""
    cutoff = FUNDED_RETENTION.cutoff(now)
    winner = contractor_winner()
    funded = Q(status__in=FUNDED_STATUSES) & ~winner
    return Application.objects.filter(
        (funded & Q(award__status__in=CLOSED_AWARD_STATUSES, award__updated_at__lt=cutoff))
        | (funded & Q(award__isnull=True, call__closes_at__lt=cutoff))
        # The company that carried out a project: as long as the project's own award.
        | (
            winner
            & Q(
                call__project__award__status__in=CLOSED_AWARD_STATUSES,
                call__project__award__updated_at__lt=cutoff,
            )
        )
        | (winner & Q(call__project__award__isnull=True, call__closes_at__lt=cutoff))
    )


def _unversioned_deliverables(user):
    """Deliverables the user submitted before versions were kept (awards 0002): their one
    submission lives on the deliverable itself."""
    return Deliverable.objects.filter(submitted_by=user, versions__isnull=True).select_related(
        "project"
    )


def export_deliverables(user) -> list[dict]:
    """Each version of a deliverable the user submitted (a returned report and its
    resubmission are two), with the outcome and feedback it was given."""
    rows = [
        {
            "project": v.deliverable.project.code,
            "kind": v.deliverable.kind,
            "title": v.deliverable.title,
            "version": v.number,
            "status": v.outcome or v.deliverable.status,
            "file_name": v.original_name,
            "submitted_at": v.submitted_at,
            "feedback": v.feedback,
        }
        for v in DeliverableVersion.objects.filter(submitted_by=user).select_related(
            "deliverable__project"
        )
    ]
    rows += [
        {
            "project": d.project.code,
            "kind": d.kind,
            "title": d.title,
            "version": 1,
            "status": d.status,
            "file_name": d.original_name,
            "submitted_at": d.submitted_at,
            "feedback": d.feedback,
        }
        for d in _unversioned_deliverables(user)
    ]
    return sorted(rows, key=lambda row: (row["submitted_at"] is None, row["submitted_at"]))


def deliverable_files(user):
    for version in (
        DeliverableVersion.objects.filter(submitted_by=user)
        .exclude(file="")
        .select_related("deliverable")
        .order_by("pk")
    ):
        yield (
            f"deliverables/{version.deliverable_id}-v{version.number}-{version.original_name}",
            version.file,
        )
    for deliverable in _unversioned_deliverables(user).exclude(file="").order_by("pk"):
        yield f"deliverables/{deliverable.pk}-{deliverable.original_name}", deliverable.file


def export_payment_requests(user) -> list[dict]:
    """The payment requests the user made for a funded project, with their evidence's name and
    what became of them."""
    return [
        {
            "agreement": r.tranche.agreement.reference,
            "tranche": r.tranche.number,
            "amount_krw": r.amount_krw,
            "status": r.status,
            "note": r.note,
            "file_name": r.original_name,
            "requested_at": r.requested_at,
            "paid_on": r.paid_on,
            "feedback": r.feedback,
        }
        for r in PaymentRequest.objects.filter(requested_by=user)
        .select_related("tranche__agreement")
        .order_by("requested_at", "pk")
    ]


def payment_evidence_files(user):
    for request in (
        PaymentRequest.objects.filter(requested_by=user).exclude(evidence="").order_by("pk")
    ):
        yield f"payment-requests/{request.pk}-{request.original_name}", request.evidence


def register() -> None:
    register_personal_data(
        "awards.funded_application",
        label=_("Funded applications: the contact person and the uploaded documents"),
        retention=FUNDED_RETENTION,
        due=funded_due,
        anonymise=anonymise_application,
    )
    register_personal_data(
        "awards.deliverable",
        label=_("Deliverables you submitted for a funded project"),
        export=export_deliverables,
        files=deliverable_files,
        kept_on_erasure=KEPT,
    )
    register_personal_data(
        "awards.payment_request",
        label=_("Payment requests you made for a funded project, with their evidence"),
        export=export_payment_requests,
        files=payment_evidence_files,
        kept_on_erasure=KEPT,
    )
