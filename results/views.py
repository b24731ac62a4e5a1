"""Staff screens for results: aggregation job, ranking board, selection, exports (a track's
awards page is the awards app's).

Thin views: every read goes through ``results.selectors`` (which applies track visibility and
answers 404 for another secretariat's track), every write through one service.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.domain import REASON_MAX_LENGTH, DomainError
from core.forms import (
    SEEN_VERSION,
    TypedTextField,
    guard_against_stale,
    refusal_status,
    run_service_on_form,
    seen_version,
)
from notifications.selectors import held_messages
from results import selectors as sel
from results.aggregation import start_aggregation
from results.exports import BOARD_FILTERED, EXPORTERS, export_track
from results.models import Decision
from results.rules import DECIDE
from results.services import (
    change_decision,
    confirm_decisions,
    decision_batch,
    decision_version,
    decisions_version,
    proposal_out_of_step,
    propose_funding_line,
    release_decisions,
)
from reviews.models import Job

PAGE_SIZE = 50
FLAG_CHOICES = [
    ("", gettext_lazy("Any")),
    ("spread", gettext_lazy("Spread above the threshold")),
    ("too_few_reviewers", gettext_lazy("Fewer reviewers than the minimum")),
    ("below_overall_threshold", gettext_lazy("Below the overall threshold")),
    ("below_criterion_threshold", gettext_lazy("A criterion below its threshold")),
    ("outlier_reviewer", gettext_lazy("A lenient or strict reviewer")),
]
FLAG_LABELS = dict(FLAG_CHOICES)
FLAG_LABELS.update(
    {
        "trimmed_needs_three": gettext_lazy("Fewer than 3 totals: no trimmed mean"),
        "official_fallback_to_mean": gettext_lazy("Official score falls back to the mean"),
    }
)


def flag_label(flag: str, names: dict[str, str] | None = None) -> str:
    """A stored flag (``code`` or ``code:criterion``) as the reader's words; ``names`` maps a
    criterion code to its display name (the code itself when the criterion is gone)."""
    code, _sep, criterion = flag.partition(":")
    label = str(FLAG_LABELS.get(code, code))
    if not criterion:
        return label
    return f"{label}: {(names or {}).get(criterion, criterion)}"


def tiebreak_label(tiebreak: dict, names: dict[str, str] | None = None) -> str:
    rule = (tiebreak or {}).get("rule", "")
    if not rule:
        return ""
    if rule.startswith("criterion:"):
        code = rule.split(":", 1)[1]
        return _("Tie broken on the criterion “%(code)s”") % {"code": (names or {}).get(code, code)}
    if rule == "submitted_at":
        return _("Tie broken by earlier submission")
    return _("Tie broken by application number")


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    flag = forms.ChoiceField(label=gettext_lazy("Flag"), choices=FLAG_CHOICES, required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("rank", gettext_lazy("Rank")),
            ("mean", gettext_lazy("Mean")),
            ("trimmed_mean", gettext_lazy("Trimmed mean")),
            ("median", gettext_lazy("Median")),
            ("normalised", gettext_lazy("Normalised")),
            ("spread", gettext_lazy("Spread")),
            ("reviewers", gettext_lazy("Fewest reviewers")),
            ("country", gettext_lazy("Country")),
        ],
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Decision.Outcome.choices)
    # The column's range (a positive 64-bit integer); the track's floor and ceiling are the
    # service's rule (``change_decision``).
    amount = forms.IntegerField(
        label=gettext_lazy("Amount (KRW)"),
        required=False,
        min_value=0,
        max_value=9_223_372_036_854_775_807,
    )
    reason = TypedTextField(
        label=gettext_lazy("Reason for the change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
    )
    # Its limit is the service's (``COMMITTEE_SUMMARY_MAX_LENGTH``, asked only of an edited
    # summary): the portal's own summary of every reviewer's comment may be longer.
    committee_summary = TypedTextField(
        label=gettext_lazy("Summary of the committee's comments (sent to the applicant)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )


@login_required
@require_GET
def index(request):
    tracks = list(sel.results_tracks_for_user(request.user))
    if not tracks:
        return render(request, "results/no_access.html", status=403)
    return render(request, "results/index.html", {"tracks": tracks})


def board_filters(request) -> tuple[BoardFilterForm, dict]:
    """The board's filter form from the query string and the filters it sets (``q``, ``flag``,
    ``sort``; none when the form is invalid): the board and its exports read the same."""
    form = BoardFilterForm(request.GET or None)
    if not form.is_valid():
        return form, {}
    return form, {name: value for name, value in form.cleaned_data.items() if value}


@login_required
@require_GET
def board(request, track_id: int):
    track = sel.results_track_for_user(request.user, track_id)
    form, filters = board_filters(request)
    ranking = sel.ranking_for_track(
        track,
        sort=filters.get("sort") or "rank",
        flag=filters.get("flag") or "",
        q=filters.get("q") or "",
    )
    page = Paginator(ranking, PAGE_SIZE).get_page(request.GET.get("page"))
    results = list(page.object_list)
    stats = list(sel.reviewer_stats_for_track(track))
    flagged_reviewers = {s.reviewer_id for s in stats if s.flagged}
    criteria = sel.criteria_for_track(track)
    names = {c.code: c.display_name for c in criteria}
    reveal = request.GET.get("reveal") == "1"
    # The essential columns fit a laptop and stack on a phone; ?columns=all adds every figure
    # as a column (each row's details hold them either way).
    all_columns = request.GET.get("columns") == "all"
    rows = []
    for r in results:
        rows.append(
            {
                "result": r,
                "application": r.application,
                # Joined by the selector; None until the funding line is proposed.
                "decision": getattr(r.application, "decision", None),
                "criteria": [(c, r.criterion_means.get(c.code, "")) for c in criteria],
                "flags": [flag_label(f, names) for f in r.flags],
                "tiebreak": tiebreak_label(r.tiebreak, names),
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    reveal_query = query.copy()
    reveal_query["reveal"] = "0" if reveal else "1"
    columns_query = query.copy()
    if all_columns:
        columns_query.pop("columns", None)
    else:
        columns_query["columns"] = "all"
    return render(
        request,
        "results/board.html",
        {
            "track": track,
            "form": form,
            "page": page,
            "rows": rows,
            "criteria": criteria,
            "stats": stats,
            "flagged_reviewers": flagged_reviewers,
            "reveal": reveal,
            "query": query.urlencode(),
            "reveal_query": reveal_query.urlencode(),
            "all_columns": all_columns,
            "columns_query": columns_query.urlencode(),
            # The exports that follow the board's filters carry them in their links.
            "exports": [
                (kind, label, urlencode(filters) if kind in BOARD_FILTERED else "")
                for kind, (label, _rows) in EXPORTERS.items()
            ],
            **_job_panel(track, sel.latest_job(track)),
        },
    )


def _job_panel(track, job: Job | None) -> dict:
    """What ``results/_job.html`` shows: the latest aggregation job (if any) and when the
    track's figures were last computed (results can exist without a job)."""
    return {
        "track": track,
        "job": job,
        "computed_at": sel.results_computed_at(track),
        "last_complete": sel.last_complete_aggregation(track),
    }


@login_required
@require_GET
def justifications(request, track_id: int, application_id: int):
    """One application's submitted reviews on the board, loaded when staff open them (so the
    board's first page stays fast): labelled Reviewer A, B, …; names only with ?reveal=1."""
    track = sel.results_track_for_user(request.user, track_id)
    result = get_object_or_404(sel.ranking_for_track(track), application_id=application_id)
    stats = sel.reviewer_stats_for_track(track).filter(flagged=True)
    # htmx fills the board's row; the no-script link opens the same list as a whole page.
    template = "_justifications.html" if request.htmx else "justifications.html"
    return render(
        request,
        f"results/{template}",
        {
            "track": track,
            "result": result,
            "reviews": sel.reviews_for_results([application_id]).get(application_id, []),
            "flagged_reviewers": {s.reviewer_id for s in stats},
            "reveal": request.GET.get("reveal") == "1",
        },
    )


@login_required
@require_POST
def run_aggregation(request, track_id: int):
    track = sel.results_track_for_user(request.user, track_id)
    job = start_aggregation(track=track, actor=request.user)
    # The task is queued after commit: a broker that refused it has already failed the job.
    job.refresh_from_db()
    if request.headers.get("HX-Request"):
        return render(request, "results/_job.html", _job_panel(track, job))
    if job.has_failed:
        messages.error(request, _("The aggregation could not be started; the panel says why."))
    else:
        messages.success(request, _("The aggregation has started."))
    return redirect("staff_results:board", track_id=track.pk)


@login_required
@require_GET
def job_status(request, track_id: int, job_id: int):
    track = sel.results_track_for_user(request.user, track_id)
    job = get_object_or_404(Job, pk=job_id, track=track, kind=Job.Kind.AGGREGATE)
    # htmx polls the panel; opened on its own, the panel sits in a whole page.
    template = "results/_job.html" if request.htmx else "results/job.html"
    return render(request, template, _job_panel(track, job))


@login_required
def selection(request, track_id: int):
    track = sel.results_track_for_user(request.user, track_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            # Both forms carry the decisions as the page listed them (``decisions_version``).
            version = request.POST.get(SEEN_VERSION)
            if action == "propose":
                propose_funding_line(track=track, actor=request.user, version=version)
                messages.success(request, _("The funding line has been proposed."))
            elif action == "confirm":
                count = confirm_decisions(track=track, actor=request.user, version=version)
                messages.success(request, _("%(count)s decisions confirmed.") % {"count": count})
            elif action in ("release_track", "release_call"):
                # "Hold the e-mails for review": the decision messages wait in the outbox.
                hold = request.POST.get("hold") == "1"
                scope = {"track": track} if action == "release_track" else {"call": track.call}
                count = release_decisions(actor=request.user, hold_messages=hold, **scope)
                messages.success(request, _("%(count)s decisions released.") % {"count": count})
                if hold:
                    messages.info(
                        request,
                        _("The decision e-mails are held: read and send them in the outbox."),
                    )
            else:
                messages.error(request, _("Unknown action."))
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("staff_results:selection", track_id=track.pk)
    decisions = list(sel.decisions_for_track(track))
    selected = [d for d in decisions if d.outcome == Decision.Outcome.SELECTED]
    return render(
        request,
        "results/selection.html",
        {
            "track": track,
            "decisions": decisions,
            "selected_total": sum(d.amount or 0 for d in selected),
            "selected_count": len(selected),
            "remaining": track.total_budget - sum(d.amount or 0 for d in selected),
            "all_confirmed": bool(decisions) and all(d.confirmed_at for d in decisions),
            "any_released": any(d.released_at for d in decisions),
            # propose_funding_line refuses once any decision is confirmed.
            "any_confirmed": any(d.confirmed_at for d in decisions),
            # Confirming and releasing are the programme admins' (the services ask the same).
            "can_decide": request.user.has_perm(DECIDE),
            # Decision messages released "held for review" and not sent yet.
            "held_batch": decision_batch(track),
            "held_count": held_messages(batch=decision_batch(track)).count(),
            # What the "propose" and "confirm" forms say they saw.
            "version": decisions_version(decisions),
            # Applications whose decision the ranking no longer backs (a re-aggregation after
            # the proposal); once everything is released, the decisions are final.
            "out_of_step": (
                proposal_out_of_step(track) if any(not d.released_at for d in decisions) else []
            ),
        },
    )


@login_required
def decision_change(request, track_id: int, pk: int):
    """Change one decision. The form carries the decision as it showed it: one sent after a
    colleague changed the decision is shown again (409) with what was typed, the colleague's
    values beside it and the form now carrying them, so saving again replaces theirs on
    purpose (``core.concurrency``)."""
    track = sel.results_track_for_user(request.user, track_id)
    decision = get_object_or_404(sel.decisions_for_track(track), pk=pk)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        guard_against_stale(form, "")
        if run_service_on_form(
            form,
            lambda data: change_decision(
                decision=decision,
                outcome=data["outcome"],
                amount=data["amount"],
                reason=data["reason"],
                committee_summary=data["committee_summary"],
                actor=request.user,
                version=seen_version(form),
            ),
        ):
            messages.success(request, _("The decision has been changed."))
            return redirect("staff_results:selection", track_id=track.pk)
        status = refusal_status(form)
        if status == 409:  # the colleague's values, as they are now
            decision = get_object_or_404(sel.decisions_for_track(track), pk=pk)
    else:
        form = DecisionForm(
            initial={
                "outcome": decision.outcome,
                "amount": decision.amount,
                "committee_summary": decision.committee_summary,
            }
        )
        guard_against_stale(form, decision_version(decision))
        status = 200
    return render(
        request,
        "results/decision_form.html",
        {"track": track, "decision": decision, "form": form, "conflict": status == 409},
        status=status,
    )


@login_required
@require_GET
def export(request, track_id: int, kind: str, fmt: str):
    track = sel.results_track_for_user(request.user, track_id)
    if kind not in EXPORTERS or fmt not in ("csv", "xlsx"):
        return HttpResponse(status=404)
    content, content_type, name = export_track(
        user=request.user,
        track=track,
        kind=kind,
        fmt=fmt,
        lang=request.GET.get("lang"),
        filters=board_filters(request)[1],
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
