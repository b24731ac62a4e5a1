"""Selection within budget: the proposed funding line, staff changes, confirmation, release.

The portal proposes; staff change what they must, each change with a recorded reason; a
programme admin confirms; the decisions of a call (or one track) are released together, and
only then do applications move to selected / reserve / rejected and applicants hear of it.
"""

from __future__ import annotations

from contextlib import nullcontext

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_audit_event
from applications.models import Application
from applications.services import notify_applicants, transition_application
from core.concurrency import StaleEdit, fingerprint, refuse_if_row_changed, row_fingerprint
from core.domain import (
    DomainError,
    clean_or_refuse,
    refuse_too_long,
    require_permission,
)
from notifications.services import holding_messages
from projects.models import Call, Project, Track
from projects.rules import MANAGE_TRACK
from results.aggregation import EXCLUDED_STATUSES, FLAG_BELOW_CRITERION, FLAG_BELOW_OVERALL
from results.models import ApplicationResult, Decision
from results.rules import DECIDE
from reviews.models import Assignment

Outcome = Decision.Outcome
# The outcome of a decision → the application status it releases into.
RELEASE_STATUS = {
    Outcome.SELECTED: Application.Status.SELECTED,
    Outcome.RESERVE: Application.Status.RESERVE,
    Outcome.REJECTED: Application.Status.REJECTED,
}


def _require_track_staff(actor, track: Track) -> None:
    require_permission(actor, MANAGE_TRACK, track, message=_("You do not work on this track."))


def _require_programme_admin(actor) -> None:
    require_permission(
        actor,
        DECIDE,
        message=_("Only a programme admin can confirm or release decisions."),
    )


def _lock_tracks(*track_ids: int) -> None:
    """Lock the tracks whose decisions are about to be written: proposing, changing, confirming
    and releasing take their turn per track (track first, then its decisions, always in that
    order), so a budget checked by one is the budget the others see."""
    list(
        Track.objects.select_for_update(of=("self",))
        .filter(pk__in=track_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def is_above_thresholds(result: ApplicationResult) -> bool:
    """Fundable on the scores: an official score, not below the overall threshold and not
    below any criterion's own threshold."""
    return result.official_score is not None and not any(
        flag == FLAG_BELOW_OVERALL or flag.startswith(FLAG_BELOW_CRITERION) for flag in result.flags
    )


def proposed_amount(*, track: Track, requested: int | None) -> int:
    """The requested amount capped by the track's ceiling and never below its floor."""
    amount = min(requested or track.budget_ceiling, track.budget_ceiling)
    return max(amount, track.budget_floor)


def plan_funding_line(
    *, ranked: list[tuple[int, bool, int]], budget: int, floor: int, ceiling: int
) -> dict[int, tuple[str, int | None, int | None]]:
    """Pure: go down ``ranked`` (application id, above thresholds, requested KRW) and return
    application id → (outcome, amount, reserve rank). Selected while the budget lasts, skipping
    what no longer fits and continuing; the above-threshold rest form the ranked reserve list;
    the others are rejected."""
    remaining = budget
    plan: dict[int, tuple[str, int | None, int | None]] = {}
    reserve_rank = 0
    for application_id, fundable, requested in ranked:
        if not fundable:
            plan[application_id] = (Outcome.REJECTED, None, None)
            continue
        amount = max(min(requested or ceiling, ceiling), floor)
        if amount <= remaining:
            remaining -= amount
            plan[application_id] = (Outcome.SELECTED, amount, None)
        else:
            reserve_rank += 1
            plan[application_id] = (Outcome.RESERVE, amount, reserve_rank)
    return plan


# What staff change on a decision: what a page that shows one carries (``core.concurrency``).
DECISION_FIELDS = ("outcome", "amount", "reserve_rank", "reason", "committee_summary")


def decision_version(decision: Decision) -> str:
    """The fingerprint of the decision's values staff change, as its change form shows them."""
    return row_fingerprint(decision, DECISION_FIELDS)


def decisions_version(decisions) -> str:
    """The fingerprint of a track's decisions as the selection page lists them (no decision
    yet included): which rows, and each one's ``decision_version``. A new proposal (new rows)
    or any change by hand gives another; a confirmation does not."""
    return fingerprint({"decisions": sorted([d.pk, decision_version(d)] for d in decisions)})


# What a stale "propose" and a stale "confirm" are told (the selection page lists them again).
PROPOSED_MEANWHILE = gettext_lazy(
    "The decisions of this track were proposed or changed since you opened the page, so "
    "nothing was replaced. Review the list, then propose again if you still want a new proposal."
)
CHANGED_BEFORE_CONFIRM = gettext_lazy(
    "The decisions of this track changed since you opened the page, so nothing was confirmed. "
    "Review the list again, then confirm."
)


def _refuse_if_list_changed(decisions, seen: str | None, message) -> None:
    """Refuse (``StaleEdit``) when the track's decisions are not the ones the page listed
    (``seen``: its ``decisions_version``); nothing is checked without one."""
    current = decisions_version(decisions)
    if seen and seen != current:
        raise StaleEdit(message, current=current, changed=["decisions"])


# The longest committee summary staff may write or edit when changing a decision (the page and
# the API alike).
COMMITTEE_SUMMARY_MAX_LENGTH = 20_000


def committee_summary_for(application_id: int) -> str:
    """The committee's overall comments, without names or scores, one paragraph each."""
    comments = (
        Assignment.objects.filter(application_id=application_id, status=Assignment.Status.SUBMITTED)
        .exclude(overall_comment="")
        .order_by("submitted_at", "id")
        .values_list("overall_comment", flat=True)
    )
    return "\n\n".join(f"– {c.strip()}" for c in comments)


def results_in_ranking_order(track: Track) -> list[ApplicationResult]:
    """Every result row of the track, with its application: the ranked ones by rank, then
    those with no official score (no review submitted), which the funding line rejects (not
    fundable) so that their applicants, too, hear of a decision at the release. Not the row
    of an application that left the review since the aggregation ran (withdrawn, screened
    ineligible: ``EXCLUDED_STATUSES``), which no decision may follow (its release would fail)."""
    return list(
        ApplicationResult.objects.filter(track=track)
        .exclude(application__status__in=EXCLUDED_STATUSES)
        .select_related("application")
        .order_by(F("rank").asc(nulls_last=True), "application_id")
    )


def _contractor_winner(track: Track, results: list[ApplicationResult]) -> int | None:
    """The application a contractor selection funds: the proposal of the company recorded as
    the project's contractor (``awards.contractor_selection.select_contractor``, which weighs
    the price in beside the technical ranking), its best ranked if it sent several; None until
    the winner is recorded. Once that company left the project its selection is archived
    (``awards.contractor_selection.release_contractor``, which writes the selection's
    decisions first if none were proposed yet): the winner is then the proposal those
    decisions select, so every bidder still hears its outcome when they are released."""
    if Call.objects.filter(pk=track.call_id, status=Call.Status.ARCHIVED).exists():
        return (
            Decision.objects.filter(track=track, proposed_outcome=Outcome.SELECTED)
            .values_list("application_id", flat=True)
            .first()
        )
    contractor_id = (
        Project.objects.filter(pk=track.call.project_id)
        .values_list("contractor_id", flat=True)
        .first()
    )
    return next(
        (
            r.application_id
            for r in results
            if contractor_id is not None and r.application.organization_id == contractor_id
        ),
        None,
    )


def _funding_plan(track: Track, results: list[ApplicationResult]) -> dict:
    """``plan_funding_line`` over ``results`` (``results_in_ranking_order``) with the track's
    budget, floor and ceiling: the proposal's rule, asked by the proposal and by the check that
    the ranking still backs it. A contractor selection selects one proposal, the recorded
    contractor's (``_contractor_winner``), at its price, and rejects the others: the technical
    ranking alone, or every bid the budget holds, would tell a losing company it won."""
    if track.kind == Track.Kind.CONTRACTOR_SELECTION:
        winner = _contractor_winner(track, results)
        return {
            r.application_id: (
                (
                    Outcome.SELECTED,
                    proposed_amount(track=track, requested=r.application.budget_requested),
                    None,
                )
                if r.application_id == winner
                else (Outcome.REJECTED, None, None)
            )
            for r in results
        }
    return plan_funding_line(
        ranked=[
            (r.application_id, is_above_thresholds(r), r.application.budget_requested)
            for r in results
        ],
        budget=track.total_budget,
        floor=track.budget_floor,
        ceiling=track.budget_ceiling,
    )


@transaction.atomic
def propose_funding_line(*, track: Track, actor, version: str | None = None) -> list[Decision]:
    """Write the portal's proposal for the track: ``Decision`` rows down the ranking, and a
    rejection for each application on the board with no official score (not fundable).

    Needs an aggregation first. Replaces an earlier unconfirmed proposal (idempotent on the
    same results); refuses once any decision is confirmed or released. Writes one audit row
    on the track. Changes no application status and tells nobody.

    ``version``: the ``decisions_version`` of the decisions the page showed (none: the token
    of no decision); when a colleague has proposed or changed a decision since, nothing is
    replaced (``StaleEdit``). None: not checked.
    """
    _require_track_staff(actor, track)
    _lock_tracks(track.pk)
    existing = Decision.objects.select_for_update().filter(track=track)
    if existing.filter(confirmed_at__isnull=False).exists():
        raise DomainError(
            _("The decisions of this track are already confirmed; change them one by one."),
            code="confirmed",
        )
    _refuse_if_list_changed(existing, version, PROPOSED_MEANWHILE)
    results = results_in_ranking_order(track)
    if not any(r.rank for r in results):
        raise DomainError(
            _("There are no ranked results yet: run the aggregation first."), code="no_results"
        )
    if track.kind == Track.Kind.CONTRACTOR_SELECTION and _contractor_winner(track, results) is None:
        raise DomainError(
            _(
                "Record the winner of the contractor selection first: its decisions follow the "
                "combined score."
            ),
            code="no_contractor",
        )
    plan = _funding_plan(track, results)  # before the old proposal goes: it may name the winner
    existing.delete()
    decisions = []
    for result in results:
        outcome, amount, reserve_rank = plan[result.application_id]
        decision = Decision(
            application=result.application,
            track=track,
            outcome=outcome,
            proposed_outcome=outcome,
            amount=amount,
            reserve_rank=reserve_rank,
            committee_summary=committee_summary_for(result.application_id),
            decided_by=actor,
        )
        decision.full_clean(validate_unique=False)
        decisions.append(decision)
    Decision.objects.bulk_create(decisions)
    record_audit_event(
        subject=track,
        action="propose_funding_line",
        actor=actor,
        detail={
            "selected": sum(1 for d in decisions if d.outcome == Outcome.SELECTED),
            "reserve": sum(1 for d in decisions if d.outcome == Outcome.RESERVE),
            "rejected": sum(1 for d in decisions if d.outcome == Outcome.REJECTED),
            "amount": sum(d.amount or 0 for d in decisions if d.outcome == Outcome.SELECTED),
        },
    )
    return decisions


def proposal_out_of_step(track: Track) -> list[Application]:
    """The applications, in ranking order, whose funding decision the track's ranking no
    longer backs: the aggregation ran again after the funding line was proposed (a review
    reopened and resubmitted) and, on the proposal's own rule (``plan_funding_line``), now
    gives another outcome to a decision nobody changed by hand, ranks an application that has
    no decision, or no longer lists one that has. A decision changed with a reason is staff's
    word and is left alone. Empty when the track has no proposal."""
    decisions = {d.application_id: d for d in Decision.objects.filter(track=track)}
    if not decisions:
        return []
    results = results_in_ranking_order(track)
    plan = _funding_plan(track, results)
    out = []
    for result in results:
        decision = decisions.get(result.application_id)
        if decision is None or (
            not decision.reason and decision.outcome != plan[result.application_id][0]
        ):
            out.append(result.application)
    unranked = [pk for pk, d in decisions.items() if pk not in plan and not d.reason]
    out.extend(Application.objects.filter(pk__in=unranked).order_by("reference", "pk"))
    return out


RANKING_CHANGED = gettext_lazy(
    "The ranking changed since the funding line was proposed, so nothing was confirmed: "
    "%(references)s. Propose the funding line again, or change these decisions with a reason."
)


def selected_total(track: Track, *, exclude_pk: int | None = None) -> int:
    qs = Decision.objects.filter(track=track, outcome=Outcome.SELECTED)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.aggregate(total=Sum("amount"))["total"] or 0


@transaction.atomic
def change_decision(
    *,
    decision: Decision,
    outcome: str,
    reason: str,
    actor,
    amount: int | None = None,
    committee_summary: str | None = None,
    version: str | None = None,
) -> Decision:
    """Change one decision's outcome or amount, with a reason (required, audited).

    A selected or reserve amount must lie within the track's floor and ceiling, and the
    track's selected total within its budget. A change after confirmation withdraws the
    confirmation (a programme admin confirms again). Released decisions cannot change here.
    ``version``: the ``decision_version`` the form showed; when someone changed the decision
    since, nothing is saved (``StaleEdit``).
    None: not checked.
    """
    _lock_tracks(Decision.objects.filter(pk=decision.pk).values_list("track_id", flat=True).get())
    decision = (
        Decision.objects.select_for_update(of=("self",)).select_related("track").get(pk=decision.pk)
    )
    track = decision.track
    _require_track_staff(actor, track)
    if decision.released_at:
        raise DomainError(_("This decision has been released and cannot change here."))
    refuse_if_row_changed(decision, version)
    reason = refuse_too_long(reason)
    if not reason:
        raise DomainError(_("Give a reason for the change."), field="reason")
    if committee_summary is not None:
        committee_summary = committee_summary.replace("\r\n", "\n")
    if committee_summary is not None and committee_summary != decision.committee_summary:
        # The portal's own summary (``committee_summary_for``) is every reviewer's comment and
        # may be longer; it is kept as it is when the change leaves it alone.
        refuse_too_long(
            committee_summary, limit=COMMITTEE_SUMMARY_MAX_LENGTH, field="committee_summary"
        )
    if outcome not in Outcome.values:
        raise DomainError(_("Choose an outcome."), field="outcome")
    old = {
        "outcome": decision.outcome,
        "amount": decision.amount,
        "reserve_rank": decision.reserve_rank,
    }
    if outcome == Outcome.SELECTED:
        amount = amount if amount is not None else decision.amount
    elif outcome == Outcome.RESERVE and amount is None:
        # A reserve carries the amount it would be funded with if promoted.
        amount = decision.amount or proposed_amount(
            track=track, requested=decision.application.budget_requested
        )
    # Selected or waiting to be: the amount it is (or would be, if promoted) funded with.
    funded = outcome in (Outcome.SELECTED, Outcome.RESERVE)
    if funded and (amount is None or not track.budget_floor <= amount <= track.budget_ceiling):
        raise DomainError(
            _("The amount must be between KRW %(floor)s and KRW %(ceiling)s.")
            % {"floor": f"{track.budget_floor:,}", "ceiling": f"{track.budget_ceiling:,}"},
            field="amount",
        )
    if (
        outcome == Outcome.SELECTED
        and selected_total(track, exclude_pk=decision.pk) + amount > track.total_budget
    ):
        raise DomainError(
            _("This would exceed the track's total budget of KRW %(total)s.")
            % {"total": f"{track.total_budget:,}"},
            field="amount",
        )
    if outcome == Outcome.RESERVE and decision.outcome != Outcome.RESERVE:
        top = Decision.objects.filter(track=track).aggregate(m=Max("reserve_rank"))["m"] or 0
        decision.reserve_rank = top + 1
    elif outcome != Outcome.RESERVE:
        decision.reserve_rank = None
    decision.outcome = outcome
    decision.amount = amount if outcome != Outcome.REJECTED else None
    decision.reason = reason
    if committee_summary is not None:
        decision.committee_summary = committee_summary
    decision.decided_by = actor
    decision.confirmed_by, decision.confirmed_at = None, None
    clean_or_refuse(decision, validate_unique=False)
    decision.save()
    record_audit_event(
        subject=decision,
        action="change",
        actor=actor,
        old_value=old["outcome"],
        new_value=outcome,
        detail={"reason": reason, "old": old, "amount": decision.amount},
    )
    return decision


@transaction.atomic
def confirm_decisions(*, track: Track, actor, version: str | None = None) -> int:
    """A programme admin confirms the track's decisions as they stand. Audited; returns how
    many were confirmed. Releases nothing.

    ``version``: the ``decisions_version`` of the list the admin's page showed; when a decision
    was proposed or changed since, nothing is confirmed (``StaleEdit``). None: not
    checked."""
    _require_programme_admin(actor)
    _lock_tracks(track.pk)
    pending = Decision.objects.select_for_update().filter(track=track, confirmed_at__isnull=True)
    if not Decision.objects.filter(track=track).exists():
        raise DomainError(_("There is no proposal to confirm."), code="no_decisions")
    _refuse_if_list_changed(Decision.objects.filter(track=track), version, CHANGED_BEFORE_CONFIRM)
    if selected_total(track) > track.total_budget:
        raise DomainError(_("The selection exceeds the track's total budget."))
    # Once a decision is confirmed no new proposal can take in an application without one:
    # that one stays on the page's warning, the rest must be settled first.
    anything_confirmed = Decision.objects.filter(track=track, confirmed_at__isnull=False).exists()
    decided = set(Decision.objects.filter(track=track).values_list("application_id", flat=True))
    out_of_step = [
        a for a in proposal_out_of_step(track) if not anything_confirmed or a.pk in decided
    ]
    if out_of_step:
        raise DomainError(
            RANKING_CHANGED
            % {"references": ", ".join(a.reference or str(a.pk) for a in out_of_step)},
            code="ranking_changed",
        )
    now = timezone.now()
    count = pending.update(confirmed_by=actor, confirmed_at=now)
    record_audit_event(
        subject=track, action="confirm_decisions", actor=actor, detail={"confirmed": count}
    )
    return count


def decision_batch(track: Track) -> str:
    """The review batch of a track's decision messages held for review (``2022-PL
    decisions``): what the outbox's held-messages page lists and filters by."""
    return f"{track.call.year}-{track.code} decisions"


@transaction.atomic
def release_decisions(
    *,
    actor,
    call: Call | None = None,
    track: Track | None = None,
    hold_messages: bool = False,
) -> int:
    """Release every decision of the call (or of one track) at the same moment.

    Every decision must be confirmed. Moves each application to selected / reserve /
    rejected through ``transition_application`` and notifies its applicants in their own
    language with the outcome and the committee's summary (no reviewer names, no scores).
    With ``hold_messages`` those messages are written held, one review batch per track
    (``decision_batch``), and go out only when staff send them from the outbox.
    Returns the number released; already released decisions are left as they are.
    """
    _require_programme_admin(actor)
    if (call is None) == (track is None):
        raise DomainError(_("Release the decisions of one call or one track."))
    _lock_tracks(*(call.tracks.values_list("pk", flat=True) if call else [track.pk]))
    decisions = Decision.objects.select_for_update(of=("self",)).filter(released_at__isnull=True)
    decisions = decisions.filter(track__call=call) if call else decisions.filter(track=track)
    decisions = list(decisions.select_related("application", "track").order_by("track", "id"))
    if not decisions:
        raise DomainError(_("There are no decisions waiting to be released."), code="none")
    if any(d.confirmed_at is None for d in decisions):
        raise DomainError(
            _("Some decisions are not confirmed yet; a programme admin must confirm them first."),
            code="unconfirmed",
        )
    now = timezone.now()
    for decision in decisions:
        application = decision.application
        # Reviewed first, by the table's steps: one screened eligible after the review started
        # can be scored without anyone starting the review again.
        for before, step in (
            (Application.Status.ELIGIBLE, Application.Status.UNDER_REVIEW),
            (Application.Status.UNDER_REVIEW, Application.Status.REVIEWED),
        ):
            if application.status == before:
                application = transition_application(
                    application=application, to=step, actor=actor, notify=False
                )
        application = transition_application(
            application=application,
            to=RELEASE_STATUS[decision.outcome],
            actor=actor,
            notify=False,
            now=now,
            detail={"decision": decision.pk},
        )
        with holding_messages(decision_batch(decision.track)) if hold_messages else nullcontext():
            notify_applicants(
                application=application,
                template="applications/decision",
                extra={
                    "outcome": decision.outcome,
                    "outcome_label": str(Outcome(decision.outcome).label),
                    "amount": decision.amount if decision.outcome == Outcome.SELECTED else None,
                    "reserve_rank": decision.reserve_place(),
                    "committee_summary": decision.committee_summary,
                },
            )
    Decision.objects.filter(pk__in=[d.pk for d in decisions]).update(released_at=now)
    if call is not None:
        Call.objects.filter(pk=call.pk).update(decisions_released_at=now)
    record_audit_event(
        subject=call or track,
        action="release_decisions",
        actor=actor,
        detail={"released": len(decisions), "messages_held": hold_messages},
    )
    return len(decisions)
