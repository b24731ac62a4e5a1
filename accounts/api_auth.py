"""Token authentication for integrations: ``Authorization: Token <key>``; keys are stored hashed.

A token authenticates as its user while it is neither revoked nor expired. A read-only token is
refused (403) on any request that is not GET, HEAD or OPTIONS, whatever the user may do. A
token of a user whose role needs a second factor (staff, reviewers) is refused (403) while they
have none: a token made as an applicant, before the role was given, opens nothing until then.

Wrong keys are counted per client address (``accounts.ratelimit``, scope ``api_token``, rate
``settings.KCITY_API_TOKEN_FAILURE_RATE``, by default 30 per 10 minutes): past the rate every
request from that address that sends a token answers 429 with ``Retry-After``, before any key
is looked up, until the window ends. DRF authenticates before it throttles, so its anonymous
rate never applied to a client guessing keys. A key that is unknown, revoked or of an inactive
user and a malformed header count; a request that authenticates, and an expired key (a real
key: the answer tells its owner to make a new one), do not.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts import ratelimit, two_factor
from accounts.client_ip import client_ip
from accounts.middleware import activate_user_preferences
from accounts.models import ApiToken
from accounts.token_services import hash_token_key, record_api_token_use

__all__ = ["ApiTokenAuthentication", "hash_token_key"]

# The ``accounts.ratelimit`` scope of wrong keys, counted per client address.
FAILURE_SCOPE = "api_token"


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token is read-only; create a read-and-write token to make changes.")
    default_code = "read_only_token"


class SecondFactorMissing(exceptions.PermissionDenied):
    default_detail = _(
        "Your role needs two-step verification. Set it up in the portal (your profile, "
        "“Two-step verification”); your API tokens work again once it is on."
    )
    default_code = "second_factor_required"


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def sends_token(self, request) -> bool:
        """Whether the request's ``Authorization`` header is ours (``Token …``)."""
        auth = authentication.get_authorization_header(request).split()
        return bool(auth) and auth[0].lower() == self.keyword.lower().encode()

    def authenticate(self, request):
        if not self.sends_token(request):
            return None  # no token: the next authentication (the session) decides
        idents = ["ip:" + client_ip(request)]
        wait = ratelimit.is_limited(FAILURE_SCOPE, idents, settings.KCITY_API_TOKEN_FAILURE_RATE)
        if wait:
            raise exceptions.Throttled(wait=wait)
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            if exc.get_codes() != "token_expired":
                ratelimit.hit(FAILURE_SCOPE, idents, settings.KCITY_API_TOKEN_FAILURE_RATE)
            raise
        if result is not None:
            user, token = result
            # The middleware saw no user (DRF authenticates later): the token's user reads
            # times in their own zone and, unless the request names one, their language (a
            # refusal below included).
            activate_user_preferences(
                getattr(request, "_request", request), user, header_names_language=True
            )
            # A token is no way around the second factor of staff and reviewers.
            if two_factor.lacks_required_second_factor(token.user):
                raise SecondFactorMissing()
            if request.method not in SAFE_METHODS and not token.can_write:
                raise ReadOnlyToken()
        return result

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("This token has expired."), code="token_expired"
            )
        record_api_token_use(token)
        return (token.user, token)
