"""Staff home and programme statistics (programme admins and secretariat staff only)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.rules import VIEW_STAFF_AREA
from core.views import require_perm
from projects.selectors import staff_tracks
from reporting.statistics import programme_stats_by_year


@login_required
def index(request):
    """Links to the staff screens, the user's tracks, and the programme's figures."""
    require_perm(request, VIEW_STAFF_AREA)
    tracks = (
        staff_tracks(request.user)
        .select_related("call", "secretariat")
        .order_by("-call__year", "order", "id")
    )
    return render(
        request,
        "reporting/staff/index.html",
        {"tracks": tracks, "stats": programme_stats_by_year()},
    )


@login_required
def statistics(request):
    """The programme's figures for every year, computed from the database."""
    require_perm(request, VIEW_STAFF_AREA)
    return render(request, "reporting/staff/statistics.html", {"stats": programme_stats_by_year()})
