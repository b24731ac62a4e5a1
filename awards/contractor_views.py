"""Staff screens for funded projects and the selection of their Korean contractor.

Who may see a project: programme admins every project; secretariat staff the projects awarded
on their tracks (``projects_for_staff``). Anyone else without the staff area gets 403; staff
asking for a project outside their tracks get 404, so nothing says it exists. Writes go
through ``awards.contractor_selection`` services; the companies apply through the ordinary
application pages, reviewers score with the ordinary form and the ranking board aggregates.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.rules import VIEW_STAFF_AREA
from applications.models import Application
from awards import selectors as award_selectors
from awards.contractor_selection import (
    CONTRACTOR_CRITERIA,
    call_takes_a_winner,
    contractor_ranking,
    contractor_selection_refusal,
    open_contractor_selection,
    record_contractor,
)
from awards.execution import project_execution, warning_share
from awards.lifecycle import next_award_status, next_step_problems
from awards.models import Award
from core.domain import DomainError
from core.forms import DATETIME_LOCAL_FORMAT, BoundedDateTimeField, apply_domain_error
from core.timezones import programme_zone
from core.views import require_perm
from projects.models import Call, Project, Track
from projects.selectors import projects_for_staff
from projects.services import transition_call

SEOUL = programme_zone()
# Applications that never reach the committee.
NOT_IN_SELECTION = (
    Application.Status.DRAFT,
    Application.Status.WITHDRAWN,
    Application.Status.INELIGIBLE,
)


# --- Reads -----------------------------------------------------------------------------------


def _project_for(request, code: str) -> Project:
    require_perm(request, VIEW_STAFF_AREA)
    project = projects_for_staff(request.user).filter(code=code).first()
    if project is None:
        raise Http404
    return project


def _contractor_calls(project: Project) -> list[Call]:
    tracks = Track.objects.annotate(
        application_count=Count(
            "applications", filter=~Q(applications__status__in=NOT_IN_SELECTION)
        )
    ).order_by("order", "id")
    return list(
        Call.objects.filter(project=project, kind=Call.Kind.CONTRACTOR_SELECTION)
        .prefetch_related(Prefetch("tracks", queryset=tracks))
        .order_by("-opens_at", "id")
    )


def _selection_call_for(request, code: str, call_id: int) -> tuple[Project, Call, Track]:
    project = _project_for(request, code)
    call = Call.objects.filter(
        pk=call_id, project=project, kind=Call.Kind.CONTRACTOR_SELECTION
    ).first()
    track = call.tracks.filter(kind=Track.Kind.CONTRACTOR_SELECTION).first() if call else None
    if track is None:
        raise Http404
    return project, call, track


# --- Forms -----------------------------------------------------------------------------------


class OpenSelectionForm(forms.Form):
    # Wall-clock time in Asia/Seoul, whatever the staff member's own time zone.
    opens_at = BoundedDateTimeField(
        label=gettext_lazy("Opens at (Korea Standard Time)"), time_zone=SEOUL
    )
    closes_at = BoundedDateTimeField(
        label=gettext_lazy("Closes at (Korea Standard Time)"), time_zone=SEOUL
    )
    price_weight = forms.DecimalField(
        label=gettext_lazy("Weight of the price (0 to 1)"),
        help_text=gettext_lazy(
            "Combined score = (1 − weight) × technical score + weight × price score."
        ),
        min_value=Decimal(0),
        max_value=Decimal(1),
        max_digits=3,
        decimal_places=2,
        initial=Decimal("0.20"),
    )

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        return data


def _default_dates() -> dict:
    start = (timezone.now().astimezone(SEOUL) + datetime.timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    end = (start + datetime.timedelta(days=21)).replace(hour=18)
    return {
        "opens_at": start.strftime(DATETIME_LOCAL_FORMAT),
        "closes_at": end.strftime(DATETIME_LOCAL_FORMAT),
    }


def _can_open(project: Project) -> bool:
    # The service's one list of conditions: a selection archived when its contractor left
    # (``release_contractor``) does not stop the next one.
    return contractor_selection_refusal(project) is None


def _next_step(award) -> dict | None:
    """The award's next move and what still stops it (``awards.lifecycle``'s one list)."""
    if award is None:
        return None
    to = next_award_status(award)
    if to is None:
        return None
    return {"to": to, "label": Award.Status(to).label, "problems": next_step_problems(award, to)}


# --- Views -----------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request):
    """The funded projects the staff member follows, with their contractor."""
    require_perm(request, VIEW_STAFF_AREA)
    projects = projects_for_staff(request.user).order_by("-year", "code")
    return render(request, "awards/contractor/project_list.html", {"projects": projects})


@login_required
def project_detail(request, code: str):
    """One funded project at a glance: its status and what is missing for the next step of its
    award, its money (awarded; planned, claimed, approved and paid from ``awards.execution``;
    the agreements and their tranches), its deliverables with every version, its timeline
    from the audit trail, its contractor and contractor-selection calls, and the form that
    opens the selection (POST; never offered once the project is closed)."""
    project = _project_for(request, code)
    calls = _contractor_calls(project)
    can_open = _can_open(project)
    form, status = OpenSelectionForm(initial=_default_dates()), 200
    if request.method == "POST":
        if not can_open:
            raise PermissionDenied
        form = OpenSelectionForm(request.POST)
        if form.is_valid():
            try:
                call = open_contractor_selection(
                    project=project,
                    actor=request.user,
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    price_weight=form.cleaned_data["price_weight"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The contractor selection “%(call)s” has been created as a draft.")
                    % {"call": call.name},
                )
                return redirect("staff_awards:project", code=project.code)
        status = 400
    award = getattr(project, "award", None)
    return render(
        request,
        "awards/contractor/project_detail.html",
        {
            "project": project,
            "award": award,
            "next_step": _next_step(award),
            "execution": project_execution(project),
            "warning_share": warning_share(),
            "agreements": award_selectors.project_agreements(project),
            "deliverables": award_selectors.project_deliverables(project),
            "timeline": award_selectors.project_timeline(project),
            "calls": calls,
            "can_open": can_open,
            "form": form,
            "criteria": CONTRACTOR_CRITERIA,
        },
        status=status,
    )


@login_required
@require_POST
def publish_selection(request, code: str, call_id: int):
    """Publish a draft contractor-selection call; it opens and closes on its dates."""
    project, call, _track = _selection_call_for(request, code, call_id)
    if not request.user.has_perm("projects.manage_call", call):
        raise PermissionDenied
    try:
        transition_call(call=call, to=Call.Status.PUBLISHED, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The call has been published."))
    return redirect("staff_awards:project", code=project.code)


@login_required
@require_GET
def selection_result(request, code: str, call_id: int):
    """The combined ranking of one contractor selection: technical score (the track's
    official aggregate), price, price score, combined score; and the proposals not scored
    yet. Query count does not depend on the number of companies."""
    project, call, track = _selection_call_for(request, code, call_id)
    ranking = contractor_ranking(track)
    ranked_ids = [s.application_id for s in ranking]
    applications = Application.objects.filter(track=track).select_related("organization")
    by_id = {a.pk: a for a in applications.filter(pk__in=ranked_ids)}
    rows = [
        {"rank": index, "score": s, "application": by_id[s.application_id]}
        for index, s in enumerate(ranking, start=1)
        if s.application_id in by_id
    ]
    unscored = list(
        applications.exclude(pk__in=ranked_ids)
        .exclude(status__in=NOT_IN_SELECTION)
        .order_by("submitted_at", "id")
    )
    return render(
        request,
        "awards/contractor/result.html",
        {
            "project": project,
            "call": call,
            "track": track,
            "rows": rows,
            "unscored": unscored,
            "price_weight_percent": track.price_weight * 100,
            "technical_weight_percent": (1 - track.price_weight) * 100,
            "can_record": bool(rows) and not project.contractor_id and call_takes_a_winner(call),
            # Proposals may still come in (an archived call takes no winner either, for good).
            "awaits_closing": not project.contractor_id
            and not call_takes_a_winner(call)
            and call.status != Call.Status.ARCHIVED,
        },
    )


@login_required
@require_POST
def record_winner(request, code: str, call_id: int):
    """Record the best combined score's company as the project's contractor; the call moves
    to decided."""
    project, call, track = _selection_call_for(request, code, call_id)
    try:
        project = record_contractor(track=track, actor=request.user)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied from exc
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(company)s is now the contractor of %(code)s; the company has been told.")
            % {"company": project.contractor.display_name, "code": project.code},
        )
    return redirect("staff_awards:result", code=project.code, call_id=call.pk)
