"""The profile page where a user creates and revokes their own API tokens, and the password
pages, which revoke them when the password changes."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import API_TOKEN_DEFAULT_LIFETIME, ApiToken
from accounts.token_services import (
    LIFETIME_CHOICES_DAYS,
    api_tokens_for_user,
    create_api_token,
    revoke_api_token,
    revoke_api_tokens_after_password_change,
)
from core.domain import DomainError
from core.forms import apply_domain_error


def _lifetime_choices() -> list[tuple[int, str]]:
    # A callable, so the labels are translated when the form is shown, in the user's language.
    return [
        (days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days})
        for days in LIFETIME_CHOICES_DAYS
    ]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Open-data dashboard”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_(
            "A read-only token can look but not change anything. Choose read and write only "
            "for a program that submits or edits on your behalf."
        ),
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Valid for"),
        choices=_lifetime_choices,
        coerce=int,
        initial=API_TOKEN_DEFAULT_LIFETIME.days,
        help_text=_("The token stops working after this; create a new one then."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    """List the user's tokens; on POST create one and show its key on this response only."""
    new_key = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _token, new_key = create_api_token(
                    user=request.user,
                    name=data["name"],
                    scope=data["scope"],
                    expires_at=timezone.now() + datetime.timedelta(days=data["lifetime_days"]),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": api_tokens_for_user(request.user), "new_key": new_key},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request, public_id):
    """Revoke one of the user's own tokens; another user's token is a 404."""
    token = get_object_or_404(ApiToken, public_id=public_id, user=request.user)
    revoke_api_token(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


# The tokens go first: should saving the new password then fail, the user has lost tokens they
# can make again, rather than kept tokens that whoever knew the old password may hold.


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; the user's API tokens are revoked."""

    def form_valid(self, form):
        revoke_api_tokens_after_password_change(user=form.user, actor=self.request.user)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's password reset (the link from the e-mail); the user's API tokens are revoked."""

    def form_valid(self, form):
        revoke_api_tokens_after_password_change(user=form.user, actor=form.user)
        return super().form_valid(form)
