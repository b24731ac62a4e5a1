"""Funding awards: award a selected application (creating its funded Project), move the award
along its lifecycle, cancel it and offer the next on the reserve list, print the award letter."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_events_for, record_audit_event
from applications.models import Application
from applications.services import notify_applicants, transition_application
from awards.execution import PAID, paid_total
from awards.models import Award, Deliverable, PaymentRequest
from core.contacts import letter_signatory, secretariat_contact
from core.domain import DomainError, require_permission
from core.numbering import nth_of
from core.pdf import render_pdf
from core.transitions import apply_transition
from projects.models import Project, Track
from projects.rules import MANAGE_TRACK
from projects.services import NOT_YOUR_TRACK
from results.models import Decision
from results.services import proposed_amount

Outcome = Decision.Outcome


# The longest reason for cancelling an award (``transition_award``); the cancel page's form and
# the API's move serializer take the same.
CANCEL_REASON_MAX_LENGTH = 500


def validate_award_amount(*, track, amount) -> int:
    """An integer number of won within the track's per-project floor and ceiling."""
    if isinstance(amount, bool):
        amount = None
    if isinstance(amount, str):
        amount = amount.strip().replace(",", "")
        amount = int(amount) if amount.isdigit() else None
    if not isinstance(amount, int):
        raise DomainError(_("Enter the amount as a whole number of won."), field="amount")
    value = amount
    if not (track.budget_floor <= value <= track.budget_ceiling):
        raise DomainError(
            _("The award must be between KRW %(floor)s and KRW %(ceiling)s; KRW %(amount)s is not.")
            % {
                "floor": f"{track.budget_floor:,}",
                "ceiling": f"{track.budget_ceiling:,}",
                "amount": f"{value:,}",
            },
            field="amount",
        )
    return value


def _project_code(application: Application) -> str:
    base = (
        application.reference
        or f"{application.call.year}-{application.track.code}-{application.pk}"
    )
    max_length = Project._meta.get_field("code").max_length
    n = 1
    while Project.objects.filter(code=nth_of(base, n, max_length=max_length)).exists():
        n += 1
    return nth_of(base, n, max_length=max_length)


@transaction.atomic
def award_funding(*, application: Application, amount, actor) -> Award:
    """Award funding to a selected application whose decision has been released.

    Creates the ``Award`` (proposed) and the funded ``projects.Project`` (source portal, not
    public until the award is approved: ``awards.lifecycle.move_award``), moves the
    application to awarded (the applicant is notified by the transition), and writes audit
    rows. Refuses an amount outside the track's floor..ceiling.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("track", "call", "organization")
        .get(pk=application.pk)
    )
    track = application.track
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    if track.kind == Track.Kind.CONTRACTOR_SELECTION:
        # Its winner carries out the project the selection was opened for (``Project.contractor``,
        # paid under that project's service contract): a project of its own would count twice.
        raise DomainError(
            _(
                "A contractor selection funds no project of its own: its winner is the "
                "contractor of the project it was opened for."
            ),
            code="contractor_selection",
        )
    decision = Decision.objects.filter(application=application).first()
    if decision is None or decision.outcome != Outcome.SELECTED or decision.released_at is None:
        raise DomainError(
            _("Only a selected application whose decision has been released can be awarded."),
            code="not_selected",
        )
    if Award.objects.filter(application=application).exists():
        raise DomainError(_("This application already has an award."), code="exists")
    value = validate_award_amount(track=track, amount=amount)
    if decision.amount is not None and value > decision.amount:
        # The decision's amount is what the selection fitted within the track's budget.
        raise DomainError(
            _("The award cannot exceed the KRW %(amount)s decided for this application.")
            % {"amount": f"{decision.amount:,}"},
            field="amount",
        )
    project = Project(
        code=_project_code(application),
        name=application.title or str(application),
        year=application.call.year,
        track_kind=track.kind,
        country=application.country,
        city=application.city,
        budget_krw=value,
        partner=application.organization,
        source=Project.Source.PORTAL,
        is_public=False,  # a proposed award may still change
        summary=application.summary,
        starts_on=timezone.localdate(),
    )
    if project.country_id is None:
        raise DomainError(_("The application has no country; it cannot become a project."))
    project.full_clean()
    project.save()
    award = Award(application=application, project=project, amount=value, created_by=actor)
    award.full_clean()
    award.save()
    record_audit_event(
        subject=award,
        action="created",
        actor=actor,
        new_value=award.status,
        detail={"amount": value},
    )
    record_audit_event(subject=project, action="created", actor=actor, detail={"award": award.pk})
    transition_application(
        application=application,
        to=Application.Status.AWARDED,
        actor=actor,
        detail={"award": award.pk, "amount": value},
    )
    return award


def advance_award(*, award: Award, to: str, actor, reason: str = "") -> Award:
    """Move an award along its lifecycle: ``awards.lifecycle.move_award`` (its guards, the
    project moving with it, cancelling's stopped payments and reserve offer). The name the
    staff pages, the API and the back office's actions have always called."""
    from awards.lifecycle import move_award  # the lifecycle builds on this module

    return move_award(award=award, to=to, actor=actor, reason=reason)


def cancel_award(*, award: Award, reason: str, actor) -> tuple[Award, Decision | None]:
    """Cancel an award (reason required) through ``awards.lifecycle.move_award``: its project
    is cancelled, its agreements in force terminated and their future payments stopped
    (``awards.funding.stop_future_payments``; ``cancellation_effects`` says beforehand what
    that reaches) and the next application on the track's reserve
    list offered the funding. Returns the award and the promoted decision (None when the
    reserve list is empty)."""
    from awards.lifecycle import move_award  # the lifecycle builds on this module

    award = move_award(award=award, to=Award.Status.CANCELLED, actor=actor, reason=reason)
    return award, award.promoted_reserve


def budget_left(track) -> int:
    """What the track's total budget still has room for: less the live awards, what was paid
    to the projects of cancelled ones (a cancelled award frees only its unpaid rest:
    ``awards.execution``'s paid figure) and the selections not awarded yet."""
    awarded = sum(
        Award.objects.filter(application__track=track)
        .exclude(status=Award.Status.CANCELLED)
        .values_list("amount", flat=True)
    )
    spent_before_cancelling = (
        PaymentRequest.objects.filter(
            tranche__agreement__project__award__application__track=track,
            tranche__agreement__project__award__status=Award.Status.CANCELLED,
            status__in=PAID,
        ).aggregate(total=Sum("amount_krw"))["total"]
        or 0
    )
    to_award = sum(
        Decision.objects.filter(
            track=track, outcome=Outcome.SELECTED, application__award__isnull=True
        ).values_list("amount", flat=True)
    )
    return track.total_budget - awarded - spent_before_cancelling - (to_award or 0)


def _reserve_offer(track, *, room: int, lock: bool = False) -> tuple[Decision, int] | None:
    """Who the reserve list offers ``room`` won to, and how much: the first released reserve
    decision (lowest reserve rank), at what it waited on the list with (what the confirmed
    decision says it would be funded with if promoted; its capped request if it has none), or
    ``room`` if less. None when ``room`` is below the track's floor or nobody is waiting."""
    if room < track.budget_floor:
        return None
    decision = (
        Decision.objects.select_related("application")
        .filter(track=track, outcome=Outcome.RESERVE, released_at__isnull=False)
        .order_by("reserve_rank", "id")
    )
    if lock:
        decision = decision.select_for_update(of=("self",))
    decision = decision.first()
    if decision is None:
        return None
    amount = decision.amount or proposed_amount(
        track=track, requested=decision.application.budget_requested
    )
    return decision, min(amount, room)


def reserve_offer_on_cancelling(award: Award) -> tuple[Decision, int] | None:
    """What cancelling ``award`` would offer the reserve list (``promote_reserve``'s choice
    and amount, with the award's unpaid rest back in the budget): for the cancel page, which
    says it before staff confirm. Writes nothing."""
    track = award.application.track
    room = budget_left(track)
    if award.status != Award.Status.CANCELLED:
        room += award.amount - (paid_total(award.project) if award.project_id else 0)
    return _reserve_offer(track, room=room)


def promote_reserve(*, track, actor, amount: int | None = None) -> Decision | None:
    """Offer funding to the first application on the released reserve list (lowest reserve
    rank) that the budget left can still fund (``budget_left``, at least the track's floor):
    decision → selected at the amount it was kept on the list with (its capped requested
    amount unless staff set another), or what is left if less, application
    → selected, applicants notified. Call inside a transaction. None when nobody is waiting,
    or nobody fits. (``amount``, the cancelled award's, is already in ``budget_left``.)"""
    offer = _reserve_offer(track, room=budget_left(track), lock=True)
    if offer is None:
        return None
    decision, offered = offer
    old_rank = decision.reserve_rank
    decision.outcome = Outcome.SELECTED
    decision.amount = offered
    decision.reserve_rank = None
    decision.reason = _("Offered from the reserve list after a cancelled award.")
    decision.decided_by = actor
    decision.full_clean(validate_unique=False)
    decision.save()
    record_audit_event(
        subject=decision,
        action="promote_reserve",
        actor=actor,
        old_value=Outcome.RESERVE,
        new_value=Outcome.SELECTED,
        detail={"reserve_rank": old_rank, "amount": decision.amount},
    )
    application = transition_application(
        application=decision.application,
        to=Application.Status.SELECTED,
        actor=actor,
        notify=False,
        reason=decision.reason,
    )
    notify_applicants(
        application=application,
        template="results/reserve_offer",
        extra={"amount": decision.amount},
    )
    return decision


def award_letter_date(award: Award) -> datetime.date:
    """The day an award letter is dated: the day the award was approved (its first move to
    approved in the audit trail), in the programme's time zone. An award not approved yet has
    no such day, so its letter (a draft) carries today's date. Writes nothing."""
    zone = ZoneInfo(settings.PROGRAMME_TIME_ZONE)
    approved_at = (
        audit_events_for(award)
        .filter(action="status", new_value=Award.Status.APPROVED)
        .values_list("created_at", flat=True)
        .first()
    )
    if approved_at is None:
        return timezone.localdate(timezone=zone)
    return timezone.localtime(approved_at, zone).date()


LETTER_DRAFT_MARKS = {
    Award.Status.PROPOSED: gettext_lazy("DRAFT — not approved"),
    Award.Status.CANCELLED: gettext_lazy("CANCELLED — no longer valid"),
}


def award_letter_number(award: Award) -> str:
    """The award letter's document number, e.g. ``KCN-AL-2026-PL-007``: "AL" (award letter)
    and the application's reference.

    Derived, not stored: the reference is unique, given once at submission and never changed,
    and an application has at most one award, so the number is the same on every copy of the
    letter, in either language, whenever it is printed. (An award of an application without a
    reference, which the services never create, falls back to the award's id.)"""
    reference = award.application.reference
    return f"KCN-AL-{reference}" if reference else f"KCN-AL-{award.pk:06d}"


def award_letter_context(*, award: Award, language: str = "en") -> dict:
    """What the award letter shows: the award, its application (organisation, contact, site),
    the letter's number (``award_letter_number``) and date (``award_letter_date``, in KST),
    the mark across a letter not valid as it stands (``LETTER_DRAFT_MARKS``), the signatory
    in ``language`` and the help desk of the track's secretariat. Writes nothing."""
    award = Award.objects.select_related(
        "application__track__call",
        "application__track__secretariat",
        "application__organization",
        "application__country",
        "application__city",
        "project",
    ).get(pk=award.pk)
    track = award.application.track
    return {
        "award": award,
        "application": award.application,
        "letter_number": award_letter_number(award),
        "letter_date": award_letter_date(award),
        # A letter printed before the award is approved is a draft for staff to check, and
        # one of a cancelled award no longer holds: both say so across every page.
        "draft_mark": LETTER_DRAFT_MARKS.get(award.status, ""),
        "signatory": letter_signatory(language),
        "secretariat": secretariat_contact(track.secretariat.name)
        if track.secretariat_id
        else None,
    }


def award_letter_pdf(*, award: Award, language: str) -> bytes:
    """The award letter as PDF in ``language`` (en or ko). Writes nothing."""
    return render_pdf(
        "pdf/award_letter.html",
        award_letter_context(award=award, language=language),
        language=language,
    )


W = Award.Status

AWARD_MOVE_REFUSAL = gettext_lazy("An award cannot go from “%(old)s” to “%(new)s”.")

AWARD_TRANSITIONS: dict[str, set[str]] = {
    W.PROPOSED: {W.APPROVED, W.CANCELLED},
    W.APPROVED: {W.CONTRACTED, W.CANCELLED},
    W.CONTRACTED: {W.IN_PROGRESS, W.CANCELLED},
    W.IN_PROGRESS: {W.COMPLETED, W.CANCELLED},
    W.COMPLETED: set(),
    W.CANCELLED: set(),
}


@transaction.atomic
def transition_award(*, award: Award, to: str, actor, reason: str = "") -> Award:
    """The award row's own move along ``AWARD_TRANSITIONS`` (lock, table, reason on cancel
    within ``CANCEL_REASON_MAX_LENGTH``, audit row) and nothing else: no permission, no
    guard, no project. Only ``awards.lifecycle.move_award`` calls it; everything else (pages,
    API, back office) moves an award through that service (or ``advance_award`` /
    ``cancel_award``, its wrappers)."""

    def prepare(row: Award, old: str) -> None:
        if to == W.CANCELLED:
            if not reason:
                raise DomainError(_("Give a reason for cancelling the award."), field="reason")
            if len(reason) > CANCEL_REASON_MAX_LENGTH:
                raise DomainError(
                    _("Keep the reason to %(limit)s characters or fewer.")
                    % {"limit": CANCEL_REASON_MAX_LENGTH},
                    field="reason",
                )
            row.cancelled_reason = reason

    return apply_transition(
        award,
        to=to,
        table=AWARD_TRANSITIONS,
        actor=actor,
        refusal=AWARD_MOVE_REFUSAL,
        prepare=prepare,
        reason=reason,
    )


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

    def prepare(row: Deliverable, old: str) -> None:
        now = timezone.now()
        if to == D.SUBMITTED:
            row.submitted_at, row.submitted_by = now, actor
        else:
            row.reviewed_at, row.reviewed_by = now, actor
            row.feedback = feedback

    return apply_transition(
        deliverable,
        to=to,
        table=DELIVERABLE_TRANSITIONS,
        actor=actor,
        refusal=_("A deliverable cannot go from “%(old)s” to “%(new)s”."),
        prepare=prepare,
        detail={"feedback": feedback} if feedback else {},
    )
