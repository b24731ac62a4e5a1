"""The second-factor pages: set up an authenticator app, give a code after the password,
recovery codes, turning it off (where optional), and a programme admin's reset for a colleague.

Interfaces only: the writes and their audit rows are in ``accounts.two_factor``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.client_ip import client_ip
from accounts.forms import (
    ResetSecondFactorForm,
    SecondFactorConfirmationForm,
    SecondFactorForm,
    TotpEnrolmentForm,
    TotpReplacementForm,
)
from accounts.rules import RESET_SECOND_FACTOR
from core.domain import DomainError
from core.forms import apply_domain_error
from core.views import local_next

# The secret of an app being set up lives in the session until its first code is right.
SETUP_KEY_SESSION_KEY = "kcity_totp_setup_key"


def _next_path(request) -> str:
    return local_next(request.POST.get("next") or request.GET.get("next"))


def _with_next(url: str, next_path: str) -> str:
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def _mark_verified(request, device) -> None:
    """Record the second factor in the session, under a new session key (the session now
    carries more trust than the one a password alone opened)."""
    otp_login(request, device)
    request.session.cycle_key()


@never_cache
@login_required
def overview(request):
    """The user's second factor: whether it is on, recovery codes left, what they can do."""
    return _render_overview(request, SecondFactorConfirmationForm())


def _render_overview(request, confirm_form, status: int = 200):
    """The overview page, with the form that confirms new recovery codes or turning it off
    (bound, with its errors, after a refused try)."""
    user = request.user
    device = two_factor.totp_device_for(user)
    context = {
        "device": device,
        "required": two_factor.second_factor_required(user),
        "recovery_codes_left": two_factor.remaining_recovery_codes(user) if device else 0,
        "can_reset_others": user.has_perm(RESET_SECOND_FACTOR),
        "confirm_form": confirm_form,
    }
    return render(request, "accounts/two_factor.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Add an authenticator app (or replace the one there is): scan the QR code or type the
    secret, then give the first code. Shows the new recovery codes once."""
    user = request.user
    next_path = _next_path(request)
    replacing = two_factor.has_second_factor(user)
    if replacing and not two_factor.is_verified(user):
        # Whoever replaces the app must first prove they hold the current one.
        return redirect(_with_next(reverse("accounts:two_factor_verify"), next_path))
    key = request.session.get(SETUP_KEY_SESSION_KEY, "")
    if not two_factor.is_valid_totp_key(key):
        key = request.session[SETUP_KEY_SESSION_KEY] = two_factor.new_totp_key()
    # Replacing the app also asks for the password or a code of the current one.
    form = (TotpReplacementForm if replacing else TotpEnrolmentForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = two_factor.enrol_totp_device(
                user=user,
                key=key,
                code=form.cleaned_data["code"],
                confirmation=form.cleaned_data.get("confirmation"),
                ip=client_ip(request),
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            del request.session[SETUP_KEY_SESSION_KEY]
            _mark_verified(request, enrolment.device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {
                    "codes": enrolment.recovery_codes,
                    "enrolled": True,
                    "continue_url": next_path or reverse("accounts:two_factor"),
                },
            )
    context = {
        "form": form,
        "setup": two_factor.totp_setup(user=user, key=key),
        "required": two_factor.second_factor_required(user),
        "replacing": replacing,
        "next": next_path,
    }
    return render(
        request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code asked for after the password (or a recovery code)."""
    user = request.user
    next_path = _next_path(request)
    if two_factor.is_verified(user):
        return redirect(next_path or settings.LOGIN_REDIRECT_URL)
    if not two_factor.has_second_factor(user):
        if two_factor.second_factor_required(user):
            return redirect(_with_next(reverse("accounts:two_factor_setup"), next_path))
        return redirect(next_path or settings.LOGIN_REDIRECT_URL)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.verify_second_factor(
            user=user, code=form.cleaned_data["code"], ip=client_ip(request)
        )
        if result.ok:
            _mark_verified(request, result.device)
            if result.used_recovery_code:
                left = two_factor.remaining_recovery_codes(user)
                messages.warning(
                    request,
                    _(
                        "You used a recovery code; %(count)s are left. Make new ones on your "
                        "two-step verification page if you are running out."
                    )
                    % {"count": left},
                )
            return redirect(next_path or settings.LOGIN_REDIRECT_URL)
        if result.wait_until is not None:
            form.add_error(
                "code",
                _("Too many wrong codes. Wait %(seconds)s seconds and try again.")
                % {"seconds": two_factor.seconds_until(result.wait_until)},
            )
        else:
            form.add_error("code", _("That code is not right. Try again."))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": next_path},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes (the old ones stop working), shown on this response only, once the
    user's password or a current code is given in the same form."""
    form = SecondFactorConfirmationForm(request.POST)
    if not form.is_valid():
        return _render_overview(request, form, status=400)
    try:
        codes = two_factor.regenerate_recovery_codes(
            user=request.user,
            confirmation=form.cleaned_data["confirmation"],
            ip=client_ip(request),
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_overview(request, form, status=400)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "enrolled": False, "continue_url": reverse("accounts:two_factor")},
    )


@never_cache
@login_required
@require_POST
def disable(request):
    """Turn the second factor off, where the user's roles do not need one, once the user's
    password or a current code is given in the same form."""
    form = SecondFactorConfirmationForm(request.POST)
    if not form.is_valid():
        return _render_overview(request, form, status=400)
    try:
        two_factor.disable_second_factor(
            user=request.user,
            confirmation=form.cleaned_data["confirmation"],
            ip=client_ip(request),
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_overview(request, form, status=400)
    messages.success(request, _("Two-step verification is off."))
    return redirect("accounts:two_factor")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reset(request):
    """A programme admin resets a colleague's second factor (lost phone): audited, and the
    colleague is e-mailed; they set up a new app at their next log-in."""
    if not request.user.has_perm(RESET_SECOND_FACTOR):
        raise PermissionDenied
    form = ResetSecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        colleague = form.cleaned_data["email"]
        try:
            two_factor.reset_second_factor(
                user=colleague, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The second factor of %(email)s is reset. They set up a new app at their "
                    "next log-in."
                )
                % {"email": colleague.email},
            )
            return redirect("accounts:two_factor_reset")
    return render(
        request,
        "accounts/two_factor_reset.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
