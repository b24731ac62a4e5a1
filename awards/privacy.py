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
from applications.privacy import anonymise_application
from awards.models import Award, Deliverable

FUNDED_RETENTION = Retention(10, _("after the project is completed"))
FUNDED_STATUSES = (Application.Status.SELECTED, Application.Status.AWARDED)
CLOSED_AWARD_STATUSES = (Award.Status.COMPLETED, Award.Status.CANCELLED)
KEPT = _(
    "Records of funded projects are kept for ten years after completion, for the audit of "
    "public grants; your contact details leave the application at once."
)


def funded_due(now):
    """Funded applications whose award closed (its last change: completion or cancellation)
    ten years ago, or that never got an award and whose call closed ten years ago."""
    cutoff = FUNDED_RETENTION.cutoff(now)
    return Application.objects.filter(status__in=FUNDED_STATUSES).filter(
        Q(award__status__in=CLOSED_AWARD_STATUSES, award__updated_at__lt=cutoff)
        | Q(award__isnull=True, call__closes_at__lt=cutoff)
    )


def export_deliverables(user) -> list[dict]:
    return [
        {
            "project": d.project.code,
            "kind": d.kind,
            "title": d.title,
            "status": d.status,
            "file_name": d.original_name,
            "submitted_at": d.submitted_at,
            "feedback": d.feedback,
        }
        for d in Deliverable.objects.filter(submitted_by=user)
        .select_related("project")
        .order_by("submitted_at", "pk")
    ]


def deliverable_files(user):
    for deliverable in (
        Deliverable.objects.filter(submitted_by=user).exclude(file="").order_by("pk")
    ):
        yield f"deliverables/{deliverable.pk}-{deliverable.original_name}", deliverable.file


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
