"""Writes for personal API tokens. The key is returned once; only its SHA-256 hash is stored."""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from accounts.models import API_TOKEN_DEFAULT_LIFETIME, API_TOKEN_MAX_LIFETIME, ApiToken
from accounts.roles import PROGRAMME_ADMIN, has_role
from core.domain import DomainError

# Enough for a few integrations per person; more usually means forgotten tokens.
MAX_ACTIVE_TOKENS = 10
PREFIX_LENGTH = 8
# How long a token may live, in days, as the token page offers it (the API takes any date).
LIFETIME_CHOICES_DAYS = (7, 30, 90, 180, 365)
# A token's last use is written at most this often: reading it to the minute is enough, and a
# busy integration would otherwise write a row on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *,
    user,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its key.

    The key is not stored (only its hash and a short prefix to recognise it), so the caller
    must show it to the user now. ``scope`` is read-only unless asked otherwise; ``expires_at``
    defaults to 90 days from now and may be at most a year away. Writes an audit row. Refuses a
    blank name, an unknown scope, an expiry in the past or beyond a year, and more than
    ``MAX_ACTIVE_TOKENS`` active tokens.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), code="invalid", field="name")
    if scope not in ApiToken.Scope.values:
        raise DomainError(_("Choose what the token may do."), code="invalid", field="scope")
    now = timezone.now()
    if expires_at is None:
        expires_at = now + API_TOKEN_DEFAULT_LIFETIME
    if expires_at <= now:
        raise DomainError(
            _("The expiry date must be in the future."), code="invalid", field="expires_at"
        )
    if expires_at > now + API_TOKEN_MAX_LIFETIME:
        raise DomainError(
            _("A token can be valid for one year at most."), code="invalid", field="expires_at"
        )
    active = ApiToken.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True, expires_at__gt=now
    )
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _("You already have %(max)d active tokens; revoke one first.")
            % {"max": MAX_ACTIVE_TOKENS},
            code="too_many_tokens",
            field="name",
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_token_key(key),
        scope=scope,
        created_at=now,
        expires_at=expires_at,
    )
    try:
        token.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), code="invalid", field=field) from exc
    token.save()
    record_audit_event(
        subject=token,
        action="created",
        actor=user,
        detail={"name": name, "scope": scope, "expires_at": expires_at.isoformat()},
    )
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


@transaction.atomic
def revoke_api_tokens_after_password_change(*, user, actor) -> int:
    """Revoke every token of ``user`` that still authenticates, because their password changed
    (changed by them, reset by e-mail link, or set by an admin): whoever learnt the old password
    may have made a token with it. One audit row per token (``revoked``, with ``reason:
    password_changed`` in its detail); returns how many were revoked. Expired and revoked tokens are left
    as they are."""
    return revoke_active_api_tokens(user=user, actor=actor, reason="password_changed")


@transaction.atomic
def revoke_active_api_tokens(*, user, actor, reason: str, detail: dict | None = None) -> int:
    """Revoke every token of ``user`` that still authenticates, for ``reason`` (a code kept in
    each token's ``revoked`` audit row with ``detail``): ``password_changed``, or
    ``privileged_role`` (``accounts.services.privileged_role_given``: a token made before the
    role would otherwise open what the role opens). Returns how many were revoked; expired and
    revoked tokens are left as they are. Tells nobody (the caller does)."""
    now = timezone.now()
    tokens = list(
        ApiToken.objects.select_for_update().filter(
            user=user, revoked_at__isnull=True, expires_at__gt=now
        )
    )
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        record_audit_event(
            subject=token,
            action="revoked",
            actor=actor,
            detail={"name": token.name, "reason": reason, **(detail or {})},
        )
    return len(tokens)


def record_api_token_use(token: ApiToken) -> None:
    """Note that ``token`` was just used, unless that was already noted within the last minute
    (``LAST_USED_PRECISION``). No audit row: this is bookkeeping shown on the token list."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def api_tokens_for_user(user):
    """The user's tokens, newest first, active, expired and revoked (the page shows them all)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def revoke_tokens_when_the_password_changes(sender, instance, raw=False, update_fields=None, **kw):
    """``pre_save`` of the user: a new password hash revokes the user's tokens, whichever code
    set it (``manage.py changepassword``, a shell, a future page). The portal's own password
    pages and services revoke first, with their actor; this catches every other door, with no
    actor (the audit row says ``password_changed`` all the same)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    stored = type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True)
    old_hash = stored.first()
    if old_hash is not None and old_hash != instance.password:
        revoke_api_tokens_after_password_change(user=instance, actor=None)
