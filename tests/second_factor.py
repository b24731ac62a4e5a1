"""Test clients logged in the way a real log-in ends: with the second factor when one is needed.

``tests/conftest.py`` makes ``client.force_login(user)`` do this for every test, so a test of a
staff or reviewer page need not go through the verification page. A test of the second factor
itself logs in with ``password_only_login``: a session opened by the password alone.
"""

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor

# Django's own force_login, kept before tests/conftest.py replaces it.
django_force_login = ClientMixin.force_login


def authenticator_app(user) -> TOTPDevice:
    """The user's confirmed authenticator app, made if they have none."""
    device = two_factor.totp_device_for(user)
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True
        )
    return device


def mark_second_factor_verified(client, user) -> None:
    """Record in the client's session that ``user`` gave their second factor (giving them an
    authenticator app if they have none), as the verification page does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_app(user).persistent_id
    session.save()


def needs_second_factor(user) -> bool:
    needed = two_factor.second_factor_required(user) or two_factor.has_second_factor(user)
    # The roles are cached on the object; a test may still change them after logging in.
    user.__dict__.pop("_kcity_roles", None)
    return needed


def force_login_with_second_factor(self, user, backend=None):
    """``Client.force_login``, then the second factor for a user who needs one."""
    django_force_login(self, user, backend)
    if needs_second_factor(user):
        mark_second_factor_verified(self, user)


def password_only_login(client, user):
    """Django's ``force_login`` alone: a session opened by the password, no second factor."""
    django_force_login(client, user)
    return client
