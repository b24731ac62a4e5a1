import functools
import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from core import health
from core.middleware import PRIVATE_PATH_PREFIXES
from core.pdf import PdfRenderingError

logger = logging.getLogger(__name__)


def healthz(request):
    """Liveness probe for the load balancer: answers without touching the database."""
    return JsonResponse({"status": "ok"})


def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the back office,
    the API's pages, downloads): the portal's icon, instead of a 404 in every log."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def robots_txt(request):
    """``/robots.txt``: crawlers keep out of every private address
    (``core.middleware.PRIVATE_PATH_PREFIXES``, whose pages also say ``noindex``); the public
    calls, portfolio, events and programme figures stay open to them."""
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PATH_PREFIXES)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def renders_pdf(view):
    """Decorate a view that answers a PDF: when WeasyPrint fails (``PdfRenderingError``) the
    fault is logged with its cause and the reader gets a 503 page saying the document cannot
    be made just now (``core/pdf_unavailable.html``), instead of a bare server error."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PdfRenderingError:
            logger.exception("PDF rendering failed for %s", request.path)
            return render(request, "core/pdf_unavailable.html", status=503)

    return wrapper


# A longer "next" is not a page of ours worth keeping (and the notice link has 500 characters).
MAX_NEXT_PATH = 300


def is_local_path(path: str) -> bool:
    """Whether ``path`` is a path on this site (no scheme, no host, as a browser reads it:
    ``//host``, ``/\\host`` and ``javascript:`` are not): the one check of every ``next`` the
    portal follows, so none is an open redirect."""
    return (
        bool(path)
        and len(path) <= MAX_NEXT_PATH
        and path.startswith("/")
        and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
    )


def local_next(value) -> str:
    """``value`` (a ``next`` from the request) if it is a page of this site, else ""."""
    return value if isinstance(value, str) and is_local_path(value) else ""


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
