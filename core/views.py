from django.core.exceptions import PermissionDenied
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from core import health


def healthz(request):
    """Liveness probe for the load balancer: answers without touching the database."""
    return JsonResponse({"status": "ok"})


def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the back office,
    the API's pages, downloads): the portal's icon, instead of a 404 in every log."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def require_perm(request, permission: str, obj=None) -> None:
    """Refuse the request (403) unless the user has ``permission`` (on ``obj``): the views'
    one way of asking a rule that answers 403 rather than hiding the object with a 404."""
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


@never_cache
def readyz(request):
    """Readiness probe: 200 when the database (migrated), the broker and file storage answer,
    503 otherwise. The cache is reported but optional (``core.health``). No log-in, no
    session, no detail that names a host or path."""
    results = health.run_checks()
    status = 200 if health.is_ready(results) else 503
    return JsonResponse(health.readiness_report(results), status=status)
