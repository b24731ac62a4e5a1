"""Audit rows for authentication events: log-in, failed log-in, lock-out, log-out, password.

Each event is one ``AuditEvent`` on the account it concerns (an attempt for an address that has
no account leaves no row: there is nothing to attach it to; django-axes still counts it):

==============================  ====================================================
``logged_in``                   a password (or a test's ``force_login``) opened a session
``login_failed``                a wrong password, or an inactive account
``login_refused_locked_out``    an attempt while locked out (no password was checked)
``locked_out``                  the failure that reached the limit
``logged_out``                  the user logged out
``session_expired``             the session ended by itself (``detail.reason``: idle, lifetime)
``password_changed``            the user changed their password (other sessions end)
``password_reset``              a password set through the e-mailed link (all sessions end)
==============================  ====================================================

Second-factor events are written by ``accounts.two_factor``. The details hold the client's
address (``accounts.client_ip``) and the path of the door.

Django's own authentication signals (``user_logged_in``, ``user_login_failed``,
``user_logged_out``) and django-axes' ``user_locked_out`` are how their flows tell us; the
receivers below are connected in ``AccountsConfig.ready`` and only call the services above
them. Django's password views have no signal: ``accounts.views`` calls the services.
"""

from django.db import transaction

from accounts import lockout, sessions
from accounts.audit import record_audit_event
from accounts.client_ip import client_ip
from accounts.models import User

# Set on the request by the session middleware when it ends a session by itself.
LOGOUT_REASON_ATTRIBUTE = "kcity_logout_reason"


def _request_detail(request) -> dict:
    if request is None:
        return {}
    return {"ip": client_ip(request), "path": (getattr(request, "path", "") or "")[:200]}


@transaction.atomic
def record_authentication_event(
    *, user: User, action: str, actor: User | None = None, detail: dict | None = None
) -> None:
    """Append one audit row about an authentication event of ``user`` (see the table above)."""
    record_audit_event(subject=user, action=action, actor=actor, detail=detail or {})


@transaction.atomic
def record_password_change(*, user: User, actor: User, ip: str = "") -> None:
    """Audit a password the user changed themself. The password itself is saved by Django's
    form; Django's session hash ends the user's other sessions."""
    record_audit_event(
        subject=user, action="password_changed", actor=actor, detail={"ip": ip} if ip else {}
    )


@transaction.atomic
def record_password_reset(*, user: User, ip: str = "") -> None:
    """Audit a password set through the e-mailed reset link, and lift the account's log-in
    lock-out: whoever holds the mailbox is the owner, and someone who locked the account by
    guessing should not keep them out. Every session of the user has ended (the hash)."""
    record_audit_event(
        subject=user, action="password_reset", actor=user, detail={"ip": ip} if ip else {}
    )
    lockout.forget_failed_logins(email=user.email)


def _account(email: str) -> User | None:
    email = (email or "").strip()
    return User.objects.filter(email__iexact=email).first() if email else None


# --- Receivers --------------------------------------------------------------------------------


def on_user_logged_in(sender, request, user, **kwargs):
    """Start the session's clocks, forget the account's failed attempts, write ``logged_in``."""
    if request is None:
        return
    if getattr(request, "session", None) is not None:
        sessions.start(request.session, user)
    lockout.forget_failed_logins(email=user.email)
    record_authentication_event(
        user=user, action="logged_in", actor=user, detail=_request_detail(request)
    )


def on_user_logged_out(sender, request, user, **kwargs):
    if user is None or not getattr(user, "pk", None):
        return
    reason = getattr(request, LOGOUT_REASON_ATTRIBUTE, None)
    detail = _request_detail(request)
    if reason:
        record_authentication_event(
            user=user, action="session_expired", detail={**detail, "reason": reason}
        )
    else:
        record_authentication_event(user=user, action="logged_out", actor=user, detail=detail)


def _refused_while_locked(request) -> bool:
    # django-axes marks an attempt it refused before checking the password; a failure it
    # counted carries the number of failures so far (whichever receiver runs first).
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    user = _account(lockout.username_for_lockout(request, credentials))
    if user is None:
        return
    action = "login_refused_locked_out" if _refused_while_locked(request) else "login_failed"
    record_authentication_event(user=user, action=action, detail=_request_detail(request))


def on_user_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes' lock-out: written once, for the failure that reached the limit."""
    if request is None or _refused_while_locked(request):
        return
    user = _account(username or "")
    if user is None:
        return
    detail = {
        **_request_detail(request),
        "failures": getattr(request, "axes_failures_since_start", None),
    }
    record_authentication_event(user=user, action="locked_out", detail=detail)


def connect() -> None:
    """Connect the receivers (``AccountsConfig.ready``). Which rows an attempt writes does not
    depend on whether django-axes' receivers run before these or after."""
    from axes.signals import user_locked_out
    from django.contrib.auth import signals

    signals.user_logged_in.connect(on_user_logged_in, dispatch_uid="kcity_audit_logged_in")
    signals.user_logged_out.connect(on_user_logged_out, dispatch_uid="kcity_audit_logged_out")
    signals.user_login_failed.connect(on_user_login_failed, dispatch_uid="kcity_audit_failed")
    user_locked_out.connect(on_user_locked_out, dispatch_uid="kcity_audit_locked_out")
