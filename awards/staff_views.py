"""Staff screens for a track's funding awards: award a released selection, move an award along its
lifecycle, download its letter. Reads through ``awards.selectors``, writes through one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from awards import selectors as award_selectors
from awards.forms import AwardForm, CancelAwardForm
from awards.funding import cancellation_effects
from awards.models import Award
from awards.services import (
    AWARD_TRANSITIONS,
    advance_award,
    award_funding,
    cancel_award,
    reserve_offer_on_cancelling,
)
from awards.views import award_letter_response, letter_language
from core.domain import DomainError
from core.forms import id_from, run_service_on_form
from core.views import renders_pdf
from results import selectors as sel
from results.models import Decision

# The award's next step on the awards page: the one move of the lifecycle table that is not a
# cancellation (cancelling has its own form); completed and cancelled awards have none.
NEXT_AWARD_STATUS = {
    Award.Status(status): Award.Status(target)
    for status, targets in AWARD_TRANSITIONS.items()
    for target in targets
    if target != Award.Status.CANCELLED
}


@login_required
def awards(request, track_id: int):
    """The released selections not yet awarded, each with its amount form, and the awards.

    A refused amount is shown next to the amount of the decision it was typed for, with the
    amount typed; a decision that left the list meanwhile (a colleague awarded it) has no form
    left to show it on, so its refusal is a message at the top."""
    track = sel.results_track_for_user(request.user, track_id)
    posted = None  # the bound form of the decision whose award was asked for
    decision_id = id_from(request.POST.get("decision")) if request.method == "POST" else None
    if request.method == "POST" and decision_id is None:
        # A form edited or garbled on the way names no decision: said on the page, nothing done.
        messages.error(
            request, _("That selection cannot be awarded: reload the page and award one it lists.")
        )
    elif request.method == "POST":
        decision = get_object_or_404(sel.decisions_for_track(track), pk=decision_id)
        posted = AwardForm(request.POST, decision=decision, track=track)
        if run_service_on_form(
            posted,
            lambda data: award_funding(
                application=decision.application, amount=data["amount"], actor=request.user
            ),
        ):
            messages.success(request, _("The award has been created."))
            return redirect("staff_awards:awards", track_id=track.pk)
    awarded = list(award_selectors.awards_for_track(track))
    for award in awarded:
        award.next_status = NEXT_AWARD_STATUS.get(award.status)
    awarded_ids = {a.application_id for a in awarded}
    to_award = [
        d
        for d in sel.decisions_for_track(track).filter(
            outcome=Decision.Outcome.SELECTED, released_at__isnull=False
        )
        if d.application_id not in awarded_ids
    ]
    for d in to_award:
        d.form = (
            posted
            if posted is not None and posted.decision.pk == d.pk
            else AwardForm(decision=d, track=track)
        )
    if posted is not None and all(d.form is not posted for d in to_award):
        for errors in posted.errors.values():
            for error in errors:
                messages.error(request, error)
        posted = None
    return render(
        request,
        "awards/awards.html",
        {"track": track, "awards": awarded, "to_award": to_award, "refused": posted},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def award_advance(request, track_id: int, pk: int):
    track = sel.results_track_for_user(request.user, track_id)
    award = get_object_or_404(award_selectors.awards_for_track(track), pk=pk)
    try:
        advance_award(
            award=award,
            to=request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The award has been updated."))
    return redirect("staff_awards:awards", track_id=track.pk)


@login_required
@require_GET
@renders_pdf
def award_letter(request, track_id: int, pk: int):
    track = sel.results_track_for_user(request.user, track_id)
    award = get_object_or_404(award_selectors.awards_for_track(track), pk=pk)
    if not request.user.has_perm("awards.download_award_letter", award):
        raise Http404
    return award_letter_response(award, language=letter_language(request))


@login_required
def award_cancel(request, track_id: int, pk: int):
    """Cancelling an award is final, so it has its own page: it says what will happen (the
    project stops, its agreements end, the next reserve is offered the money) and asks for the
    reason before it calls ``cancel_award``."""
    track = sel.results_track_for_user(request.user, track_id)
    award = get_object_or_404(award_selectors.awards_for_track(track), pk=pk)
    if award.is_closed:
        messages.error(request, _("This award is already closed."))
        return redirect("staff_awards:awards", track_id=track.pk)
    form = CancelAwardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and run_service_on_form(
        form, lambda data: cancel_award(award=award, reason=data["reason"], actor=request.user)
    ):
        messages.success(request, _("The award has been cancelled."))
        return redirect("staff_awards:awards", track_id=track.pk)
    return render(
        request,
        "awards/staff/cancel.html",
        {
            "track": track,
            "award": award,
            "form": form,
            "reserve": award_selectors.next_reserve_decision(track),
            # Whom cancelling offers what (None: nobody waits, or the budget left cannot fund
            # anyone): the service's own rule, said before staff confirm.
            "offer": reserve_offer_on_cancelling(award),
            # Which agreements end, which tranches and requests are cancelled, what stays paid:
            # read through the querysets ``stop_future_payments`` acts on.
            "effects": cancellation_effects(award.project),
        },
        status=400 if request.method == "POST" else 200,
    )
