"""The second factor: an authenticator app (TOTP) and single-use recovery codes, on django-otp.

Programme admins, secretariat staff, reviewers and anyone who may open the back office must
have one (``second_factor_required``); applicants and contractors may turn it on. A user who
has one is asked for a code after the password at every log-in (``accounts.middleware``).

The enrolment secret is generated on the set-up page and kept in the user's session until the
first code proves the app has it (``enrol_totp_device``): no device row exists before then.
Recovery codes are shown once, when they are made; only django-otp's copy of each remains, and
a code is deleted when it is used.

Every write here leaves an audit row on the user. Verification is the one write that does not
run in a single transaction: django-otp saves its failure counter (the throttle that slows down
code guessing) itself, and that save must survive a refused code.
"""

import base64
import binascii
import io
import time
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts import ratelimit, roles, sessions
from accounts.audit import record_audit_event
from accounts.models import User
from accounts.rules import RESET_SECOND_FACTOR
from core.domain import DomainError, require_permission
from notifications.services import in_each_language, queue_message

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Codes of the previous and the next 30-second step are accepted too (phone clocks drift).
TOTP_TOLERANCE = 1


def second_factor_required(user) -> bool:
    """Whether ``user`` may use the portal only after a second factor: staff, reviewers and
    anyone who can open the back office (``roles.PRIVILEGED_ROLES``)."""
    return roles.is_privileged(user)


def lacks_required_second_factor(user) -> bool:
    """Whether ``user``'s role needs a second factor they have not set up: such a user reaches
    nothing with a password alone (``accounts.middleware.SecondFactorMiddleware``) nor with an
    API token (``accounts.api_auth``), whenever the token was made (before the role was given,
    or before a programme admin reset the second factor)."""
    return second_factor_required(user) and not has_second_factor(user)


def totp_device_for(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user) -> bool:
    """Whether this request's user gave a second factor in this session (django-otp's
    ``OTPMiddleware`` sets ``is_verified`` on ``request.user``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_DEVICE_NAME, device__confirmed=True
    ).count()


# --- Enrolment --------------------------------------------------------------------------------


def new_totp_key() -> str:
    """A fresh secret for an authenticator app (40 hex digits, django-otp's format)."""
    return default_key()


def is_valid_totp_key(key: str) -> bool:
    try:
        return len(binascii.unhexlify(key or "")) == 20
    except (binascii.Error, ValueError):
        return False


@dataclass(frozen=True)
class TotpSetup:
    """What the set-up page shows: the secret as text and as a QR code (SVG)."""

    secret: str  # base32, in groups of four for reading aloud or typing
    config_url: str  # otpauth://totp/…
    qr_svg: str  # safe SVG markup, drawn on the server


def totp_setup(*, user, key: str) -> TotpSetup:
    """The secret ``key`` as the user's authenticator app needs it."""
    device = TOTPDevice(user=user, key=key, name=TOTP_DEVICE_NAME)
    secret = base64.b32encode(binascii.unhexlify(key)).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return TotpSetup(
        secret=grouped, config_url=device.config_url, qr_svg=_qr_svg(device.config_url)
    )


def _qr_svg(data: str) -> str:
    """An inline SVG QR code: no image file, no JavaScript, no style attribute (the strict
    Content-Security-Policy allows it), with a white quiet zone for phone cameras."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        box_size=10,
        border=4,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    label = escape(_("QR code of the secret key for your authenticator app"))
    # Safe: the markup is qrcode's own output for our URL, and the one added text is escaped.
    return mark_safe(
        svg.replace("<svg ", f'<svg class="qr-code" role="img" aria-label="{label}" ', 1)
    )


def _normalise_totp(code: str) -> int | None:
    digits = "".join((code or "").split())
    if len(digits) != 6 or not digits.isdigit():
        return None
    return int(digits)


def _normalise_recovery(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with ``RECOVERY_CODE_COUNT`` new ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


# --- Confirming a change to the second factor ------------------------------------------------
#
# Turning it off, making new recovery codes and replacing the app each ask, in the same
# request, for the user's password or a code of their current second factor: a session left
# open (or stolen) is not enough to take the second factor away or to read new codes.

# Wrong confirmations one account may send in an hour before every one is refused unchecked
# (the password is not behind django-axes here; codes also have django-otp's own throttle).
CONFIRMATION_FAILURE_RATE = "10/h"


def confirm_current_factor(*, user: User, confirmation: str, ip: str = "") -> str:
    """Check that ``confirmation`` is ``user``'s password or a code of their current second
    factor (from the app, or a recovery code, then used up: ``verify_second_factor``, which
    writes its audit row). Returns how it was confirmed: ``password``, ``app`` or
    ``recovery_code``.

    Refuses (``DomainError`` on the field ``confirmation``) a wrong or empty one, and any while
    the account has sent too many wrong ones this hour. Not one transaction (a refused code
    must still count): call it before the change's own transaction.
    """
    idents = [f"user:{user.pk}"]
    wait = ratelimit.is_limited("second_factor_confirm", idents, CONFIRMATION_FAILURE_RATE)
    if wait:
        raise DomainError(
            _("Too many attempts. Please wait %(minutes)s minutes and try again.")
            % {"minutes": ratelimit.minutes(wait)},
            code="limited",
            field="confirmation",
        )
    confirmation = (confirmation or "").strip()
    if confirmation and user.has_usable_password() and user.check_password(confirmation):
        return "password"
    if confirmation and has_second_factor(user):
        result = verify_second_factor(user=user, code=confirmation, ip=ip)
        if result.ok:
            return "recovery_code" if result.used_recovery_code else "app"
    ratelimit.hit("second_factor_confirm", idents, CONFIRMATION_FAILURE_RATE)
    raise DomainError(
        _(
            "That is neither your password nor a current code. Enter your password, a code "
            "from your authenticator app or one of your recovery codes."
        ),
        code="not_confirmed",
        field="confirmation",
    )


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def enrol_totp_device(
    *, user: User, key: str, code: str, confirmation: str | None = None, ip: str = ""
) -> Enrolment:
    """Register the authenticator app holding ``key`` once ``code`` proves it has the secret.

    Replaces any earlier app of the user, which then takes ``confirmation``: their password or
    a code of that app (``confirm_current_factor``). Issues new recovery codes (returned: they
    are stored only as django-otp's single-use tokens, so the caller shows them now). Writes an
    audit row. Refuses a wrong or malformed code or confirmation; writes nothing then.
    """
    if not is_valid_totp_key(key):
        raise DomainError(_("The set-up has expired. Start again."), code="invalid")
    token = _normalise_totp(code)
    totp = TOTP(binascii.unhexlify(key), step=30, t0=0, digits=6)
    totp.time = time.time()
    if token is None or not totp.verify(token, tolerance=TOTP_TOLERANCE):
        raise DomainError(
            _("That code is not right. Enter the six digits your app shows now."),
            code="invalid_code",
            field="code",
        )
    confirmed_by = None
    if has_second_factor(user):
        confirmed_by = confirm_current_factor(user=user, confirmation=confirmation, ip=ip)
    return _save_totp_device(user=user, key=key, totp=totp, confirmed_by=confirmed_by)


@transaction.atomic
def _save_totp_device(*, user: User, key: str, totp: TOTP, confirmed_by: str | None) -> Enrolment:
    replaced = TOTPDevice.objects.filter(user=user).exists()
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice(
        user=user,
        name=TOTP_DEVICE_NAME,
        key=key,
        confirmed=True,
        tolerance=TOTP_TOLERANCE,
        drift=totp.drift,
        # The code just given cannot be used again to log in.
        last_t=totp.t(),
    )
    device.full_clean(exclude=["user"])
    device.save()
    codes = _new_recovery_codes(user)
    detail = {"replaced": replaced, "recovery_codes": len(codes)}
    if confirmed_by:
        detail["confirmed_by"] = confirmed_by
    record_audit_event(subject=user, action="second_factor_enrolled", actor=user, detail=detail)
    return Enrolment(device=device, recovery_codes=codes)


def regenerate_recovery_codes(*, user: User, confirmation: str, ip: str = "") -> list[str]:
    """New recovery codes for a user who has an authenticator app; the old ones stop working.
    Takes ``confirmation``: the user's password or a current code (``confirm_current_factor``;
    a recovery code given is used up before the new ones are made). Writes an audit row. The
    caller shows the codes now: they are not kept readable."""
    if not has_second_factor(user):
        raise DomainError(_("Set up an authenticator app first."), code="no_second_factor")
    confirmed_by = confirm_current_factor(user=user, confirmation=confirmation, ip=ip)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record_audit_event(
            subject=user,
            action="recovery_codes_regenerated",
            actor=user,
            detail={"count": len(codes), "confirmed_by": confirmed_by},
        )
    return codes


def disable_second_factor(*, user: User, confirmation: str, ip: str = "") -> None:
    """Remove the user's own second factor (only where it is optional). Takes
    ``confirmation``: the user's password or a current code (``confirm_current_factor``).
    Writes an audit row."""
    if second_factor_required(user):
        raise DomainError(
            _("Your role needs a second factor: you can replace your app, not turn it off."),
            code="required",
        )
    if not has_second_factor(user):
        return
    confirmed_by = confirm_current_factor(user=user, confirmation=confirmation, ip=ip)
    with transaction.atomic():
        if _delete_devices(user):
            record_audit_event(
                subject=user,
                action="second_factor_disabled",
                actor=user,
                detail={"confirmed_by": confirmed_by},
            )


def _delete_devices(user) -> int:
    totp, _by_type = TOTPDevice.objects.filter(user=user).delete()
    static, _by_type = StaticDevice.objects.filter(user=user).delete()
    return totp + static


@transaction.atomic
def reset_second_factor(*, user: User, actor: User, reason: str) -> None:
    """Remove a colleague's authenticator app and recovery codes (a lost phone), so they set
    up a new one at their next log-in; every session of theirs ends (one left open on the lost
    device could otherwise set up an app of its own, which asks for no password). Only
    programme admins, never on their own account. Writes an audit row with the reason and
    e-mails the user. Refuses a blank reason.
    """
    require_permission(
        actor,
        RESET_SECOND_FACTOR,
        user,
        message=_("Only a programme admin can reset a colleague's second factor."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the second factor is reset."), code="invalid", field="reason")
    if not _delete_devices(user):
        raise DomainError(
            _("%(email)s has no second factor to reset.") % {"email": user.email},
            code="no_second_factor",
            field="email",
        )
    # A session still open on the lost device would otherwise set up an app of its own.
    sessions.end_all_sessions(user)
    record_audit_event(
        subject=user, action="second_factor_reset", actor=actor, detail={"reason": reason[:500]}
    )
    queue_message(
        recipient=user,
        template="accounts/second_factor_reset",
        # Both names as the reader reads them (Hangul names in a Korean e-mail).
        context={
            **in_each_language("name", lambda: user.display_name),
            **in_each_language("actor", lambda: actor.display_name),
        },
        channels=("email",),
    )


# --- Verification at log-in --------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of one code: the device that accepted it, or why none did."""

    device: TOTPDevice | StaticDevice | None
    used_recovery_code: bool = False
    wait_until: object = None  # a datetime while too many wrong codes make the user wait

    @property
    def ok(self) -> bool:
        return self.device is not None


def verify_second_factor(*, user: User, code: str, ip: str = "") -> Verification:
    """Check a code from the user's authenticator app, or one of their recovery codes (which
    is then used up). Writes an audit row either way.

    django-otp slows down guessing: after each wrong code the next is refused for 1, 2, 4, …
    seconds (``wait_until``), and it keeps that count itself, so this function is not one
    transaction (a refused code must still count). Does not log anybody in: the view records
    the verified device in the session.
    """
    device = totp_device_for(user)
    if device is None:
        return Verification(device=None)
    detail = {"ip": ip} if ip else {}
    token = _normalise_totp(code)
    if token is not None:
        with transaction.atomic():
            locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            allowed, info = locked.verify_is_allowed()
            if allowed and locked.verify_token(token):
                record_audit_event(
                    subject=user,
                    action="second_factor_verified",
                    actor=user,
                    detail={**detail, "method": "app"},
                )
                return Verification(device=locked)
    else:
        recovery = StaticDevice.objects.filter(
            user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
        ).first()
        allowed, info = recovery.verify_is_allowed() if recovery else (True, None)
        with transaction.atomic():
            if recovery is not None and allowed:
                recovery = StaticDevice.objects.select_for_update().get(pk=recovery.pk)
                if recovery.verify_token(_normalise_recovery(code)):
                    record_audit_event(
                        subject=user,
                        action="second_factor_verified",
                        actor=user,
                        detail={
                            **detail,
                            "method": "recovery_code",
                            "recovery_codes_left": recovery.token_set.count(),
                        },
                    )
                    return Verification(device=recovery, used_recovery_code=True)
    wait_until = info.get("locked_until") if not allowed and info else None
    with transaction.atomic():
        record_audit_event(
            subject=user,
            action="second_factor_failed",
            actor=user,
            detail={**detail, "throttled": wait_until is not None},
        )
    return Verification(device=None, wait_until=wait_until)


def seconds_until(moment) -> int:
    return max(1, int((moment - timezone.now()).total_seconds()) + 1)
