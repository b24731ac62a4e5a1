"""Account pages: sign-up, verification, log-in, password, profile, organisation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.forms.utils import ErrorDict
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import (
    auth_events,
    lockout,
    privacy,
    ratelimit,
    roles,
    selectors,
    services,
    token_views,
    two_factor,
)
from accounts.client_ip import client_ip
from accounts.forms import (
    EmailAuthenticationForm,
    EmailChangeForm,
    InvitationForm,
    OrganizationEditForm,
    OrganizationForm,
    PasswordResetForm,
    ProfileForm,
    SignupForm,
)
from accounts.models import Membership, OrganizationInvitation
from accounts.rules import LEAVE_ORGANIZATION, may_join_organization
from core.domain import DomainError
from core.forms import apply_domain_error
from core.views import local_next


def _next_path(value) -> str:
    """``value`` if it is a page of this site, else "" (never an open redirect)."""
    return local_next(value)


def signup(request):
    """Register an applicant account; a verification e-mail is sent.

    A local ``next`` (the page that sent the visitor to log in, such as a committee invitation)
    is kept through the form and the verification link, and is where the new user lands.
    """
    next_path = _next_path(request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_path or "applications:dashboard")
    form = SignupForm(
        request.POST or None,
        initial={"language": (request.LANGUAGE_CODE or "en")[:2]},
    )
    if request.method == "POST":
        # Limited per IP address: each try may send a verification e-mail, and the form says
        # whether an address already has an account.
        idents = ["ip:" + client_ip(request)]
        wait = ratelimit.is_limited("signup", idents, settings.KCITY_SIGNUP_RATE)
        if wait:
            form.is_valid()
            form.add_error(None, _limited_message(wait))
            return render(
                request,
                "accounts/signup.html",
                {"form": form, "next": next_path, "notice_version": privacy.PRIVACY_NOTICE_VERSION},
                status=429,
            )
        ratelimit.hit("signup", idents, settings.KCITY_SIGNUP_RATE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # With the acknowledgement of the privacy notice (accounts.privacy), audited.
            user = privacy.register_consenting_user(
                privacy_consent=data["privacy_consent"],
                email=data["email"],
                name=data["name"],
                password=data["password1"],
                language=data["language"],
                time_zone=data["time_zone"],
                next_path=next_path,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! We have sent a verification link to %(email)s.")
                % {"email": user.email},
            )
            return redirect(next_path or "accounts:profile")
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": next_path, "notice_version": privacy.PRIVACY_NOTICE_VERSION},
    )


def verify_email(request, token):
    """Follow the signed link from the verification e-mail (back to its local ``next``)."""
    try:
        user = services.verify_email(token=token)
    except DomainError as exc:
        return render(request, "accounts/verify_failed.html", {"error": exc.message}, status=400)
    messages.success(
        request, _("Your e-mail address %(email)s is verified.") % {"email": user.email}
    )
    next_path = _next_path(request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_path or "accounts:profile")
    if next_path:
        return redirect_to_login(next_path, reverse("accounts:login"))
    return redirect("accounts:login")


@login_required
@require_POST
def resend_verification(request):
    if request.user.email_verified_at is None:
        wait = ratelimit.is_limited("verify", [str(request.user.pk)], settings.KCITY_RESET_RATE)
        if wait:
            messages.error(request, _limited_message(wait))
        else:
            ratelimit.hit("verify", [str(request.user.pk)], settings.KCITY_RESET_RATE)
            services.send_verification_email(user=request.user)
            messages.success(request, _("We have sent a new verification link."))
    return redirect("accounts:profile")


def _limited_message(wait: int) -> str:
    return _("Too many attempts. Please wait %(minutes)s minutes and try again.") % {
        "minutes": ratelimit.minutes(wait)
    }


class LoginView(auth_views.LoginView):
    """Log-in by e-mail. django-axes' backend refuses a locked-out account or address before
    the password is checked (``accounts.lockout``; the page then comes from ``locked_out``).
    A user who needs a second factor is then asked for it (``SecondFactorMiddleware``)."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm

    def get_default_redirect_url(self):
        """Without a page to return to, the user's role home (docs/architecture.md, "Role
        homes"), not the public front page."""
        home = roles.home_for(self.request.user)
        return reverse(home[0]) if home else super().get_default_redirect_url()


def locked_out(request, original_response=None, credentials=None):
    """The log-in page after too many failed attempts (django-axes' ``AXES_LOCKOUT_CALLABLE``):
    the address typed is kept and the error says how long to wait. HTTP 429."""
    form = EmailAuthenticationForm(request, data=request.POST or None)
    form.cleaned_data = {}
    message = _(
        "Too many failed log-in attempts. Please wait %(minutes)s minutes and try again, "
        "or reset your password."
    ) % {"minutes": lockout.cool_off_minutes(request)}
    form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([message])})
    context = {"form": form, "next": _next_path(request.POST.get("next"))}
    return render(request, "accounts/login.html", context, status=429)


class PasswordChangeView(token_views.PasswordChangeView):
    """The user changes their password (their API tokens are revoked by the parent view).
    This session stays logged in; the user's other sessions end. Audited."""

    def form_valid(self, form):
        response = super().form_valid(form)
        auth_events.record_password_change(
            user=form.user, actor=self.request.user, ip=client_ip(self.request)
        )
        return response


class PasswordResetConfirmView(token_views.PasswordResetConfirmView):
    """A new password through the e-mailed link: every session of the user ends, the
    account's log-in lock-out is lifted. Audited."""

    def form_valid(self, form):
        response = super().form_valid(form)
        auth_events.record_password_reset(user=form.user, ip=client_ip(self.request))
        return response


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    """Ask for a password-reset link; limited per IP address and per e-mail address. The form
    queues the e-mail through the outbox (``PasswordResetForm.save``): nothing is sent during
    the request, and the answer is the same whether the address has an account or not."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm

    def post(self, request, *args, **kwargs):
        email = (request.POST.get("email") or "").strip().lower()
        idents = ["ip:" + client_ip(request), "acct:" + email if email else ""]
        wait = ratelimit.is_limited("reset", idents, settings.KCITY_RESET_RATE)
        if wait:
            form = self.get_form_class()(request.POST)
            form.is_valid()
            form.add_error(None, _limited_message(wait))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        ratelimit.hit("reset", idents, settings.KCITY_RESET_RATE)
        return super().post(request, *args, **kwargs)


@login_required
def profile(request):
    """The user's own details, organisation and open invitations."""
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "name": user.name,
            "name_ko": user.name_ko,
            "language": user.language,
            "time_zone": user.time_zone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, actor=user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language)
            return response
    context = {
        "form": form,
        "organizations": selectors.organizations_for_user(user),
        "invitations": selectors.open_invitations_for_user(user),
        "second_factor_on": two_factor.has_second_factor(user),
    }
    return render(request, "accounts/profile.html", context)


@never_cache
@login_required
def email_change(request):
    """Ask to log in with another address: the new address gets a confirmation link, the
    current one a notice (``services.request_email_change``). Shows a pending change."""
    user = request.user
    form = EmailChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.request_email_change(
                    user=user,
                    actor=user,
                    new_email=form.cleaned_data["new_email"],
                    confirmation=form.cleaned_data["confirmation"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = 429 if exc.code == "limited" else 400
            else:
                messages.success(
                    request,
                    _(
                        "We have sent a link to %(email)s. Your e-mail address changes when you "
                        "open it (within three days)."
                    )
                    % {"email": form.cleaned_data["new_email"]},
                )
                return redirect("accounts:email_change")
        else:
            status = 400
    user.refresh_from_db(fields=["pending_email", "pending_email_requested_at"])
    return render(request, "accounts/email_change.html", {"form": form}, status=status)


@login_required
@require_POST
def email_change_cancel(request):
    services.cancel_email_change(user=request.user, actor=request.user)
    messages.success(request, _("The change of your e-mail address is cancelled."))
    return redirect("accounts:email_change")


@never_cache
@login_required
def email_change_confirm(request, token):
    """The link sent to the new address; a visitor who is not logged in logs in first and
    comes back here (``login_required``)."""
    try:
        user = services.confirm_email_change(token=token, actor=request.user)
    except DomainError as exc:
        return render(
            request, "accounts/email_change_failed.html", {"error": exc.message}, status=400
        )
    messages.success(
        request,
        _("Your e-mail address is now %(email)s. Log in with it from now on.")
        % {"email": user.email},
    )
    return redirect("accounts:profile")


@login_required
def organization_create(request):
    """Create the organisation the user applies for; they become its owner."""
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            organization = services.create_organization(actor=request.user, **fields)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s has been created.") % {"name": organization.display_name}
            )
            return redirect("accounts:organization", pk=organization.pk)
    return render(request, "accounts/organization_form.html", {"form": form})


@login_required
def organization_edit(request, pk):
    """The owner changes the organisation's details."""
    organization = get_object_or_404(selectors.organizations_for_user(request.user), pk=pk)
    if not request.user.has_perm("accounts.manage_organization", organization):
        raise PermissionDenied
    form = OrganizationEditForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_organization(organization=organization, actor=request.user, **fields)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The organisation has been saved."))
            return redirect("accounts:organization", pk=organization.pk)
    return render(
        request, "accounts/organization_form.html", {"form": form, "organization": organization}
    )


@login_required
def organization_detail(request, pk):
    """An organisation's members and invitations; the owner invites colleagues here."""
    organization = get_object_or_404(selectors.organizations_for_user(request.user), pk=pk)
    can_manage = request.user.has_perm("accounts.manage_organization", organization)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation = services.invite_member(
                    organization=organization, email=form.cleaned_data["email"], actor=request.user
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("An invitation has been sent to %(email)s.") % {"email": invitation.email},
                )
                return redirect("accounts:organization", pk=organization.pk)
    context = {
        "organization": organization,
        "memberships": organization.memberships.select_related("user").order_by("created_at"),
        "invitations": selectors.open_invitations_for_organization(organization)
        if can_manage
        else [],
        "can_manage": can_manage,
        "can_leave": request.user.has_perm(LEAVE_ORGANIZATION, organization),
        "form": form,
    }
    return render(request, "accounts/organization_detail.html", context)


@login_required
@require_POST
def organization_leave(request, pk):
    """The user leaves one of their organisations (asked to confirm on the page)."""
    organization = get_object_or_404(selectors.organizations_for_user(request.user), pk=pk)
    try:
        services.leave_organization(organization=organization, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:organization", pk=organization.pk)
    messages.success(request, _("You have left %(name)s.") % {"name": organization.display_name})
    return redirect("accounts:profile")


@login_required
@require_POST
def membership_remove(request, pk, membership_pk):
    """The owner takes a member out of the organisation (asked to confirm on the page)."""
    organization = get_object_or_404(selectors.organizations_for_user(request.user), pk=pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), organization=organization, pk=membership_pk
    )
    if not request.user.has_perm("accounts.manage_organization", organization):
        raise PermissionDenied
    try:
        services.remove_member(membership=membership, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is no longer a member.") % {"name": membership.user.display_name},
        )
    return redirect("accounts:organization", pk=organization.pk)


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(
        OrganizationInvitation.objects.filter(
            organization__in=selectors.organizations_for_user(request.user)
        ),
        pk=pk,
    )
    try:
        services.revoke_invitation(invitation=invitation, actor=request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("The invitation has been revoked."))
    return redirect("accounts:organization", pk=invitation.organization_id)


@login_required
def accept_invitation(request, token):
    """Show the invitation to the logged-in invitee and let them accept it."""
    invitation = (
        OrganizationInvitation.objects.select_related("organization").filter(token=token).first()
    )
    error = None
    if request.method == "POST":
        try:
            membership = services.accept_invitation(token=token, actor=request.user)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("You are now a member of %(name)s.")
                % {"name": membership.organization.display_name},
            )
            return redirect("accounts:organization", pk=membership.organization_id)
    # Only the addressee sees whom the invitation is from; others learn nothing about it.
    addressed = invitation is not None and invitation.email.lower() == request.user.email.lower()
    if invitation is None or not addressed:
        error = error or _(
            "This invitation is not valid for your account. Log in with the address it was sent to."
        )
    # Said before the button, not only after it: staff may not join an applicant organisation,
    # and a reviewer who joins one can no longer review its applications.
    may_join = addressed and may_join_organization(request.user, invitation.organization)
    if addressed and not may_join:
        error = error or services.staff_may_not_join_message()
    return render(
        request,
        "accounts/accept_invitation.html",
        {
            "invitation": invitation if addressed else None,
            "may_join": may_join,
            "is_reviewer": roles.has_role(request.user, roles.REVIEWER),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_POST
def session_alive(request):
    """A page on which the user is typing says they are there (static/js/portal.js): the
    session middleware has restarted the idle clock on the way in. 401 once the session has
    ended, so the page can tell the user before they send the form."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


@require_POST
def set_language(request):
    """The language switcher: Django's set_language, also saved to the user's profile."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        services.set_user_language(user=request.user, language=language)
    response = django_set_language(request)
    next_url = request.POST.get("next", "")
    if isinstance(response, HttpResponseRedirect) and not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        response["Location"] = "/"
    return response
