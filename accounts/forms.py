"""Forms of the account pages: interfaces only, writes go through accounts.services."""

import zoneinfo

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.services import send_password_reset_links


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with an e-mail address."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _("The e-mail address or password is not correct."),
        "inactive": _("This account is inactive."),
    }


class PasswordResetForm(DjangoPasswordResetForm):
    """Ask for a password-reset link. The e-mail goes through the outbox, in the user's own
    language: it is a row written here and sent by the delivery task, never during the
    request, so a mail server that refuses or hangs delays it and the outbox retries it.

    One message per active account with a usable password at the address (Django's
    ``get_users``); none for an unknown address, and the page answers the same either way.
    """

    def save(self, *, token_generator=default_token_generator, **kwargs) -> None:
        """Queue the reset e-mails (``accounts.services.send_password_reset_links``). Django's
        sending options (``request``, ``use_https``, ``from_email``, the template names …)
        are ignored: the outbox builds the link from ``SITE_URL`` and renders
        ``emails/accounts/password_reset``."""
        send_password_reset_links(
            users=self.get_users(self.cleaned_data["email"]), token_generator=token_generator
        )


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We send a link to this address to verify it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only numbers; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, initial="Asia/Seoul"
    )
    privacy_consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and understand how the portal processes my "
            "personal data."
        ),
        help_text=_(
            "The notice says what the portal keeps about you, for how long, who sees it and "
            "what your rights are."
        ),
        error_messages={"required": _("Please confirm that you have read the privacy notice.")},
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address already exists."), code="exists"
            )
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        if p1:
            try:
                password_validation.validate_password(
                    p1, User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    name_ko = forms.CharField(
        label=_("Name in Korean (Hangul)"),
        max_length=200,
        required=False,
        help_text=_("Optional; shown instead of your name on pages in Korean."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)


country_code_validator = RegexValidator(
    r"^[A-Za-z]{2}$", _("Enter the two-letter ISO 3166 country code, e.g. MY or KR.")
)


class OrganizationForm(forms.ModelForm):
    country_code = forms.CharField(
        label=_("Country (ISO code)"),
        max_length=2,
        validators=[country_code_validator],
        help_text=_("The two-letter ISO 3166 code, e.g. MY for Malaysia, KR for Korea."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = [
            "name",
            "name_ko",
            "kind",
            "country_code",
            "email_domain",
            "website",
            "address",
            "business_registration_number",
        ]
        help_texts = {
            "email_domain": _(
                "The domain of your colleagues' e-mail addresses, e.g. klang.gov.my."
            ),
            "business_registration_number": _("Korean companies only."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Applicants create their own body; Korean agencies are set up by the programme.
        if "kind" not in self.fields:
            return
        self.fields["kind"].choices = [
            choice
            for choice in self.fields["kind"].choices
            if choice[0] != Organization.Kind.KOREAN_AGENCY
        ]

    def clean_country_code(self):
        return self.cleaned_data["country_code"].upper()

    def validate_unique(self):
        # The service checks uniqueness with a friendlier message.
        pass


class OrganizationEditForm(OrganizationForm):
    """The details an owner may change: not the kind or the country, which decide where the
    organisation may apply (and which a Korean agency's form could not even show)."""

    country_code = None  # declared on the parent form

    class Meta(OrganizationForm.Meta):
        fields = [f for f in OrganizationForm.Meta.fields if f not in ("kind", "country_code")]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))


class SecondFactorForm(forms.Form):
    """The code asked for after the password: from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class TotpEnrolmentForm(forms.Form):
    """The first code of a newly added authenticator app, proving it holds the secret."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("The six digits the app shows for the K-City Network portal."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


def second_factor_confirmation_field() -> forms.CharField:
    """The password or current code that confirms a change to the second factor
    (``accounts.two_factor.confirm_current_factor``)."""
    return forms.CharField(
        label=_("Your password or a current code"),
        max_length=4096,
        strip=False,
        help_text=_(
            "To confirm it is you: your password, a code from your authenticator app or one of "
            "your recovery codes."
        ),
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "spellcheck": "false"}
        ),
    )


class EmailChangeForm(forms.Form):
    """Log in with another address from now on (``accounts.services.request_email_change``)."""

    new_email = forms.EmailField(
        label=_("New e-mail address"),
        max_length=254,
        help_text=_("We send a link to this address; your address changes when you open it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    confirmation = second_factor_confirmation_field()


class SecondFactorConfirmationForm(forms.Form):
    """Making new recovery codes or turning the second factor off: the user confirms first."""

    confirmation = second_factor_confirmation_field()


class TotpReplacementForm(TotpEnrolmentForm):
    """A new authenticator app in place of the current one: its first code, and the user's
    password or a code of the current app."""

    confirmation = second_factor_confirmation_field()


class ResetSecondFactorForm(forms.Form):
    """A programme admin resets a colleague's second factor (a lost or replaced phone)."""

    email = forms.EmailField(
        label=_("Colleague's e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Kept in the audit trail, e.g. “Phone lost; identity checked by telephone”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(_("No account has this e-mail address."), code="unknown")
        return user


class PrivacyNoticeForm(forms.Form):
    """Accepting a new version of the privacy notice (accounts.privacy_views.accept_notice)."""

    privacy_consent = SignupForm.base_fields["privacy_consent"]


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you ask for erasure? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("It helps the programme decide; you do not have to give a reason."),
    )


class ErasureDecisionForm(forms.Form):
    """The reason a programme admin gives when approving or refusing erasure requests."""

    decision_reason = forms.CharField(
        label=_("Reason for the decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the person by e-mail and kept in the audit trail."),
    )
