"""Ask a logged-in user to read the privacy notice when they have not accepted its current
version (a new version, or an account opened by staff rather than through sign-up)."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.privacy import needs_notice


class PrivacyNoticeMiddleware:
    """Sends a page view (GET, not htmx, not the API) of such a user to the notice's accept
    page, and back afterwards. A POST is let through, so no form in flight is lost: the next
    page asks. The notice, the accept page, log-out, language, the second-factor pages and
    static files stay open. Installed after ``SecondFactorMiddleware``: the second factor
    comes first."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            self._open_paths = (
                reverse("privacy"),
                reverse("accounts:privacy_accept"),
                reverse("accounts:logout"),
                reverse("accounts:set_language"),
                reverse("accounts:two_factor_verify"),
                reverse("accounts:two_factor_setup"),
                reverse("admin:logout"),
                reverse("javascript-catalog"),
                reverse("healthz"),
                "/i18n/",
                "/api/",
                settings.STATIC_URL,
            )
        return self._open_paths

    def __call__(self, request):
        if (
            request.method == "GET"
            and not request.headers.get("HX-Request")
            and needs_notice(getattr(request, "user", None))
            and not request.path.startswith(self.open_paths())
        ):
            url = (
                reverse("accounts:privacy_accept")
                + "?"
                + urlencode({"next": request.get_full_path()})
            )
            return HttpResponseRedirect(url)
        return self.get_response(request)
