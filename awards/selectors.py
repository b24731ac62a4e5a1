"""Reads of awards and deliverables, with visibility applied once for pages, API and exports."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import roles
from accounts.audit import ACTION_LABELS
from accounts.models import AuditEvent
from accounts.selectors import is_member
from applications.models import Application
from awards.contractor_selection import can_review_deliverable
from awards.models import (
    Agreement,
    Amendment,
    Award,
    Deliverable,
    DeliverableVersion,
    PaymentRequest,
    Tranche,
)
from awards.services import AWARD_TRANSITIONS
from projects.models import Track
from projects.selectors import staff_tracks
from results.models import Decision


def deliverables_for_user(user) -> QuerySet[Deliverable]:
    """Deliverables the user may see: programme admins all; secretariat staff those of
    projects awarded on their tracks; contractors those of their organisations' projects.
    Used by the deliverable pages and the API. Each carries ``file_company`` for
    ``latest_file_visible_to``, and ``latest_version``, the number its review names
    (``contractor_selection.latest_version_number``: 0 when none was kept)."""
    qs = Deliverable.objects.select_related(
        "project__country", "project__city", "project__contractor"
    ).annotate(
        file_company=_latest_version_company(),
        latest_version=Coalesce(
            Subquery(
                DeliverableVersion.objects.filter(deliverable=OuterRef("pk"))
                .order_by("-number")
                .values("number")[:1]
            ),
            0,
        ),
    )
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return qs
    # Each deliverable comes out once (a project has one award): no DISTINCT.
    condition = Q(is_member(user, "project__contractor"))
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        condition |= Q(project__award__application__track__in=staff_tracks(user))
    return qs.filter(condition)


def _latest_version_company():
    """The company the deliverable's latest version was sent for: its id, 0 when that is not
    known, NULL when no version was ever kept (a file handed in before versions were)."""
    return Subquery(
        DeliverableVersion.objects.filter(deliverable=OuterRef("pk"))
        .order_by("-number")
        .annotate(company=Coalesce("organization_id", 0))
        .values("company")[:1]
    )


def versions_for_user(user, deliverable: Deliverable) -> QuerySet[DeliverableVersion]:
    """The deliverable's versions the user may see, latest first, with who sent them: staff
    who follow the project every one; the contractor's members only those sent for their own
    company, never those of a contractor that has left the project (its work and the
    feedback on it are not the next company's to read). The deliverable page, its version
    downloads and the API ask this."""
    versions = deliverable.versions.select_related("submitted_by", "organization").order_by(
        "-number"
    )
    if can_review_deliverable(user, deliverable):
        return versions
    if deliverable.project.contractor_id is None:
        return versions.none()
    return versions.filter(organization_id=deliverable.project.contractor_id)


def latest_file_visible_to(user, deliverable: Deliverable) -> bool:
    """Whether the deliverable's current file, and the feedback on it, is the user's to see:
    the rule of ``versions_for_user`` applied to its latest version (a file handed in before
    versions were kept counts as the present contractor's). Reads ``file_company`` from
    ``deliverables_for_user`` when there, else asks the database."""
    if hasattr(deliverable, "file_company"):
        company = deliverable.file_company
    else:
        company = (
            Deliverable.objects.filter(pk=deliverable.pk)
            .annotate(company=_latest_version_company())
            .values_list("company", flat=True)
            .get()
        )
    if company is None or company == deliverable.project.contractor_id:
        return True
    return can_review_deliverable(user, deliverable)


def awards_for_track(track: Track) -> QuerySet[Award]:
    return (
        Award.objects.filter(application__track=track)
        .select_related(
            "application__country", "application__city", "application__organization", "project"
        )
        .order_by("application__result__rank", "id")
    )


def awards_for_user(user) -> QuerySet[Award]:
    return (
        Award.objects.filter(application__track__in=staff_tracks(user))
        .select_related(
            "application__track__call",
            "application__country",
            "application__city",
            "application__organization",
            "project",
        )
        .order_by("-application__call__year", "application__track", "id")
    )


# --- Work waiting for the secretariat (the staff home's queues) -------------------------

# Awards whose next move is the secretariat's (approve, contract, start): every status with a
# move other than cancelling, except "in progress", which ends when the project is completed.
AWARD_STATUSES_TO_ADVANCE = tuple(
    status
    for status, targets in AWARD_TRANSITIONS.items()
    if targets - {Award.Status.CANCELLED} and status != Award.Status.IN_PROGRESS
)


def awards_to_advance(user) -> QuerySet[Award]:
    """Awards on the user's tracks waiting for approval, a contract or the project's start."""
    return Award.objects.filter(
        application__track__in=staff_tracks(user), status__in=AWARD_STATUSES_TO_ADVANCE
    )


def selections_to_award(user) -> QuerySet[Application]:
    """Applications on the user's tracks selected by a released decision and without an award
    yet: the funding still has to be awarded. A contractor selection's winner is left out: it
    becomes the contractor of its project, not an award (``awards.services.award_funding``)."""
    return Application.objects.filter(
        track__in=staff_tracks(user),
        status=Application.Status.SELECTED,
        decision__released_at__isnull=False,
        award__isnull=True,
    ).exclude(track__kind=Track.Kind.CONTRACTOR_SELECTION)


def deliverables_to_accept(user) -> QuerySet[Deliverable]:
    """Submitted deliverables the user may accept or return: those of projects funded on
    their tracks; for programme admins every one, projects from before the portal included
    (the rule of ``awards.contractor_selection.can_review_deliverable``)."""
    submitted = Deliverable.objects.filter(status=Deliverable.Status.SUBMITTED)
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return submitted
    return submitted.filter(project__award__application__track__in=staff_tracks(user))


def next_reserve_decision(track: Track):
    """The released reserve decision that cancelling an award of the track would promote (the
    same order as ``awards.services.promote_reserve``), with its application; None when the
    reserve list is empty. Read only: the confirm page says who would be offered the money."""
    return (
        Decision.objects.select_related("application")
        .filter(track=track, outcome=Decision.Outcome.RESERVE, released_at__isnull=False)
        .order_by("reserve_rank", "id")
        .first()
    )


# --- A funded project at a glance (the staff project page) ----------------------------------


def project_agreements(project) -> list:
    """The project's agreements with their party and payment schedule (tranches in order), for
    the project page's money section. Two queries."""
    return list(
        Agreement.objects.filter(project=project)
        .select_related("party")
        .prefetch_related("tranches")
        .order_by("kind", "pk")
    )


def project_deliverables(project) -> list[Deliverable]:
    """The project's deliverables, soonest due first, each with its versions (latest first) and
    who sent them. Two queries, whatever their number."""
    return list(
        Deliverable.objects.filter(project=project)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=DeliverableVersion.objects.select_related("submitted_by").order_by(
                    "-number"
                ),
            )
        )
        .order_by("due_on", "pk")
    )


@dataclass
class TimelineEntry:
    """One audit row of a project's history, said for the project page."""

    at: object
    subject: str
    change: str
    actor: object
    reason: str = ""


def _status_label(model, value: str) -> str:
    choices = dict(model._meta.get_field("status").flatchoices)
    return str(choices.get(value, value))


def project_timeline(project, *, limit: int = 200) -> list[TimelineEntry]:
    """What happened to a funded project, oldest first, from the audit rows of the project, its
    award, deliverables, agreements, tranches, payment requests and amendments (at most
    ``limit``, the latest ones). A fixed number of queries, whatever the rows. Reads only."""
    award = getattr(project, "award", None)
    subjects: dict[tuple[type, str], str] = {(type(project), str(project.pk)): _("Project")}
    if award is not None:
        subjects[(Award, str(award.pk))] = _("Award")
    for pk, kind in Deliverable.objects.filter(project=project).values_list("pk", "kind"):
        subjects[(Deliverable, str(pk))] = str(Deliverable.Kind(kind).label)
    references = {}
    for pk, reference in Agreement.objects.filter(project=project).values_list("pk", "reference"):
        subjects[(Agreement, str(pk))] = _("Agreement %(reference)s") % {"reference": reference}
        references[pk] = reference
    tranches = {}
    for pk, number, agreement_id in Tranche.objects.filter(agreement__project=project).values_list(
        "pk", "number", "agreement_id"
    ):
        label = _("Tranche %(number)s of %(reference)s") % {
            "number": number,
            "reference": references.get(agreement_id, ""),
        }
        subjects[(Tranche, str(pk))] = label
        tranches[pk] = label
    for pk, tranche_id in PaymentRequest.objects.filter(
        tranche__agreement__project=project
    ).values_list("pk", "tranche_id"):
        subjects[(PaymentRequest, str(pk))] = _("Payment request for %(tranche)s") % {
            "tranche": tranches.get(tranche_id, "")
        }
    for pk, agreement_id in Amendment.objects.filter(agreement__project=project).values_list(
        "pk", "agreement_id"
    ):
        subjects[(Amendment, str(pk))] = _("Amendment of %(reference)s") % {
            "reference": references.get(agreement_id, "")
        }
    models = {model for model, _pk in subjects}
    types = ContentType.objects.get_for_models(*models, for_concrete_models=True)
    by_type: dict[int, list[str]] = {}
    for model, pk in subjects:
        by_type.setdefault(types[model].pk, []).append(pk)
    condition = Q()
    for type_id, pks in by_type.items():
        condition |= Q(content_type_id=type_id, object_id__in=pks)
    model_of = {types[model].pk: model for model in models}
    rows = list(
        AuditEvent.objects.filter(condition)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )
    entries = []
    for row in reversed(rows):
        model = model_of[row.content_type_id]
        entries.append(
            TimelineEntry(
                at=row.created_at,
                subject=subjects[(model, row.object_id)],
                change=_timeline_change(model, row),
                actor=row.actor,
                reason=str((row.detail or {}).get("reason", "")),
            )
        )
    return entries


def _timeline_change(model, row) -> str:
    """What one audit row of the timeline did, in the reader's language. Every action recorded
    on the timeline's subjects has its label (``accounts.audit.ACTION_LABELS``); one it does not know yet reads as a
    change, never as its code."""
    if row.action == "status":
        return f"{_status_label(model, row.old_value)} → {_status_label(model, row.new_value)}"
    if row.action == "rescheduled":
        return _("Due date moved from %(old)s to %(new)s") % {
            "old": row.old_value,
            "new": row.new_value,
        }
    if row.action == "amended":
        return _("Amendment applied: version %(old)s → %(new)s") % {
            "old": row.old_value,
            "new": row.new_value,
        }
    return str(ACTION_LABELS.get(row.action, pgettext("audit", "Changed")))


# --- The partner's view of its project (read-only, on its application's page) ---------------


@dataclass
class Milestone:
    on: object  # a date
    label: str


@dataclass
class ProjectProgress:
    """What the partner sees of its funded project: no files, no feedback, no names of staff."""

    project: object
    award: Award
    milestones: list[Milestone]
    deliverables: list[Deliverable]


def project_progress(award: Award) -> ProjectProgress | None:
    """The progress of the project ``award`` funds, for its applicant's members: the award's
    steps (approved, contracted, in progress, completed or cancelled) and the agreements' and
    contractor's dates as milestones, oldest first, and each deliverable's due date and status.
    None while the award is only proposed (nothing is settled yet) or has no project. The
    caller decides who reads it (``awards.rules.is_award_applicant``). A fixed number of
    queries; reads only."""
    if award.project_id is None or award.status == Award.Status.PROPOSED:
        return None
    project = award.project
    zone = ZoneInfo(settings.PROGRAMME_TIME_ZONE)
    statuses = dict(Award.Status.choices)
    milestones = [
        Milestone(timezone.localtime(at, zone).date(), str(statuses.get(status, status)))
        for at, status in AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Award),
            object_id=str(award.pk),
            action="status",
        ).values_list("created_at", "new_value")
    ]
    for agreement in Agreement.objects.filter(project=project, signed_on__isnull=False).order_by(
        "signed_on", "pk"
    ):
        milestones.append(
            Milestone(
                agreement.signed_on,
                _("%(kind)s signed") % {"kind": agreement.get_kind_display()},
            )
        )
    selected = (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(project)),
            object_id=str(project.pk),
            action="contractor_selected",
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if selected is not None and project.contractor_id:
        milestones.append(
            Milestone(
                timezone.localtime(selected, zone).date(),
                _("Korean contractor: %(company)s") % {"company": project.contractor.display_name},
            )
        )
    milestones.sort(key=lambda m: m.on)
    deliverables = list(Deliverable.objects.filter(project=project).order_by("due_on", "pk"))
    return ProjectProgress(
        project=project, award=award, milestones=milestones, deliverables=deliverables
    )
