"""Money after the award: agreements, their budget lines and payment schedule, amendments, and
payment requests from request to payment. Every write checks its rule (``awards.rules``, by the
permission names below), locks what it changes and writes an audit row; pages, the API and the
back office all call these functions. The reads at the end apply who may see what, once.
See docs/funding.md.

Who does what:

- staff of the project's track (programme admins included) create an agreement, set its budget
  lines and payment schedule while it is a draft, sign it with the signed PDF, and check
  payment requests (or return / reject them);
- the agreement's party (the partner for a grant agreement, the Korean company for a service
  contract) asks for each tranche's payment with its evidence, and asks for amendments;
- programme admins approve checked requests, record them paid (date and reference), withhold a
  tranche (deciding a final payment without paying it) and decide amendments.

Amounts are integer won and never exceed the award: the budget of all the project's
agreements stays within it, a request stays within its tranche and within each budget line's
remaining plan (``awards.execution`` gives the claimed figures).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.audit import record_audit_event
from accounts.models import Organization, User
from accounts.selectors import may_receive_mail, members_to_tell
from awards.contractor_selection import CHANGED_SINCE, schedule_deliverables, work_agreement_kind
from awards.contractor_selection import release_contractor as contractor_release
from awards.execution import agreement_execution, paid_total, project_execution
from awards.models import (
    Agreement,
    Amendment,
    Award,
    BudgetCategory,
    BudgetLine,
    Deliverable,
    PaymentRequest,
    PaymentRequestLine,
    Tranche,
)
from core.concurrency import fingerprint, refuse_if_changed
from core.domain import DomainError, require_permission
from core.file_deletion import delete_after_commit
from core.numbering import nth_of
from core.transitions import apply_transition
from core.uploads import store_upload, validate_upload
from notifications.services import in_each_language, queue_message
from projects.models import Project, Track
from projects.selectors import (
    is_staff_of_track,
    programme_admins,
    secretariat_staff_of,
    staff_tracks,
)

T = Tranche.Status
RS = PaymentRequest.Status
AS = Agreement.Status

# The rules' names (registered in awards.rules; asked here, by the pages, the API and admin).
CREATE_AGREEMENT = "awards.create_agreement"  # on a project: staff of its track
READ_AGREEMENT = "awards.read_agreement"  # party, partner (read-only), staff of the track
MANAGE_AGREEMENT = "awards.manage_agreement"  # budget, schedule, signature: staff of the track
DOWNLOAD_SIGNED_AGREEMENT = "awards.download_signed_agreement"  # party, staff of the track
REQUEST_PAYMENT = "awards.request_payment"  # on a tranche: members of the agreement's party
READ_PAYMENT_REQUEST = "awards.read_payment_request"  # party, staff of the track
DOWNLOAD_PAYMENT_EVIDENCE = "awards.download_payment_evidence"  # party, staff of the track
CHECK_PAYMENT = "awards.check_payment"  # staff of the track
RETURN_PAYMENT = "awards.return_payment"  # staff of the track (returns or rejects)
APPROVE_PAYMENT = "awards.approve_payment"  # programme admins
RECORD_PAYMENT = "awards.record_payment"  # programme admins
WITHHOLD_TRANCHE = "awards.withhold_tranche"  # programme admins
REQUEST_AMENDMENT = "awards.request_amendment"  # party, staff of the track
DECIDE_AMENDMENT = "awards.decide_amendment"  # programme admins
TERMINATE_AGREEMENT = "awards.terminate_agreement"  # programme admins

PLANNING_KINDS = (Track.Kind.PLANNING, Track.Kind.SOLUTION_PLANNING)
# An award whose agreements may be made: approved and not yet closed.
AGREEMENT_AWARD_STATUSES = (
    Award.Status.APPROVED,
    Award.Status.CONTRACTED,
    Award.Status.IN_PROGRESS,
)
NOT_YOURS = gettext_lazy("You may not do this for this project.")
# A payment request not yet paid nor closed: what withholding or cancelling its tranche cancels.
UNPAID_REQUEST_STATUSES = (RS.REQUESTED, RS.CHECKED, RS.APPROVED, RS.RETURNED)


def _today() -> datetime.date:
    return timezone.localdate(timezone=ZoneInfo(settings.PROGRAMME_TIME_ZONE))


# --- Who is who ----------------------------------------------------------------------------


def funding_track(project: Project) -> Track | None:
    """The track whose staff follow the project's money (its award's track), or None for a
    project from before the portal, which programme admins alone follow."""
    award = getattr(project, "award", None)
    return award.application.track if award is not None else None


def is_funding_staff(user, project: Project) -> bool:
    """Staff of the track that funded the project; programme admins for every project."""
    if project is None or not getattr(user, "is_authenticated", False):
        return False
    track = funding_track(project)
    if track is None:
        return roles.has_role(user, roles.PROGRAMME_ADMIN)
    return is_staff_of_track(user, track)


def is_member_of(user, organization_id) -> bool:
    """A member of the organisation (by id)."""
    if not organization_id or not getattr(user, "is_authenticated", False):
        return False
    return user.memberships.filter(organization_id=organization_id).exists()


def is_party_member(user, agreement: Agreement) -> bool:
    """A member of the agreement's party: the partner for a grant agreement, the Korean
    company for a service contract."""
    return agreement is not None and is_member_of(user, agreement.party_id)


def is_partner_member(user, agreement: Agreement) -> bool:
    """A member of the project's partner (the organisation whose application was funded): it
    follows every agreement of its project, read-only."""
    return agreement is not None and is_member_of(user, agreement.project.partner_id)


def award_amount(project: Project) -> int | None:
    """The amount the project may be paid at most: its award's amount (its recorded budget for a
    project from before the portal); None when neither is known."""
    award = getattr(project, "award", None)
    if award is not None:
        return award.amount
    return project.budget_krw


def agreement_pays(agreement: Agreement) -> bool:
    """Whether the agreement carries the project's money and so needs a budget and a schedule
    before it is signed: a service contract, or any agreement of a demonstration project (a
    planning project's budget is paid to its Korean contractor, not to the partner)."""
    return (
        agreement.kind == Agreement.Kind.SERVICE
        or agreement.project.track_kind not in PLANNING_KINDS
    )


def agreement_reference(project: Project, kind: str) -> str:
    """``KCN-GA-<application reference>`` for a grant agreement, ``KCN-SC-…`` for a service
    contract (the project's code for a project from before the portal). Derived once, when the
    agreement is made, like the award letter's number."""
    award = getattr(project, "award", None)
    base = (award.application.reference if award is not None else "") or project.code
    prefix = "GA" if kind == Agreement.Kind.GRANT else "SC"
    return f"KCN-{prefix}-{base}"[:40]


def tranche_is_due(tranche: Tranche) -> bool:
    """Due on signature when it names no deliverable, else once a deliverable of that kind of
    the project has been accepted."""
    if not tranche.after_deliverable:
        return True
    return Deliverable.objects.filter(
        project_id=tranche.agreement.project_id,
        kind=tranche.after_deliverable,
        status=Deliverable.Status.ACCEPTED,
    ).exists()


def default_schedule(project: Project) -> list[tuple[int, str]]:
    """The schedule an agreement gets with its first budget (staff may change it while the
    agreement is a draft): 30% on signature, 40% after the interim report, 30% after the final
    report. A demonstration project's middle tranche follows its demonstration results instead
    of the interim report; every project's last tranche follows its final report, the
    deliverable its completion waits for, so the final payment is decided last."""
    D = Deliverable.Kind
    middle = D.INTERIM if project.track_kind in PLANNING_KINDS else D.DEMONSTRATION
    return [(30, ""), (40, middle), (30, D.FINAL)]


def _programme_admins() -> QuerySet[User]:
    return programme_admins()


def _track_staff(project: Project) -> QuerySet[User]:
    """Secretariat staff of the project's track; programme admins for a project from before
    the portal."""
    return secretariat_staff_of(funding_track(project))


def _party_members(agreement: Agreement) -> QuerySet[User]:
    """The members of the agreement's party who receive its mail
    (``accounts.selectors.members_to_tell``)."""
    return members_to_tell(agreement.party_id)


def _tell(users, *, template: str, context: dict, link: str, skip=None) -> None:
    """Queue ``template`` to each user once (not to ``skip``, who caused it)."""
    seen = set()
    for user in users:
        if user.pk in seen or (skip is not None and user.pk == getattr(skip, "pk", None)):
            continue
        seen.add(user.pk)
        queue_message(recipient=user, template=template, context=context, link=link)


def _agreement_context(agreement: Agreement) -> dict:
    project = agreement.project
    return {
        **in_each_language("project", lambda: project.display_name),
        "code": project.code,
        "reference": agreement.reference,
        **in_each_language("agreement", lambda: agreement.get_kind_display().lower()),
    }


def _request_context(request: PaymentRequest) -> dict:
    return {
        **_agreement_context(request.tranche.agreement),
        "tranche": request.tranche.number,
        "amount": request.amount_krw,
        "feedback": request.feedback,
        "paid_on": request.paid_on.isoformat() if request.paid_on else "",
        "payment_reference": request.payment_reference,
    }


def _party_link(agreement: Agreement) -> str:
    return reverse("awards:agreement", kwargs={"pk": agreement.pk})


def _staff_request_link(request: PaymentRequest) -> str:
    return reverse("staff_awards:payment_request", kwargs={"pk": request.pk})


def _staff_agreement_link(agreement: Agreement) -> str:
    return reverse(
        "staff_awards:agreement", kwargs={"code": agreement.project.code, "pk": agreement.pk}
    )


# --- Agreements ----------------------------------------------------------------------------


def _whole_won(value, *, field: str) -> int:
    """An integer number of won, at least 0 (``"1,000"`` accepted); refused otherwise."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        value = int(text) if text.isdigit() else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(_("Enter a whole number of won (0 or more)."), field=field)
    return value


def _clean_lines(lines: dict, *, field_prefix: str = "line_") -> dict[str, int]:
    """Budget categories → whole won, zero lines dropped; an unknown category is refused."""
    cleaned = {}
    for category, value in (lines or {}).items():
        if category not in BudgetCategory.values:
            raise DomainError(
                _("“%(category)s” is not a budget line.") % {"category": category},
                field="lines",
            )
        amount = _whole_won(value, field=f"{field_prefix}{category}")
        if amount:
            cleaned[category] = amount
    return cleaned


def _lock_project_of(agreement_id: int) -> None:
    """Lock the project an agreement belongs to: the writes measured against the award (its
    agreements' budgets, its payment claims and approvals) take their turn per project, so
    two at once cannot each see the other's share as still free. Taken before any other lock
    of the project's rows."""
    project_id = Agreement.objects.filter(pk=agreement_id).values_list("project_id", flat=True)
    Project.objects.select_for_update(of=("self",)).filter(pk__in=project_id).first()


def _require_active_project(project) -> None:
    """Money moves only for a project still running: a cancelled one (through its award or,
    for a project from before the portal, by itself) pays nothing more."""
    if project.status != Project.Status.ACTIVE:
        raise DomainError(
            _("The project is no longer active: its payments are stopped."), code="inactive"
        )


def _lock_agreement(agreement: Agreement) -> Agreement:
    """The agreement row locked (no join: FOR UPDATE stays on this table), with its project
    and award read after the lock."""
    row = Agreement.objects.select_for_update(of=("self",)).get(pk=agreement.pk)
    return (
        Agreement.objects.select_related(
            "project__award__application__track", "project__partner", "party"
        )
        .filter(pk=row.pk)
        .get()
    )


def _require_draft(agreement: Agreement) -> None:
    if agreement.status != AS.DRAFT:
        raise DomainError(
            _("The agreement is signed: change it through an amendment."), code="not_draft"
        )


@transaction.atomic
def create_agreement(
    *,
    project: Project,
    kind: str,
    party: Organization,
    starts_on: datetime.date,
    ends_on: datetime.date,
    scope: str = "",
    actor,
) -> Agreement:
    """Staff of the project's track make a draft agreement: the grant agreement with the
    project's partner, or (planning projects) the service contract with its Korean contractor.
    One of each kind per project, once the award is approved and while the project is active.
    Its reference is ``agreement_reference``. Audited. Sets no budget (``set_budget_lines``)."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    require_permission(actor, CREATE_AGREEMENT, project, message=NOT_YOURS)
    if kind not in Agreement.Kind.values:
        raise DomainError(_("Choose the kind of agreement."), field="kind")
    if project.status != Project.Status.ACTIVE:
        raise DomainError(
            _("The project is no longer active: it takes no new agreement."), code="inactive"
        )
    award = getattr(project, "award", None)
    if award is not None and award.status not in AGREEMENT_AWARD_STATUSES:
        raise DomainError(
            _("Agreements are made once the award is approved, and not after it is closed."),
            code="award_status",
        )
    if party is None:
        raise DomainError(_("Choose the party to the agreement."), field="party")
    if kind == Agreement.Kind.SERVICE:
        if project.track_kind not in PLANNING_KINDS:
            raise DomainError(
                _("Only planning projects have a service contract with a Korean contractor."),
                field="kind",
            )
        if not project.contractor_id:
            raise DomainError(
                _("The project has no contractor yet: select it before its service contract."),
                field="party",
            )
        if party.pk != project.contractor_id:
            raise DomainError(
                _("The service contract is made with the project's contractor."), field="party"
            )
    elif project.partner_id and party.pk != project.partner_id:
        raise DomainError(
            _("The grant agreement is made with the project's partner."), field="party"
        )
    if Agreement.objects.filter(project=project, kind=kind).exclude(status=AS.TERMINATED).exists():
        raise DomainError(
            _("This project already has its %(kind)s.")
            % {"kind": Agreement.Kind(kind).label.lower()},
            field="kind",
        )
    if not starts_on:
        raise DomainError(_("Enter the start date."), field="starts_on")
    if not ends_on or ends_on < starts_on:
        raise DomainError(_("The agreement must end on or after its start."), field="ends_on")
    agreement = Agreement(
        project=project,
        kind=kind,
        party=party,
        reference=_new_agreement_reference(project, kind),
        starts_on=starts_on,
        ends_on=ends_on,
        scope=(scope or "").strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if Agreement.objects.filter(reference=agreement.reference).exists():
        raise DomainError(_("An agreement with this reference already exists."), field="kind")
    agreement.full_clean()
    agreement.save()
    record_audit_event(
        subject=agreement,
        action="created",
        actor=actor,
        new_value=agreement.status,
        detail={
            "project": project.code,
            "kind": kind,
            "party": party.pk,
            "reference": agreement.reference,
        },
    )
    return agreement


def _new_agreement_reference(project: Project, kind: str) -> str:
    """``agreement_reference``, and ``-2``, ``-3``… after it for an agreement that follows
    terminated ones of its kind (references stay unique and the first keeps its number)."""
    return nth_of(
        agreement_reference(project, kind),
        Agreement.objects.filter(project=project, kind=kind).count() + 1,
        max_length=Agreement._meta.get_field("reference").max_length,
    )


def _other_agreements_budget(agreement: Agreement) -> int:
    """Won the project's other agreements take from the award: what those in force plan, and
    what terminated ones paid before they ended (their unpaid rest is free again)."""
    standing = (
        BudgetLine.objects.filter(agreement__project_id=agreement.project_id)
        .exclude(agreement=agreement)
        .exclude(agreement__status=AS.TERMINATED)
        .aggregate(total=Sum("planned_krw"))["total"]
        or 0
    )
    paid_before_ending = (
        PaymentRequest.objects.filter(
            tranche__agreement__project_id=agreement.project_id,
            tranche__agreement__status=AS.TERMINATED,
            status=RS.PAID,
        )
        .exclude(tranche__agreement=agreement)
        .aggregate(total=Sum("amount_krw"))["total"]
        or 0
    )
    return standing + paid_before_ending


def _check_within_award(agreement: Agreement, total: int) -> None:
    ceiling = award_amount(agreement.project)
    if ceiling is None:
        raise DomainError(_("The project has no award amount to budget."), field="lines")
    others = _other_agreements_budget(agreement)
    if total + others > ceiling:
        raise DomainError(
            _(
                "The budget (%(total)s) with the project's other agreements (%(others)s) would "
                "exceed the award (%(award)s)."
            )
            % {
                "total": f"KRW {total:,}",
                "others": f"KRW {others:,}",
                "award": f"KRW {ceiling:,}",
            },
            code="over_award",
            field="lines",
        )


def _schedule_amounts(total: int, shares: list[int]) -> list[int]:
    """Whole won per tranche: each share of the total rounded down, the remainder on the last,
    so the amounts add up to the total exactly."""
    amounts = [total * share // 100 for share in shares[:-1]]
    return [*amounts, total - sum(amounts)]


def _write_schedule(agreement: Agreement, schedule: list[tuple[int, str]], total: int) -> None:
    amounts = _schedule_amounts(total, [share for share, _after in schedule])
    if any(amount <= 0 for amount in amounts):
        # A budget of a few won split in shares leaves a tranche of nothing, which no payment
        # could follow (and the database refuses).
        raise DomainError(
            _("The budget is too small to be paid in these tranches: each needs at least 1 won."),
            code="tranche_empty",
            field="lines",
        )
    agreement.tranches.all().delete()
    Tranche.objects.bulk_create(
        [
            Tranche(
                agreement=agreement,
                number=number,
                share_percent=share,
                amount_krw=amount,
                after_deliverable=after,
            )
            for number, ((share, after), amount) in enumerate(
                zip(schedule, amounts, strict=True), start=1
            )
        ]
    )


def _schedule_of(agreement: Agreement) -> list[tuple[int, str]]:
    return list(
        agreement.tranches.order_by("number").values_list("share_percent", "after_deliverable")
    )


def budget_total(agreement: Agreement) -> int:
    """Won planned by the agreement's budget lines."""
    return agreement.budget_lines.aggregate(total=Sum("planned_krw"))["total"] or 0


def _budget_values(stored: dict[str, int]) -> dict[str, int]:
    """Every budget category's planned amount (0 without a line)."""
    return {category: stored.get(category, 0) for category in BudgetCategory.values}


def budget_fingerprint(agreement: Agreement) -> str:
    """The fingerprint (``core.concurrency``) of the agreement's budget lines, which the
    budget form carries so that ``set_budget_lines`` does not overwrite a colleague's."""
    return fingerprint(
        _budget_values(dict(agreement.budget_lines.values_list("category", "planned_krw")))
    )


@transaction.atomic
def set_budget_lines(
    *, agreement: Agreement, lines: dict[str, int], actor, seen_version: str | None = None
) -> Agreement:
    """Staff of the track set a draft agreement's budget: budget category → whole won (zero
    lines dropped, at least one line). With the project's other agreements it stays within
    the award. The schedule follows the budget: the first budget brings ``default_schedule``,
    a later one recomputes the tranches' amounts from their shares. Audited.
    ``seen_version``: the fingerprint of the lines the form showed (``budget_fingerprint``);
    refused (``StaleEdit``) when a colleague changed them since."""
    _lock_project_of(agreement.pk)
    agreement = _lock_agreement(agreement)
    require_permission(actor, MANAGE_AGREEMENT, agreement, message=NOT_YOURS)
    _require_draft(agreement)
    _require_active_project(agreement.project)
    cleaned = _clean_lines(lines)
    total = sum(cleaned.values())
    if not total:
        raise DomainError(_("Enter at least one budget line."), field="lines")
    _check_within_award(agreement, total)
    previous = dict(agreement.budget_lines.values_list("category", "planned_krw"))
    refuse_if_changed(
        _budget_values(previous),
        seen_version,
        what=gettext_lazy("budget"),
        describe=lambda category: (
            BudgetCategory(category).label if category in BudgetCategory.values else category,
            f"KRW {previous.get(category, 0):,}",
        ),
    )
    agreement.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(agreement=agreement, category=category, planned_krw=amount)
            for category, amount in sorted(cleaned.items())
        ]
    )
    _write_schedule(
        agreement, _schedule_of(agreement) or default_schedule(agreement.project), total
    )
    record_audit_event(
        subject=agreement,
        action="budget",
        actor=actor,
        old_value=sum(previous.values()) if previous else "",
        new_value=total,
        detail={"lines": cleaned, "previous": previous},
    )
    return agreement


@transaction.atomic
def set_schedule(*, agreement: Agreement, tranches: list[tuple[int, str]], actor) -> Agreement:
    """Staff of the track set a draft agreement's payment schedule: (share in %, deliverable
    kind after whose acceptance it is due, "" for on signature) per tranche, in order. Shares
    are whole percentages adding up to 100; the amounts are computed from the budget's total
    (``_schedule_amounts``), so the budget comes first. Audited."""
    agreement = _lock_agreement(agreement)
    require_permission(actor, MANAGE_AGREEMENT, agreement, message=NOT_YOURS)
    _require_draft(agreement)
    total = budget_total(agreement)
    if not total:
        raise DomainError(_("Set the budget lines before the schedule."), field="schedule")
    schedule = []
    for share, after in tranches or []:
        if isinstance(share, bool) or not isinstance(share, int) or not 1 <= share <= 100:
            raise DomainError(
                _("Each tranche's share is a whole percentage from 1 to 100."), field="schedule"
            )
        after = after or ""
        if after and after not in Deliverable.Kind.values:
            raise DomainError(
                _("“%(kind)s” is not a kind of deliverable.") % {"kind": after}, field="schedule"
            )
        if after == Deliverable.Kind.DEMONSTRATION and (
            agreement.project.track_kind in PLANNING_KINDS
        ):
            raise DomainError(
                _("Only demonstration projects deliver demonstration results."), field="schedule"
            )
        schedule.append((share, after))
    if not schedule:
        raise DomainError(_("Enter at least one tranche."), field="schedule")
    if sum(share for share, _after in schedule) != 100:
        raise DomainError(
            _("The tranches' shares add up to %(sum)s%%; they must add up to 100%%.")
            % {"sum": sum(share for share, _after in schedule)},
            field="schedule",
        )
    previous = _schedule_of(agreement)
    _write_schedule(agreement, schedule, total)
    record_audit_event(
        subject=agreement,
        action="schedule",
        actor=actor,
        detail={
            "schedule": [list(t) for t in schedule],
            "previous": [list(t) for t in previous],
            "amounts": list(
                agreement.tranches.order_by("number").values_list("amount_krw", flat=True)
            ),
        },
    )
    return agreement


@transaction.atomic
def sign_agreement(*, agreement: Agreement, signed_on: datetime.date, uploaded, actor) -> Agreement:
    """Staff of the track record a draft agreement as signed, with the signed copy (a PDF,
    checked by ``core.uploads``) and the day it was signed (not in the future, programme time).
    An agreement that pays (``agreement_pays``) needs its budget and schedule first. Audited;
    the file is stored first and removed again if anything fails."""
    agreement = _lock_agreement(agreement)
    require_permission(actor, MANAGE_AGREEMENT, agreement, message=NOT_YOURS)
    _require_draft(agreement)
    if agreement.project.status != Project.Status.ACTIVE:
        raise DomainError(_("The project is no longer active."), code="inactive")
    if not signed_on:
        raise DomainError(_("Enter the day the agreement was signed."), field="signed_on")
    if signed_on > _today():
        raise DomainError(_("The signing day cannot be in the future."), field="signed_on")
    total = budget_total(agreement)
    if agreement_pays(agreement) and not total:
        raise DomainError(
            _("Set the budget lines and the payment schedule before signing."), code="no_budget"
        )
    if total:
        scheduled = agreement.tranches.aggregate(total=Sum("amount_krw"))["total"] or 0
        if scheduled != total:
            raise DomainError(
                _("The payment schedule does not add up to the budget: set it again."),
                code="no_schedule",
            )
    if uploaded is None:
        raise DomainError(_("Upload the signed copy (PDF)."), field="file")
    kind = validate_upload(uploaded, formats=["pdf"])
    stored = store_upload(agreement.signed_file, uploaded.name, uploaded)
    try:
        agreement.original_name = uploaded.name[:255]
        agreement.content_type = kind.content_type
        agreement.size = uploaded.size
        agreement.signed_on = signed_on
        agreement.status = AS.SIGNED
        agreement.full_clean()
        agreement.save()
        record_audit_event(
            subject=agreement,
            action="status",
            actor=actor,
            old_value=AS.DRAFT,
            new_value=AS.SIGNED,
            detail={"signed_on": signed_on.isoformat(), "file": agreement.original_name},
        )
        _reschedule_deliverables(agreement, actor)
    except Exception:
        agreement.signed_file.storage.delete(stored)
        raise
    return agreement


def _reschedule_deliverables(agreement: Agreement, actor) -> None:
    """The deliverables' due dates follow the signed agreement that carries the project's work
    (``awards.contractor_selection.schedule_deliverables``): when it is signed and whenever an
    amendment moves its dates."""
    if agreement.kind == work_agreement_kind(agreement.project):
        schedule_deliverables(project=agreement.project, actor=actor)


# --- Amendments ----------------------------------------------------------------------------


def _iso(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise DomainError(_("Enter a valid date."), code="invalid")


def _clean_changes(agreement: Agreement, kind: str, changes: dict) -> tuple[dict, dict]:
    """The amendment's changes, checked against the agreement as it stands, and the values
    they would replace. Raises ``DomainError`` naming the field at fault."""
    changes = changes or {}
    if kind == Amendment.Kind.DATES:
        cleaned = {}
        for name in ("starts_on", "ends_on"):
            if changes.get(name):
                try:
                    cleaned[name] = _iso(changes[name])
                except DomainError as exc:
                    raise DomainError(exc.message, field=name) from exc
        if not cleaned:
            raise DomainError(_("Enter the new start or end date."), field="ends_on")
        starts = cleaned.get("starts_on", agreement.starts_on.isoformat())
        ends = cleaned.get("ends_on", agreement.ends_on.isoformat())
        if ends < starts:
            raise DomainError(_("The agreement must end on or after its start."), field="ends_on")
        current = {name: getattr(agreement, name).isoformat() for name in cleaned}
        if cleaned == current:
            raise DomainError(_("These are the agreement's dates already."), field="ends_on")
        return cleaned, current
    if kind == Amendment.Kind.BUDGET:
        lines = _clean_lines(changes.get("lines", changes))
        current = dict(agreement.budget_lines.values_list("category", "planned_krw"))
        total, current_total = sum(lines.values()), sum(current.values())
        if total != current_total:
            raise DomainError(
                _(
                    "An amendment moves money between budget lines: the total must stay "
                    "%(total)s (it would be %(new)s)."
                )
                % {"total": f"KRW {current_total:,}", "new": f"KRW {total:,}"},
                field="lines",
            )
        if lines == current:
            raise DomainError(_("These are the budget lines already."), field="lines")
        claimed = {line.category: line.claimed for line in agreement_execution(agreement).lines}
        for category, spent in claimed.items():
            if lines.get(category, 0) < spent:
                raise DomainError(
                    _("%(line)s cannot be planned below the %(claimed)s already claimed on it.")
                    % {
                        "line": BudgetCategory(category).label,
                        "claimed": f"KRW {spent:,}",
                    },
                    field=f"line_{category}",
                )
        return {"lines": lines}, {"lines": current}
    if kind == Amendment.Kind.SCOPE:
        scope = (changes.get("scope") or "").strip()
        if not scope:
            raise DomainError(_("Enter the new scope of work."), field="scope")
        if scope == agreement.scope:
            raise DomainError(_("This is the scope of work already."), field="scope")
        return {"scope": scope}, {"scope": agreement.scope}
    raise DomainError(_("Choose what the amendment changes."), field="kind")


@transaction.atomic
def request_amendment(
    *, agreement: Agreement, kind: str, changes: dict, reason: str, actor
) -> Amendment:
    """The party (or staff of the track) ask to change a signed agreement: its dates
    (``{"starts_on", "ends_on"}``, ISO dates), its budget lines (``{"lines": {category: won}}``,
    the whole new plan: money moves between lines, the total stays, no line below what is
    already claimed on it) or its scope (``{"scope": text}``). One open request per agreement;
    a reason is required. Audited; programme admins and the track's staff are told."""
    agreement = _lock_agreement(agreement)
    require_permission(actor, REQUEST_AMENDMENT, agreement, message=NOT_YOURS)
    if agreement.status != AS.SIGNED:
        raise DomainError(
            _("Only a signed agreement is amended; a draft is changed directly."),
            code="not_signed",
        )
    if agreement.project.status != Project.Status.ACTIVE:
        raise DomainError(_("The project is no longer active."), code="inactive")
    if agreement.amendments.filter(status=Amendment.Status.REQUESTED).exists():
        raise DomainError(
            _("An amendment of this agreement is already waiting for a decision."),
            code="pending",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the agreement should change."), field="reason")
    cleaned, _previous = _clean_changes(agreement, kind, changes)
    amendment = Amendment(
        agreement=agreement, kind=kind, changes=cleaned, reason=reason, requested_by=actor
    )
    amendment.full_clean()
    amendment.save()
    record_audit_event(
        subject=amendment,
        action="created",
        actor=actor,
        new_value=amendment.status,
        detail={"agreement": agreement.reference, "kind": kind, "changes": cleaned},
    )
    context = {
        **_agreement_context(agreement),
        **in_each_language("kind", amendment.get_kind_display),
        "reason": reason,
    }
    _tell(
        [*_programme_admins(), *_track_staff(agreement.project)],
        template="awards/amendment_requested",
        context=context,
        link=_staff_agreement_link(agreement),
        skip=actor,
    )
    return amendment


def _apply_changes(agreement: Agreement, kind: str, changes: dict) -> None:
    if kind == Amendment.Kind.DATES:
        for name, value in changes.items():
            setattr(agreement, name, datetime.date.fromisoformat(value))
    elif kind == Amendment.Kind.SCOPE:
        agreement.scope = changes["scope"]
    elif kind == Amendment.Kind.BUDGET:
        agreement.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            [
                BudgetLine(agreement=agreement, category=category, planned_krw=amount)
                for category, amount in sorted(changes["lines"].items())
            ]
        )


@transaction.atomic
def decide_amendment(*, amendment: Amendment, approve: bool, note: str, actor) -> Amendment:
    """A programme admin approves or refuses a requested amendment (a note is required to
    refuse). Approved, its changes are checked again against the agreement as it now stands and
    applied; ``previous`` keeps the values they replaced and the agreement's version goes up by
    one (the amendment records the version it made). Audited on both; the party's members and
    the requester are told."""
    amendment = Amendment.objects.select_for_update(of=("self",)).get(pk=amendment.pk)
    agreement = _lock_agreement(amendment.agreement)
    require_permission(actor, DECIDE_AMENDMENT, amendment, message=NOT_YOURS)
    if amendment.status != Amendment.Status.REQUESTED:
        raise DomainError(_("This amendment has been decided already."), code="decided")
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(_("Say why the amendment is refused."), field="note")
    old_status = amendment.status
    if approve:
        if agreement.status != AS.SIGNED:
            raise DomainError(_("The agreement is no longer in force."), code="not_signed")
        _require_active_project(agreement.project)
        changes, previous = _clean_changes(agreement, amendment.kind, amendment.changes)
        _apply_changes(agreement, amendment.kind, changes)
        agreement.version += 1
        agreement.full_clean()
        agreement.save()
        amendment.status = Amendment.Status.APPROVED
        amendment.changes = changes
        amendment.previous = previous
        amendment.version = agreement.version
        record_audit_event(
            subject=agreement,
            action="amended",
            actor=actor,
            old_value=agreement.version - 1,
            new_value=agreement.version,
            detail={
                "amendment": amendment.pk,
                "kind": amendment.kind,
                "changes": changes,
                "previous": previous,
            },
        )
        if amendment.kind == Amendment.Kind.DATES:
            _reschedule_deliverables(agreement, actor)
    else:
        amendment.status = Amendment.Status.REFUSED
    _record_decision(amendment, old_status=old_status, note=note, actor=actor)
    _tell(
        [*_party_members(agreement), *_requester_still_concerned(amendment)],
        template="awards/amendment_decided",
        context={
            **_agreement_context(agreement),
            **in_each_language("kind", amendment.get_kind_display),
            "status": amendment.status,
            "note": note,
            "version": agreement.version,
        },
        link=_party_link(agreement),
        skip=actor,
    )
    return amendment


def _requester_still_concerned(amendment: Amendment) -> list[User]:
    """Who asked for ``amendment``, while they still stand where they asked from: a member of
    the party (already among ``_party_members`` when they receive its mail) or staff who
    follow the project's money. Someone who has left the company, the track or the portal
    is not told of the decision, nor sent the link to the agreement."""
    requester = amendment.requested_by
    agreement = amendment.agreement
    if requester is None or not may_receive_mail(requester):
        return []
    if is_party_member(requester, agreement) or is_funding_staff(requester, agreement.project):
        return [requester]
    return []


def _record_decision(
    amendment: Amendment, *, old_status: str, note: str, actor, now=None, detail=None
) -> None:
    """Save the decision already set on ``amendment`` (its status) with who took it, when and
    the note, and audit the move: for ``decide_amendment`` and for the amendments refused when
    their agreement is terminated."""
    amendment.decided_by = actor
    amendment.decided_at = now or timezone.now()
    amendment.decision_note = note
    amendment.full_clean()
    amendment.save()
    record_audit_event(
        subject=amendment,
        action="status",
        actor=actor,
        old_value=old_status,
        new_value=amendment.status,
        detail={"note": note, "version": amendment.version, **(detail or {})},
    )


# --- Termination ---------------------------------------------------------------------------


@transaction.atomic
def terminate_agreement(
    *, agreement: Agreement, reason: str, actor, release_contractor: bool = False
) -> Agreement:
    """A programme admin ends an agreement before its term (a contractor who stopped working,
    a partner who withdrew), saying why; the award and the project go on, unlike a cancelled
    award (``awards.lifecycle``), and a new agreement of the same kind may follow it
    (``create_agreement``; its reference gets ``-2``).

    Nothing more is paid under it: every scheduled tranche is cancelled with its unpaid
    requests (``_close_tranche``), and what was paid stays paid and keeps counting against the
    award. Amendments still requested are refused with the reason. When it carried the
    project's work (``work_agreement_kind``) the deliverables not yet accepted are no longer
    reminded until a new one is signed (``awards.contractor_selection.remind_deliverables``).
    With ``release_contractor`` (a service contract only) the company also leaves the project
    (``awards.contractor_selection.release_contractor``): a new contractor is selected and
    contracted. Audited on the agreement; the party's members and the track's staff are
    told."""
    agreement = _lock_agreement(agreement)
    require_permission(
        actor,
        TERMINATE_AGREEMENT,
        agreement,
        message=_("Only a programme admin terminates an agreement."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the agreement is terminated."), field="reason")
    if agreement.status == AS.TERMINATED:
        raise DomainError(_("The agreement is terminated already."), code="terminated")
    if agreement.project.status != Project.Status.ACTIVE:
        raise DomainError(
            _("The project is closed: its agreements ended with it."), code="inactive"
        )
    if release_contractor and (
        agreement.kind != Agreement.Kind.SERVICE
        or agreement.project.contractor_id != agreement.party_id
    ):
        raise DomainError(
            _("Only a service contract's company leaves the project with it."),
            field="release_contractor",
        )
    _end_agreement(
        agreement, reason=reason, actor=actor, detail={"contractor_released": release_contractor}
    )
    if release_contractor:
        agreement.project = contractor_release(
            project=agreement.project, reason=reason, actor=actor
        )
    context = {**_agreement_context(agreement), "reason": reason}
    _tell(
        _party_members(agreement),
        template="awards/agreement_terminated",
        context=context,
        link=_party_link(agreement),
        skip=actor,
    )
    _tell(
        _track_staff(agreement.project),
        template="awards/agreement_terminated",
        context=context,
        link=_staff_agreement_link(agreement),
        skip=actor,
    )
    return agreement


def _end_agreement(agreement: Agreement, *, reason: str, actor, detail: dict) -> list[Tranche]:
    """End ``agreement`` (locked by the caller) with ``reason``: every scheduled tranche is
    cancelled with its unpaid requests (``_close_tranche``), what was paid stays paid, the
    amendments still requested are refused with the reason, and the agreement is terminated
    (audited, ``detail`` added). From then on it plans only what it paid
    (``awards.execution.project_execution``). For ``terminate_agreement`` and for a cancelled
    award (``stop_future_payments``). Returns the tranches cancelled."""
    tranches = _cancel_scheduled_tranches(agreement=agreement, reason=reason, actor=actor)
    now = timezone.now()
    pending = Amendment.objects.select_for_update(of=("self",)).filter(
        agreement=agreement, status=Amendment.Status.REQUESTED
    )
    for amendment in pending.order_by("pk"):
        amendment.status = Amendment.Status.REFUSED
        _record_decision(
            amendment,
            old_status=Amendment.Status.REQUESTED,
            note=reason,
            actor=actor,
            now=now,
            detail={"agreement_terminated": True},
        )
    old_status = agreement.status
    agreement.status = AS.TERMINATED
    agreement.terminated_reason = reason
    agreement.terminated_at = now
    agreement.save(update_fields=["status", "terminated_reason", "terminated_at", "updated_at"])
    record_audit_event(
        subject=agreement,
        action="status",
        actor=actor,
        old_value=old_status,
        new_value=AS.TERMINATED,
        detail={"reason": reason, "tranches_cancelled": [t.number for t in tranches], **detail},
    )
    return tranches


# --- Payment requests ----------------------------------------------------------------------

PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    RS.REQUESTED: {RS.CHECKED, RS.RETURNED, RS.REJECTED, RS.CANCELLED},
    RS.CHECKED: {RS.APPROVED, RS.RETURNED, RS.REJECTED, RS.CANCELLED},
    RS.APPROVED: {RS.PAID, RS.CANCELLED},
    RS.RETURNED: {RS.REQUESTED, RS.CANCELLED},
    RS.PAID: set(),
    RS.REJECTED: set(),
    RS.CANCELLED: set(),
}
PAYMENT_REFUSAL = gettext_lazy("A payment request cannot go from “%(old)s” to “%(new)s”.")


def _check_claim(*, tranche: Tranche, lines: dict[str, int], own: PaymentRequest | None) -> int:
    """The request's total, refused when it exceeds the tranche, a budget line's remaining plan
    (planned − claimed, ``awards.execution``) or the award (everything claimed on the project).
    ``own`` is the returned request being sent again: its earlier claim does not count."""
    agreement = tranche.agreement
    total = sum(lines.values())
    if not total:
        raise DomainError(_("Enter the amount claimed on at least one budget line."), field="lines")
    own_lines = dict(own.lines.values_list("category", "amount_krw")) if own else {}
    execution = {line.category: line for line in agreement_execution(agreement).lines}
    for category, amount in lines.items():
        line = execution.get(category)
        planned = line.planned if line else 0
        claimed = (line.claimed if line else 0) - own_lines.get(category, 0)
        remaining = max(planned - claimed, 0)
        if amount > remaining:
            raise DomainError(
                _("%(line)s has %(remaining)s left of its plan; %(amount)s is more.")
                % {
                    "line": BudgetCategory(category).label,
                    "remaining": f"KRW {remaining:,}",
                    "amount": f"KRW {amount:,}",
                },
                code="over_line",
                field=f"line_{category}",
            )
    if total > tranche.amount_krw:
        raise DomainError(
            _("Tranche %(number)s is %(tranche)s; the request (%(total)s) is more.")
            % {
                "number": tranche.number,
                "tranche": f"KRW {tranche.amount_krw:,}",
                "total": f"KRW {total:,}",
            },
            code="over_tranche",
            field="lines",
        )
    ceiling = award_amount(agreement.project) or 0
    claimed_on_project = project_execution(agreement.project).claimed - (
        own.amount_krw if own else 0
    )
    if claimed_on_project + total > ceiling:
        raise DomainError(
            _(
                "With what is already claimed (%(claimed)s) the request would exceed the award (%(award)s)."
            )
            % {"claimed": f"KRW {claimed_on_project:,}", "award": f"KRW {ceiling:,}"},
            code="over_award",
            field="lines",
        )
    return total


def _store_evidence(request: PaymentRequest, uploaded) -> tuple[str, str]:
    """Check and store the evidence on ``request`` (not saved); returns (new, old) names.
    Upload refusals are shown next to the evidence field."""
    try:
        kind = validate_upload(uploaded)
        old = request.evidence.name
        new = store_upload(request.evidence, uploaded.name, uploaded)
    except DomainError as exc:
        raise DomainError(exc.message, code=exc.code, field="evidence") from exc
    request.original_name = uploaded.name[:255]
    request.content_type = kind.content_type
    request.size = uploaded.size
    return new, old


@transaction.atomic
def request_payment(
    *, tranche: Tranche, lines: dict[str, int], uploaded_evidence, note: str = "", actor
) -> PaymentRequest:
    """A member of the agreement's party asks for a tranche's payment: the amount per budget
    line (whole won; the request's amount is their sum) and the evidence (a file checked by
    ``core.uploads``). Refused unless the agreement is signed, the project active, the tranche
    still scheduled and due (``tranche_is_due``: its deliverable accepted), and the claim
    within the tranche, each line's remaining plan and the award (``_check_claim``). One live
    request per tranche: a request returned for changes is sent again here (its evidence kept
    when no new file comes). Audited; the track's staff are told."""
    _lock_project_of(tranche.agreement_id)
    agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=tranche.agreement_id)
    tranche = Tranche.objects.select_for_update(of=("self",)).get(pk=tranche.pk)
    tranche.agreement = (
        Agreement.objects.select_related("project__award__application__track", "project__partner")
        .filter(pk=agreement.pk)
        .get()
    )
    agreement = tranche.agreement
    require_permission(
        actor,
        REQUEST_PAYMENT,
        tranche,
        message=_("Only the agreement's party can ask for its payments."),
    )
    if agreement.status != AS.SIGNED:
        raise DomainError(
            _("The agreement is not signed: no payment can be requested yet."), code="not_signed"
        )
    if agreement.project.status != Project.Status.ACTIVE:
        raise DomainError(
            _("The project is no longer active: it takes no payment request."), code="inactive"
        )
    if tranche.status != T.SCHEDULED:
        raise DomainError(
            _("Tranche %(number)s is %(status)s: it takes no request.")
            % {"number": tranche.number, "status": tranche.get_status_display().lower()},
            code="tranche_closed",
        )
    if not tranche_is_due(tranche):
        raise DomainError(
            _(
                "Tranche %(number)s is due once the %(deliverable)s is accepted; it has not "
                "been accepted yet."
            )
            % {
                "number": tranche.number,
                "deliverable": tranche.get_after_deliverable_display().lower(),
            },
            code="not_due",
        )
    live = (
        PaymentRequest.objects.select_for_update(of=("self",))
        .filter(tranche=tranche, status__in=PaymentRequest.LIVE)
        .first()
    )
    if live is not None and live.status != RS.RETURNED:
        raise DomainError(
            _("Tranche %(number)s already has a request (%(status)s).")
            % {"number": tranche.number, "status": live.get_status_display().lower()},
            code="exists",
        )
    cleaned = _clean_lines(lines)
    total = _check_claim(tranche=tranche, lines=cleaned, own=live)
    if uploaded_evidence is None and live is None:
        raise DomainError(_("Attach the evidence of the costs claimed."), field="evidence")
    note = (note or "").strip()
    request = live or PaymentRequest(tranche=tranche, requested_by=actor)
    new_file = old_file = ""
    if uploaded_evidence is not None:
        new_file, old_file = _store_evidence(request, uploaded_evidence)
    storage = request.evidence.storage
    try:
        request.amount_krw = total
        request.note = note
        if live is None:
            request.full_clean()
            request.save()
            record_audit_event(
                subject=request,
                action="created",
                actor=actor,
                new_value=RS.REQUESTED,
                detail={"tranche": tranche.number, "amount": total, "lines": cleaned},
            )
        else:
            request.save()

            def resubmit(row: PaymentRequest, old: str) -> None:
                row.requested_by, row.requested_at = actor, timezone.now()
                row.checked_by = row.checked_at = None

            request = apply_transition(
                request,
                to=RS.REQUESTED,
                table=PAYMENT_TRANSITIONS,
                actor=actor,
                refusal=PAYMENT_REFUSAL,
                prepare=resubmit,
                detail={"amount": total, "lines": cleaned, "resubmitted": True},
            )
            request.lines.all().delete()
        PaymentRequestLine.objects.bulk_create(
            [
                PaymentRequestLine(request=request, category=category, amount_krw=amount)
                for category, amount in sorted(cleaned.items())
            ]
        )
    except Exception:
        if new_file:
            storage.delete(new_file)
        raise
    if old_file and new_file:
        delete_after_commit(old_file)
    request.tranche = tranche
    _tell(
        _track_staff(agreement.project),
        template="awards/payment_requested",
        context=_request_context(request),
        link=_staff_request_link(request),
        skip=actor,
    )
    return request


def _lock_request(request: PaymentRequest) -> PaymentRequest:
    row = PaymentRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    return (
        PaymentRequest.objects.select_related(
            "tranche__agreement__project__award__application__track",
            "tranche__agreement__party",
        )
        .filter(pk=row.pk)
        .get()
    )


def _move(request: PaymentRequest, *, to: str, actor, prepare=None, detail=None) -> PaymentRequest:
    moved = apply_transition(
        request,
        to=to,
        table=PAYMENT_TRANSITIONS,
        actor=actor,
        refusal=PAYMENT_REFUSAL,
        prepare=prepare,
        detail=detail,
    )
    moved.tranche = request.tranche
    return moved


def refuse_if_changed_since(
    request: PaymentRequest,
    *,
    seen_amount_krw: int | None,
    seen_requested_at: datetime.datetime | None,
) -> None:
    """Refuse a step taken on a request that is no longer the one the actor read: its amount
    and when it was (last) sent, as the page or the API showed them. A request returned and
    sent again carries a new ``requested_at`` (and often another claim and evidence), so a
    "Checked" or "Approve" pressed on what was shown before never passes it (code
    ``CHANGED_SINCE``; the page shows the request as it now is, the API answers 409). A value
    not given (``None``: the back office's bulk actions) is not compared. Call on the locked
    row."""
    changed = (seen_amount_krw is not None and seen_amount_krw != request.amount_krw) or (
        seen_requested_at is not None and seen_requested_at != request.requested_at
    )
    if changed:
        raise DomainError(
            _(
                "This payment request has changed since you read it: it was sent again and "
                "now claims %(amount)s. Nothing was done; read it again before you decide."
            )
            % {"amount": f"KRW {request.amount_krw:,}"},
            code=CHANGED_SINCE,
        )


@transaction.atomic
def check_payment(
    *,
    request: PaymentRequest,
    actor,
    seen_amount_krw: int | None = None,
    seen_requested_at: datetime.datetime | None = None,
) -> PaymentRequest:
    """Staff of the track confirm a requested payment against its evidence and the
    deliverable it follows: requested → checked. ``seen_amount_krw`` and
    ``seen_requested_at``: the request as the checker read it (``refuse_if_changed_since``).
    Audited; programme admins are told (they approve)."""
    request = _lock_request(request)
    require_permission(actor, CHECK_PAYMENT, request, message=NOT_YOURS)
    _require_active_project(request.tranche.agreement.project)
    refuse_if_changed_since(
        request, seen_amount_krw=seen_amount_krw, seen_requested_at=seen_requested_at
    )

    def prepare(row: PaymentRequest, old: str) -> None:
        row.checked_by, row.checked_at = actor, timezone.now()

    request = _move(request, to=RS.CHECKED, actor=actor, prepare=prepare)
    _tell(
        _programme_admins(),
        template="awards/payment_checked",
        context=_request_context(request),
        link=_staff_request_link(request),
        skip=actor,
    )
    return request


@transaction.atomic
def approve_payment(
    *,
    request: PaymentRequest,
    actor,
    seen_amount_krw: int | None = None,
    seen_requested_at: datetime.datetime | None = None,
) -> PaymentRequest:
    """A programme admin approves a checked request: checked → approved. Four eyes: not the
    person who checked it. The claim is measured against the award once more (approved and
    paid requests of the project). ``seen_amount_krw`` and ``seen_requested_at``: the request
    as the approver read it (``refuse_if_changed_since``). Audited; the party's members are
    told."""
    _lock_project_of(
        PaymentRequest.objects.filter(pk=request.pk).values_list("tranche__agreement_id").get()[0]
    )
    request = _lock_request(request)
    require_permission(
        actor, APPROVE_PAYMENT, request, message=_("Only a programme admin approves payments.")
    )
    _require_active_project(request.tranche.agreement.project)
    refuse_if_changed_since(
        request, seen_amount_krw=seen_amount_krw, seen_requested_at=seen_requested_at
    )
    if request.status == RS.CHECKED and request.checked_by_id == actor.pk:
        raise DomainError(
            _("A payment is approved by someone other than the person who checked it."),
            code="four_eyes",
        )
    project = request.tranche.agreement.project
    committed = project_execution(project).approved
    ceiling = award_amount(project) or 0
    if committed + request.amount_krw > ceiling:
        raise DomainError(
            _("Approving it would commit more than the award (%(award)s).")
            % {"award": f"KRW {ceiling:,}"},
            code="over_award",
        )

    def prepare(row: PaymentRequest, old: str) -> None:
        row.approved_by, row.approved_at = actor, timezone.now()

    request = _move(request, to=RS.APPROVED, actor=actor, prepare=prepare)
    _tell_party(request, "awards/payment_approved", actor)
    return request


def _tell_party(request: PaymentRequest, template: str, actor) -> None:
    agreement = request.tranche.agreement
    _tell(
        _party_members(agreement),
        template=template,
        context=_request_context(request),
        link=_party_link(agreement),
        skip=actor,
    )


def _approval_day(request: PaymentRequest) -> datetime.date | None:
    """The programme day (Korea time) on which ``request`` was approved, or None before."""
    if request.approved_at is None:
        return None
    return timezone.localdate(request.approved_at, timezone=ZoneInfo(settings.PROGRAMME_TIME_ZONE))


@transaction.atomic
def record_payment(
    *, request: PaymentRequest, paid_on: datetime.date, payment_reference: str, actor
) -> PaymentRequest:
    """A programme admin records an approved request as paid, with the day (not in the future
    nor before the day of the approval, programme time) and the transfer's reference:
    approved → paid, and its tranche → paid.
    Audited on both; the party's members are told."""
    # The tranche first, then the request: the order in which withholding a tranche and
    # cancelling a project (``_close_tranche``) take them, so a payment recorded while a
    # colleague withholds its tranche waits for them instead of deadlocking (PostgreSQL would
    # abort one of the two). A request's tranche never changes.
    Tranche.objects.select_for_update(of=("self",)).filter(
        pk__in=PaymentRequest.objects.filter(pk=request.pk).values("tranche_id")
    ).first()
    request = _lock_request(request)
    require_permission(
        actor, RECORD_PAYMENT, request, message=_("Only a programme admin records payments.")
    )
    _require_active_project(request.tranche.agreement.project)
    payment_reference = (payment_reference or "").strip()
    if not paid_on:
        raise DomainError(_("Enter the day of the payment."), field="paid_on")
    if paid_on > _today():
        raise DomainError(_("The day of the payment cannot be in the future."), field="paid_on")
    approved_on = _approval_day(request)
    if approved_on is not None and paid_on < approved_on:
        raise DomainError(
            _(
                "The day of the payment cannot be before the request was approved "
                "(%(approved_on)s, Korea time)."
            )
            % {"approved_on": approved_on.isoformat()},
            field="paid_on",
            code="paid_before_approval",
        )
    if not payment_reference:
        raise DomainError(_("Enter the payment's reference."), field="payment_reference")
    if len(payment_reference) > 64:
        raise DomainError(
            _("The reference is at most 64 characters long."), field="payment_reference"
        )

    def prepare(row: PaymentRequest, old: str) -> None:
        row.paid_on, row.payment_reference = paid_on, payment_reference

    request = _move(
        request,
        to=RS.PAID,
        actor=actor,
        prepare=prepare,
        detail={"paid_on": paid_on.isoformat(), "payment_reference": payment_reference},
    )
    tranche = Tranche.objects.select_for_update(of=("self",)).get(pk=request.tranche_id)
    if tranche.status != T.SCHEDULED:
        raise DomainError(
            _("Tranche %(number)s is %(status)s: it cannot be paid.")
            % {"number": tranche.number, "status": tranche.get_status_display().lower()},
            code="tranche_closed",
        )
    tranche.status = T.PAID
    tranche.save(update_fields=["status"])
    record_audit_event(
        subject=tranche,
        action="status",
        actor=actor,
        old_value=T.SCHEDULED,
        new_value=T.PAID,
        detail={"payment_request": request.pk, "amount": request.amount_krw},
    )
    _tell_party(request, "awards/payment_paid", actor)
    return request


def _send_back(request: PaymentRequest, *, to: str, feedback: str, actor, template: str):
    request = _lock_request(request)
    require_permission(actor, RETURN_PAYMENT, request, message=NOT_YOURS)
    feedback = (feedback or "").strip()
    if not feedback:
        raise DomainError(_("Tell the party why."), field="feedback")

    def prepare(row: PaymentRequest, old: str) -> None:
        row.feedback = feedback

    request = _move(request, to=to, actor=actor, prepare=prepare, detail={"feedback": feedback})
    _tell_party(request, template, actor)
    return request


@transaction.atomic
def return_payment(*, request: PaymentRequest, feedback: str, actor) -> PaymentRequest:
    """Staff of the track send a requested or checked request back for changes, saying what
    to change; the party sends it again with ``request_payment``. Audited; the party's
    members are told."""
    return _send_back(
        request, to=RS.RETURNED, feedback=feedback, actor=actor, template="awards/payment_returned"
    )


@transaction.atomic
def reject_payment(*, request: PaymentRequest, feedback: str, actor) -> PaymentRequest:
    """Staff of the track reject a requested or checked request, saying why; the tranche may
    then be asked for afresh. Audited; the party's members are told."""
    return _send_back(
        request, to=RS.REJECTED, feedback=feedback, actor=actor, template="awards/payment_rejected"
    )


@transaction.atomic
def withhold_tranche(*, tranche: Tranche, reason: str, actor) -> Tranche:
    """A programme admin decides not to pay a scheduled tranche (e.g. the final payment of a
    project whose last work fell short): the tranche is withheld, which decides it without
    paying it (``final_payment_decided``), and any unpaid request of it is cancelled. A reason
    is required. Audited; the party's members are told."""
    tranche = Tranche.objects.select_for_update(of=("self",)).get(pk=tranche.pk)
    tranche.agreement = Agreement.objects.select_related("project__award__application__track").get(
        pk=tranche.agreement_id
    )
    require_permission(
        actor, WITHHOLD_TRANCHE, tranche, message=_("Only a programme admin withholds a tranche.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the tranche is withheld."), field="reason")
    if tranche.agreement.status != AS.SIGNED:
        # A draft's tranches are a plan the budget rewrites; withholding one would decide a
        # final payment (and let the award complete) for an agreement never in force.
        raise DomainError(
            _("The agreement is not signed: its tranches are not decided one by one yet."),
            code="not_signed",
        )
    if tranche.status != T.SCHEDULED:
        raise DomainError(
            _("Tranche %(number)s is %(status)s already.")
            % {"number": tranche.number, "status": tranche.get_status_display().lower()},
            code="tranche_closed",
        )
    _close_tranche(tranche, to=T.WITHHELD, reason=reason, actor=actor)
    agreement = tranche.agreement
    _tell(
        _party_members(agreement),
        template="awards/tranche_withheld",
        context={
            **_agreement_context(agreement),
            "tranche": tranche.number,
            "amount": tranche.amount_krw,
            "reason": reason,
        },
        link=_party_link(agreement),
        skip=actor,
    )
    return tranche


def _close_tranche(tranche: Tranche, *, to: str, reason: str, actor) -> None:
    """Decide a scheduled tranche without paying it (withheld, or cancelled with its project):
    every request of it not yet paid is cancelled through its transition, with the reason, and
    the tranche moves to ``to``; each change audited. The caller holds the tranche's lock."""
    open_requests = _unpaid_requests(tranche=tranche).select_for_update(of=("self",))
    for request in open_requests.order_by("pk"):

        def prepare(row: PaymentRequest, old: str) -> None:
            row.feedback = reason

        _move(request, to=RS.CANCELLED, actor=actor, prepare=prepare, detail={"reason": reason})
    tranche.status = to
    tranche.decision_note = reason
    tranche.save(update_fields=["status", "decision_note"])
    record_audit_event(
        subject=tranche,
        action="status",
        actor=actor,
        old_value=T.SCHEDULED,
        new_value=to,
        detail={"reason": reason},
    )


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


def requests_under_way(project: Project) -> QuerySet[PaymentRequest]:
    """The project's payment requests still waiting for a step (requested, checked, approved,
    or returned to the party for changes), oldest tranche first: a project does not complete
    while one is open, since nothing is checked, approved or paid once it is closed
    (``awards.lifecycle.next_step_problems``)."""
    return (
        PaymentRequest.objects.filter(
            tranche__agreement__project=project,
            status__in=(RS.REQUESTED, RS.CHECKED, RS.APPROVED, RS.RETURNED),
        )
        .select_related("tranche__agreement")
        .order_by("tranche__agreement__kind", "tranche__number")
    )


def undecided_tranches(project: Project) -> list[Tranche]:
    """The tranches of the project's signed agreements still scheduled without a request under
    way, other than its final one (``final_payment_decided`` speaks for that): each is paid or
    withheld before the project completes, so that a closed project's schedule says what was
    paid and what was not (``awards.lifecycle.next_step_problems``)."""
    final = final_tranche(project)
    return list(
        Tranche.objects.filter(
            agreement__project=project, agreement__status=AS.SIGNED, status=T.SCHEDULED
        )
        .exclude(pk=final.pk if final else None)
        .exclude(payment_requests__status__in=(RS.REQUESTED, RS.CHECKED, RS.APPROVED, RS.RETURNED))
        .select_related("agreement")
        .order_by("agreement__kind", "number")
    )


@transaction.atomic
def stop_future_payments(*, project: Project, actor, reason: str) -> int:
    """A cancelled project pays nothing more and its agreements end with it: each agreement
    still in force (signed or draft) is terminated with the reason (``_end_agreement``: its
    scheduled tranches and their unpaid requests cancelled, its requested amendments refused,
    audited each), so that it plans only what it paid and the execution figures and the
    track's budget (``awards.services.budget_left``) count the same money. No
    ``agreement_terminated`` mail: the award's cancellation tells the parties once
    (``awards.lifecycle``). Returns the number of tranches stopped. Call inside the cancelling
    transaction."""
    stopped = 0
    for agreement in _agreements_in_force(project).select_for_update(of=("self",)).order_by("pk"):
        stopped += len(
            _end_agreement(agreement, reason=reason, actor=actor, detail={"award_cancelled": True})
        )
    # A tranche left scheduled under an agreement already terminated (none is: termination
    # cancels them) would still be stopped here.
    stopped += len(
        _cancel_scheduled_tranches(agreement__project=project, reason=reason, actor=actor)
    )
    return stopped


def _cancel_scheduled_tranches(*, reason: str, actor, **where) -> list[Tranche]:
    """Cancel every scheduled tranche ``where`` selects (of an agreement, of a project), each
    locked, with its unpaid requests (``_close_tranche``); returns them."""
    tranches = list(_scheduled_tranches(**where).select_for_update(of=("self",)).order_by("pk"))
    for tranche in tranches:
        _close_tranche(tranche, to=T.CANCELLED, reason=reason, actor=actor)
    return tranches


# What stopping a project's payments reaches: asked by ``stop_future_payments`` (and
# ``_end_agreement``) to act, and by ``cancellation_effects`` to say so beforehand.
def _agreements_in_force(project: Project) -> QuerySet[Agreement]:
    """The project's agreements not terminated yet (signed or draft)."""
    return Agreement.objects.filter(project=project).exclude(status=AS.TERMINATED)


def _scheduled_tranches(**where) -> QuerySet[Tranche]:
    """The tranches ``where`` selects that are still scheduled (neither paid nor decided)."""
    return Tranche.objects.filter(status=T.SCHEDULED, **where)


def _unpaid_requests(**where) -> QuerySet[PaymentRequest]:
    """The payment requests ``where`` selects that are neither paid nor closed."""
    return PaymentRequest.objects.filter(status__in=UNPAID_REQUEST_STATUSES, **where)


@dataclass(frozen=True)
class CancellationEffects:
    """What cancelling a project's award does to its money (``cancellation_effects``)."""

    agreements: list[Agreement]  # terminated
    tranches: list[Tranche]  # cancelled: nothing more is paid on them
    requests: list[PaymentRequest]  # not yet paid: cancelled, the reason as their feedback
    paid: list[PaymentRequest]  # paid: they stay paid
    paid_total: int  # won paid to the project, which stays paid


def cancellation_effects(project: Project | None) -> CancellationEffects:
    """What ``stop_future_payments`` would do to ``project`` if its award were cancelled now,
    read through the same querysets it acts on, so the cancel page and the service never
    disagree. Writes nothing; a project of None (no project) is affected in nothing."""
    if project is None:
        return CancellationEffects([], [], [], [], 0)
    tranches = list(
        _scheduled_tranches(agreement__project=project)
        .select_related("agreement")
        .order_by("agreement__reference", "number")
    )
    return CancellationEffects(
        agreements=list(_agreements_in_force(project).order_by("reference")),
        tranches=tranches,
        requests=list(
            _unpaid_requests(tranche__in=[t.pk for t in tranches])
            .select_related("tranche__agreement")
            .order_by("tranche__agreement__reference", "tranche__number", "pk")
        ),
        paid=list(
            PaymentRequest.objects.filter(tranche__agreement__project=project, status=RS.PAID)
            .select_related("tranche__agreement")
            .order_by("tranche__agreement__reference", "tranche__number", "pk")
        ),
        paid_total=paid_total(project),
    )


# --- Reads: who sees which agreements and payment requests -----------------------------------


def agreements_for_user(user) -> QuerySet[Agreement]:
    """Agreements the user may read: programme admins all; secretariat staff those of projects
    funded on their tracks; members of an agreement's party, and of its project's partner
    (read-only), those agreements. Nobody else any (reviewers, other applicants)."""
    qs = Agreement.objects.select_related("project__country", "project__partner", "party")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return qs
    organizations = user.memberships.values("organization_id")
    condition = Q(party__in=organizations) | Q(project__partner__in=organizations)
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        condition |= Q(project__award__application__track__in=staff_tracks(user))
    return qs.filter(condition)


def payment_requests_for_user(user) -> QuerySet[PaymentRequest]:
    """Payment requests the user may read: programme admins all; secretariat staff those of
    projects funded on their tracks; members of the agreement's party their own. The partner
    of a planning project does not read its contractor's requests (it sees the execution)."""
    qs = PaymentRequest.objects.select_related(
        "tranche__agreement__project", "tranche__agreement__party", "requested_by"
    )
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return qs
    condition = Q(tranche__agreement__party__in=user.memberships.values("organization_id"))
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        condition |= Q(
            tranche__agreement__project__award__application__track__in=staff_tracks(user)
        )
    return qs.filter(condition)


def payment_requests_to_handle(user) -> QuerySet[PaymentRequest]:
    """The staff queue: requests waiting for the user's next step. Secretariat staff: requested
    ones of their tracks (to check); programme admins: requested, checked (to approve) and
    approved (to record as paid) ones."""
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        statuses = (RS.REQUESTED, RS.CHECKED, RS.APPROVED)
    elif roles.has_role(user, roles.SECRETARIAT_STAFF):
        statuses = (RS.REQUESTED,)
    else:
        return PaymentRequest.objects.none()
    return payment_requests_for_user(user).filter(status__in=statuses)


def next_payment_steps(user, request: PaymentRequest) -> list[str]:
    """The moves the user may make on the request now, by name (check, approve, pay, return,
    reject), in the order a page offers them: the same rules the services ask."""
    steps = []
    status = request.status
    if status == RS.REQUESTED and user.has_perm(CHECK_PAYMENT, request):
        steps.append("check")
    if (
        status == RS.CHECKED
        and request.checked_by_id != user.pk
        and user.has_perm(APPROVE_PAYMENT, request)
    ):
        steps.append("approve")
    if status == RS.APPROVED and user.has_perm(RECORD_PAYMENT, request):
        steps.append("pay")
    if status in (RS.REQUESTED, RS.CHECKED) and user.has_perm(RETURN_PAYMENT, request):
        steps += ["return", "reject"]
    return steps


def requestable_tranches(user, agreement: Agreement) -> list[Tranche]:
    """The agreement's tranches the user may ask payment for now: a party member's, on a
    signed agreement of an active project, scheduled, due, and without a live request (or
    with one returned for changes). Reads the tranches and their requests in two queries."""
    if agreement.status != AS.SIGNED or agreement.project.status != Project.Status.ACTIVE:
        return []
    if not is_party_member(user, agreement):
        return []
    tranches = list(agreement.tranches.order_by("number"))
    live = dict(
        PaymentRequest.objects.filter(
            tranche__agreement=agreement, status__in=PaymentRequest.LIVE
        ).values_list("tranche_id", "status")
    )
    accepted = set(
        Deliverable.objects.filter(
            project_id=agreement.project_id, status=Deliverable.Status.ACCEPTED
        ).values_list("kind", flat=True)
    )
    return [
        t
        for t in tranches
        if t.status == T.SCHEDULED
        and (not t.after_deliverable or t.after_deliverable in accepted)
        and live.get(t.pk) in (None, RS.RETURNED)
    ]
