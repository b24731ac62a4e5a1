"""Signed, expiring tokens for e-mail verification and address-change links.

The token signs the user's id and current e-mail address, so a link stops working when the
address changes; nothing is stored.
"""

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

EMAIL_VERIFICATION_SALT = "kcity.accounts.verify-email"
EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600  # three days


def make_email_verification_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=EMAIL_VERIFICATION_SALT)


def read_email_verification_token(token: str) -> dict | None:
    """The signed payload, or None when the token is forged, malformed or expired."""
    try:
        return signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE
        )
    except signing.BadSignature:
        return None


# The link that confirms a change of address (``accounts.services.request_email_change``). It
# signs the user, the address asked for, the current one, the moment it was asked for and a
# digest of the password hash: a newer request, a confirmed or cancelled one, a changed address
# or a new password all void it, and ``confirm_email_change`` clears the pending address, so
# it works once. Nothing else is stored.
EMAIL_CHANGE_SALT = "kcity.accounts.change-email"
EMAIL_CHANGE_MAX_AGE = 3 * 24 * 3600  # three days, as the verification link


def _password_digest(user) -> str:
    return salted_hmac(EMAIL_CHANGE_SALT, user.password or "").hexdigest()[:20]


def _email_change_claims(user) -> dict:
    requested = user.pending_email_requested_at
    return {
        "u": user.pk,
        "e": (user.pending_email or "").lower(),
        "o": user.email.lower(),
        "t": requested.isoformat() if requested else "",
        "p": _password_digest(user),
    }


def make_email_change_token(user) -> str:
    """A token for ``user``'s pending address (``User.pending_email``)."""
    return signing.dumps(_email_change_claims(user), salt=EMAIL_CHANGE_SALT)


def email_change_token_matches(token: str, user) -> bool:
    """Whether ``token`` is a valid, unexpired link for ``user``'s current pending change."""
    try:
        payload = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature:
        return False
    if not user.pending_email or not isinstance(payload, dict):
        return False
    expected = _email_change_claims(user)
    return set(payload) == set(expected) and all(
        constant_time_compare(str(payload[key]), str(value)) for key, value in expected.items()
    )
