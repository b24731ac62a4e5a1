"""Dashboards: per call (staff, over their tracks) and for the programme (public figures and
funded cities; staff also see the cities that applied)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.rules import VIEW_STAFF_AREA
from reporting import dashboards


def _is_staff(user) -> bool:
    return user.has_perm(VIEW_STAFF_AREA)


@login_required
@require_GET
def index(request):
    if not _is_staff(request.user):
        raise Http404
    return render(
        request,
        "reporting/dashboards/index.html",
        {
            "calls": dashboards.dashboard_calls_for_user(request.user),
            **dashboards.programme_dashboard(include_applicants=True, user=request.user),
            "money_chart": dashboards.paid_vs_awarded_chart(request.user),
        },
    )


@login_required
@require_GET
def call_dashboard(request, slug: str):
    call = dashboards.dashboard_calls_for_user(request.user).filter(slug=slug).first()
    if call is None:
        raise Http404
    return render(
        request,
        "reporting/dashboards/call.html",
        {"call": call, **dashboards.call_dashboard(call, request.user)},
    )


@require_GET
def programme_public(request):
    return render(
        request,
        "reporting/dashboards/programme.html",
        dashboards.programme_dashboard(include_applicants=False),
    )
