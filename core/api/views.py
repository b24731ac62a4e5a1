"""Errors of the API that never reach a DRF view, in the API's one error shape.

DRF answers its own views' errors as JSON (``core.api.exceptions``). Everything else under
``/api/`` would otherwise get the site's HTML pages: an unknown path (404), a request Django
refuses before any view (400: a bad ``Host``, a body over the upload limit), and an exception
that escapes a view (500). A client of the API parses JSON whatever went wrong; the HTML pages
stay for the rest of the site.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template import loader
from django.urls import is_valid_path
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from core.storage import StorageUnreachable

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, detail: str, code: str) -> JsonResponse:
    """``{"detail", "code", "errors"}``, as ``core.api.schema.ErrorSerializer`` documents."""
    return JsonResponse({"detail": detail, "code": code, "errors": {}}, status=status)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Every path under ``/api/`` that no route takes (the last URL pattern of the site).

    Being a route itself, it would stop Django's APPEND_SLASH from redirecting
    ``/api/v1/calls`` to ``/api/v1/calls/``; so it does that redirect the same way first."""
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/"):
        match = is_valid_path(f"{path}/", getattr(request, "urlconf", None))
        if match and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return error_response(404, _("Not found."), "not_found")


def bad_request(request, exception, template_name="400.html"):
    if is_api_request(request):
        return error_response(400, _("Bad request."), "bad_request")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name="403.html"):
    if is_api_request(request):
        return error_response(
            403, _("You do not have permission to perform this action."), "permission_denied"
        )
    return defaults.permission_denied(request, exception, template_name)


#: How long a client is asked to wait (``Retry-After``) when the database cannot be used.
DATABASE_RETRY_AFTER_SECONDS = 60


def database_unavailable(exception: BaseException | None) -> bool:
    """The request failed because the database could not be used, not because of the code:
    the server unreachable or gone (a connection refused, dropped or closed) or a statement
    it cancelled (a timeout, a deadlock). Django raises these as ``OperationalError`` and
    ``InterfaceError``, whatever the backend."""
    return isinstance(exception, OperationalError | InterfaceError)


def service_unavailable_error(exception: BaseException | None) -> bool:
    """The request failed on a service that is down, not on the code: the database
    (``database_unavailable``) or the file storage a download reads
    (``core.storage.StorageUnreachable``)."""
    return database_unavailable(exception) or isinstance(exception, StorageUnreachable)


def server_error(request, template_name="500.html"):
    """The exception is already logged by Django (``django.request``); the client learns
    only that it was the server's fault — or, when the database could not be used, that the
    service is unavailable for a moment (503 with ``Retry-After``, which proxies, monitors
    and API clients read as "try again").

    Django calls this inside the ``except`` block of the failed request, wherever it failed
    (a view or a middleware: the session or the user read before any view runs), so the
    exception is the one ``sys.exc_info()`` holds. Neither answer touches the database."""
    if service_unavailable_error(sys.exc_info()[1]):
        return service_unavailable(request)
    if is_api_request(request):
        return error_response(500, _("A server error occurred."), "server_error")
    return defaults.server_error(request, template_name)


def service_unavailable(request):
    if is_api_request(request):
        response = error_response(
            503,
            _("The service is unavailable for a moment; please try again in a minute."),
            "service_unavailable",
        )
    else:
        # Standalone and in both languages, like 500.html: no context, session or database.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
