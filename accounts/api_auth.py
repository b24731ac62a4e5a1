"""Token authentication for integrations: ``Authorization: Token <key>``; keys are stored hashed.

A token authenticates as its user while it is neither revoked nor expired. A read-only token is
refused (403) on any request that is not GET, HEAD or OPTIONS, whatever the user may do.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts.models import ApiToken
from accounts.token_services import hash_token_key, record_api_token_use

__all__ = ["ApiTokenAuthentication", "hash_token_key"]


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token is read-only; create a read-and-write token to make changes.")
    default_code = "read_only_token"


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _user, token = result
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
