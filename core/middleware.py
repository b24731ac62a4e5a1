from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from core.api.views import API_PREFIX

# The one inline <style> block of a library page the portal serves, by its SHA-256 (CSP hash
# source): the block's exact text is allowed and nothing else, so an injected style still fails.
# tests/core/test_security_headers.py hashes the libraries' templates and checks every inline
# block the pages render, so a library upgrade that changes one shows up as a failing test.

# django/contrib/admin/templates/admin/change_list.html (a change list shown without actions).
ADMIN_CHANGELIST_STYLE = "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"
# drf_spectacular/templates/drf_spectacular/swagger_ui.html (the page's box-sizing rules).
SWAGGER_UI_STYLE = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


STRICT_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


class ContentSecurityPolicyMiddleware:
    """The portal's security headers that Django's ``SecurityMiddleware`` does not set.

    - **Content-Security-Policy**, strict on every page: no inline scripts or styles, nothing
      from other hosts. The back office (``/admin/``) and the API docs (``/api/docs/``, Swagger
      UI served from the sidecar package, its start-up script as a file of its own) get the
      same policy plus the hash of the one inline ``<style>`` block their library templates
      carry. A view that sets its own policy keeps it.
    - **Permissions-Policy**: the browser features the portal never uses (camera, microphone,
      location, payment, USB, ...) are switched off for it and anything it embeds.
    """

    POLICY = _policy(STRICT_DIRECTIVES)
    # Path prefix → the policy for the pages under it. The first prefix that matches wins.
    PATH_POLICIES = (
        (
            "/admin/",
            _policy({**STRICT_DIRECTIVES, "style-src": f"'self' {ADMIN_CHANGELIST_STYLE}"}),
        ),
        (
            "/api/docs/",
            _policy({**STRICT_DIRECTIVES, "style-src": f"'self' {SWAGGER_UI_STYLE}"}),
        ),
    )
    PERMISSIONS_POLICY = ", ".join(
        f"{feature}=()"
        for feature in (
            "accelerometer",
            "autoplay",
            "camera",
            "display-capture",
            "encrypted-media",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy_for(request.path)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        return response

    def policy_for(self, path: str) -> str:
        for prefix, policy in self.PATH_POLICIES:
            if path.startswith(prefix):
                return policy
        return getattr(settings, "KCITY_CSP", self.POLICY)


# Addresses under which every page is someone's own or staff's: never indexed (``X-Robots-Tag``)
# and listed as ``Disallow`` in /robots.txt (``core.views.robots_txt``), one list for both.
PRIVATE_PATH_PREFIXES = (
    "/admin/",
    "/staff/",
    "/accounts/",
    "/applications/",
    "/reviews/",
    "/notifications/",
    "/calls/deliverables/",
    "/calls/agreements/",
    "/calls/payments/",
    "/api/",
    "/i18n/",
)
NOINDEX = "noindex, nofollow"


def mark_public(response):
    """Say that ``response`` is a public asset (the same bytes for everyone, e.g. a published
    call's document template): ``Cache-Control: public``, which ``PrivateResponseMiddleware``
    leaves as it is, so browsers and shared caches may keep it. Answers ``response``."""
    patch_cache_control(response, public=True)
    return response


class PrivateResponseMiddleware:
    """Keeps private responses out of caches and search engines, in one place.

    - **Never cached**: every response to a signed-in user (by session or API token) and every
      attachment (``Content-Disposition: attachment``) gets ``Cache-Control: private, no-store,
      no-cache, must-revalidate, max-age=0`` (``add_never_cache_headers``), so neither a shared
      cache nor the browser's Back button after log-out shows it again. A view that marked its
      response public on purpose (``mark_public``: a published call's template, an event's
      material) keeps its own header.
    - **Not indexed**: those responses, and every response under ``PRIVATE_PATH_PREFIXES``,
      carry ``X-Robots-Tag: noindex, nofollow``.

    Public pages seen anonymously are left as they are (cacheable).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        never_cache = self.is_private(request, response) and not self.is_public_asset(response)
        if never_cache:
            add_never_cache_headers(response)
        if never_cache or request.path.startswith(PRIVATE_PATH_PREFIXES):
            response.setdefault("X-Robots-Tag", NOINDEX)
        return response

    @staticmethod
    def is_private(request, response) -> bool:
        if response.get("Content-Disposition", "").lower().startswith("attachment"):
            return True
        # After the view: a request the API authenticated by token has its user here too.
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)

    @staticmethod
    def is_public_asset(response) -> bool:
        directives = {
            part.strip().split("=")[0].lower()
            for part in response.get("Cache-Control", "").split(",")
        }
        return "public" in directives


class MethodNotAllowedPageMiddleware:
    """A page for a method the address does not take (a link or a bookmark to a form's address:
    ``require_POST`` answers 405 with an empty body), with the site around it and a way on, in
    the reader's language, like the other error pages. The ``Allow`` header stays. The API keeps
    its own JSON answer (``core.api``), and a 405 that already says something is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or getattr(response, "streaming", False)
            or response.content
            or request.path_info.startswith(API_PREFIX)
        ):
            return response
        page = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
