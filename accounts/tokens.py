"""Signed, expiring tokens for e-mail verification links.

The token signs the user's id and current e-mail address, so a link stops working when the
address changes; nothing is stored.
"""

from django.core import signing

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
