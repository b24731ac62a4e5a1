"""Staff home and programme statistics (programme admins and secretariat staff only)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .selectors import staff_tracks
from .statistics import programme_stats_by_year

STAFF_AREA = "accounts.view_staff_area"


def _require_staff(request) -> None:
    if not request.user.has_perm(STAFF_AREA):
        raise PermissionDenied


@login_required
def index(request):
    """Links to the staff screens, the user's tracks, and the programme's figures."""
    _require_staff(request)
    tracks = (
        staff_tracks(request.user)
        .select_related("call", "secretariat")
        .order_by("-call__year", "order", "id")
    )
    return render(
        request,
        "projects/staff/index.html",
        {"tracks": tracks, "stats": programme_stats_by_year()},
    )


@login_required
def statistics(request):
    """The programme's figures for every year, computed from the database."""
    _require_staff(request)
    return render(request, "projects/staff/statistics.html", {"stats": programme_stats_by_year()})
