"""Writes for personal API tokens. The key is returned once; only its SHA-256 hash is stored."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.api_auth import hash_token_key
from accounts.audit import record_audit_event
from accounts.models import ApiToken
from accounts.roles import PROGRAMME_ADMIN, has_role
from core.domain import DomainError

# Enough for a few integrations per person; more usually means forgotten tokens.
MAX_ACTIVE_TOKENS = 10
PREFIX_LENGTH = 8


@transaction.atomic
def create_api_token(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its key.

    The key is not stored (only its hash and a short prefix to recognise it), so the caller
    must show it to the user now. Writes an audit row. Refuses a blank name and more than
    ``MAX_ACTIVE_TOKENS`` active tokens.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), code="invalid", field="name")
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _("You already have %(max)d active tokens; revoke one first.")
            % {"max": MAX_ACTIVE_TOKENS},
            code="too_many_tokens",
            field="name",
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=hash_token_key(key))
    try:
        token.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), code="invalid", field=field) from exc
    token.save()
    record_audit_event(subject=token, action="created", actor=user, detail={"name": name})
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor) -> ApiToken:
    """Revoke ``token`` so it no longer authenticates; idempotent. Writes an audit row.

    Only the token's owner or a programme admin may revoke it. Does not delete the row, so the
    audit trail keeps its name and dates.
    """
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor.pk != token.user_id and not has_role(actor, PROGRAMME_ADMIN):
        raise DomainError(_("You can only revoke your own tokens."), code="permission_denied")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_audit_event(subject=token, action="revoked", actor=actor, detail={"name": token.name})
    return token


def api_tokens_for_user(user):
    """The user's tokens, newest first, active and revoked (the page shows both)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
