import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import auth_events, sessions, two_factor
from core.api.views import is_api_request


def activate_user_preferences(request, user, *, header_names_language: bool = False) -> None:
    """Activate ``user``'s time zone (else the ``kcity_tz`` cookie's, else the default) and
    their language unless the request chose one: the ``django_language`` cookie, and with
    ``header_names_language`` also an ``Accept-Language`` header (an API client sets it on
    purpose; a browser sends its own with every page).

    The one rule for a session (``UserPreferencesMiddleware``) and for an API token, which
    DRF authenticates after every middleware has run (``accounts.api_auth``)."""
    tz_name = None
    if user is not None and user.is_authenticated:
        tz_name = user.time_zone
        chosen = request.COOKIES.get("django_language") or (
            header_names_language and request.headers.get("Accept-Language")
        )
        if not chosen and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
    tz_name = tz_name or request.COOKIES.get("kcity_tz")
    try:
        timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


class UserPreferencesMiddleware:
    """Activates the logged-in user's time zone; their language when no explicit choice was made.

    Under ``/api/`` an ``Accept-Language`` header is an explicit choice for a session too, as
    for a token (docs/api.md: errors in the request's language, else the user's); on the
    pages the profile language wins over the browser's own header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        activate_user_preferences(
            request,
            getattr(request, "user", None),
            header_names_language=is_api_request(request),
        )
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Ends a session at its absolute lifetime or after its role's idle time (see
    ``accounts.sessions``), and otherwise moves its expiry on with each request.

    Installed after the message middleware, so it can say why the user was logged out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = sessions.expired(request.session, user)
            if reason is None:
                sessions.touch(request.session, user)
            else:
                idle_minutes = max(1, sessions.idle_timeout_for(user) // 60)
                setattr(request, auth_events.LOGOUT_REASON_ATTRIBUTE, reason)
                logout(request)
                if reason == sessions.IDLE:
                    message = _(
                        "You were logged out after %(minutes)s minutes without activity. "
                        "Please log in again."
                    ) % {"minutes": idle_minutes}
                else:
                    message = _("Your session reached its maximum length. Please log in again.")
                messages.info(request, message)
        return self.get_response(request)


class SecondFactorMiddleware:
    """A logged-in user who needs a second factor and has not given one in this session sees
    only the second-factor pages: every other page (the back office included) sends them to
    verification, or to enrolment if they have no authenticator app yet.

    Needs a second factor: staff, reviewers and back-office users (``roles.is_privileged``),
    and anyone who turned one on. Log-out, language, the "still here" signal of a page being
    typed in, the set-up and verification pages and static files stay open. An API request
    authenticated by a token (``Authorization: Token …`` on an ``/api/`` path) is not a session
    and is left to the API; on any other path the header counts for nothing. An API request on an unverified session is answered 403; an htmx request is told to
    load the verification page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            self._open_paths = (
                reverse("accounts:two_factor_verify"),
                reverse("accounts:two_factor_setup"),
                reverse("accounts:logout"),
                reverse("accounts:set_language"),
                reverse("accounts:session_alive"),
                reverse("admin:logout"),
                reverse("javascript-catalog"),
                reverse("healthz"),
                "/i18n/",
                settings.STATIC_URL,
            )
        return self._open_paths

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.open_paths())
            and not self.api_token_request(request)
            and not two_factor.is_verified(user)
        ):
            has_device = two_factor.has_second_factor(user)
            if has_device or two_factor.second_factor_required(user):
                return self.refuse(request, has_device=has_device)
        return self.get_response(request)

    @staticmethod
    def api_token_request(request) -> bool:
        """An API call carrying a token: the API authenticates the token itself (before the
        session) and refuses a wrong one. Only API paths: the pages and downloads read the
        session alone, so a made-up header there must not stand in for the second factor."""
        return request.path.startswith("/api/") and request.META.get(
            "HTTP_AUTHORIZATION", ""
        ).startswith("Token ")

    def refuse(self, request, *, has_device: bool):
        name = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
        url = reverse(name)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Give your second factor first: %(url)s") % {"url": url}},
                status=403,
            )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
