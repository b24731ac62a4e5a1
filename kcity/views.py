from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from projects.selectors import public_calls


def home(request):
    """The public front page: open and upcoming calls, and the way in for each role."""
    calls = public_calls()[:6]
    return render(request, "home.html", {"calls": calls})


def healthz(request):
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    """The expired-form page inside the site, rendered with the request (Django's own CSRF
    view renders without one: the header then shows the logged-out menu and the language
    switch has no token, so it fails the same check again)."""
    return render(request, "403_csrf.html", status=403)


def bad_request(request, exception):
    """The 400 page inside the site, with the request like 403 and 404. A request too broken
    for the site's layout (e.g. a host the site does not serve) gets Django's plain page."""
    try:
        return render(request, "400.html", status=400)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        return defaults.bad_request(request, exception, template_name="__no_template__.html")
