"""The log-in lock-out, on django-axes: one counter for every door that checks a password.

django-axes' authentication backend (first in ``AUTHENTICATION_BACKENDS``) refuses a locked-out
account or address before any password is checked, at whichever page calls Django's
``authenticate`` (the log-in page; the back office's log-in page sends people there). Failures
are counted per account and per client address (``accounts.client_ip``, which believes a
proxy's forwarded address only from the proxies in ``KCITY_TRUSTED_PROXIES``); either reaching
``AXES_FAILURE_LIMIT`` within ``AXES_COOLOFF_TIME`` locks it until the cool-off has passed.
Attempts made while locked are refused without being counted, so they do not prolong it.

The settings point here: ``AXES_USERNAME_CALLABLE`` (an account is one counter whatever the
case of the address typed) and ``AXES_CLIENT_IP_CALLABLE``.
"""

import math

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from accounts.client_ip import client_ip  # noqa: F401 - AXES_CLIENT_IP_CALLABLE
from accounts.models import User
from accounts.rules import CLEAR_LOCKOUT
from core.domain import require_permission


def username_for_lockout(request, credentials=None) -> str:
    """The e-mail address an attempt was for, as one counter: trimmed and lower case.

    Django's ``authenticate`` passes it as ``username`` (the log-in and admin forms' field)."""
    data = credentials if credentials else getattr(request, "POST", {}) or {}
    return str(data.get("username") or "").strip().lower()


def forget_failed_logins(*, email: str) -> int:
    """Drop the failed attempts counted against the account ``email`` (a correct password or a
    completed password reset proves the owner is back). Failures counted against an address
    for other accounts stay. Returns how many counters were dropped."""
    deleted, _by_model = AccessAttempt.objects.filter(username=email.strip().lower()).delete()
    return deleted


def move_failed_logins(*, old_email: str, new_email: str) -> None:
    """An account's address changed (``services.confirm_email_change``): the failures counted
    against the old address now count against the new one, so a lock-out follows the account
    and a change of address does not reset it. A counter already there for the same client
    (someone typed the new address before it was an account's) adds up with it."""
    old_email, new_email = old_email.strip().lower(), new_email.strip().lower()
    for attempt in AccessAttempt.objects.select_for_update().filter(username=old_email):
        there = AccessAttempt.objects.filter(
            username=new_email, ip_address=attempt.ip_address, user_agent=attempt.user_agent
        ).first()
        if there is None:
            attempt.username = new_email
            attempt.save(update_fields=["username"])
        else:
            there.failures_since_start += attempt.failures_since_start
            there.save(update_fields=["failures_since_start"])
            attempt.delete()


def cool_off_minutes(request=None) -> int:
    """How long a lock-out lasts, in whole minutes (for the message)."""
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


@transaction.atomic
def clear_lockout(*, attempt: AccessAttempt, actor) -> None:
    """Drop one lock-out counter (an account's or an address's failures) before its cool-off,
    for a person who proved who they are some other way. Programme admins only; the audit row
    is on the account the counter is for (on the actor's own account when the counter names no
    known account), with the address and the failure count."""
    require_permission(
        actor, CLEAR_LOCKOUT, message=_("Only a programme admin can clear a log-in lock-out.")
    )
    account = User.objects.filter(email__iexact=(attempt.username or "").strip()).first()
    record_audit_event(
        subject=account or actor,
        action="lockout_cleared",
        actor=actor,
        detail={
            "username": attempt.username or "",
            "ip_address": attempt.ip_address or "",
            "failures": attempt.failures_since_start,
        },
    )
    attempt.delete()
