"""Writes about people and organisations: registration, verification, profiles, invitations."""

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from accounts import roles
from accounts.audit import record_audit_event
from accounts.models import Membership, Organization, OrganizationInvitation, User
from accounts.tokens import make_email_verification_token, read_email_verification_token
from core.domain import DomainError
from notifications.services import queue_message

INVITATION_LIFETIME = datetime.timedelta(days=14)


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), code="invalid", field=field) from exc


@transaction.atomic
def register_user(
    *,
    email: str,
    name: str,
    password: str,
    language: str = "en",
    time_zone: str = "Asia/Seoul",
    next_path: str = "",
) -> User:
    """Create an applicant account (unverified) and queue the verification e-mail.

    The user gets the ``applicant`` role; they cannot start an application until the e-mail
    address is verified. Does not log the user in. ``next_path`` (a page of this site, such as
    a committee invitation) is where the verification link leads back to.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(_("An account with this e-mail address already exists."), field="email")
    user = User(email=email, name=name.strip(), language=language, time_zone=time_zone)
    user.set_password(password)
    _clean(user)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=roles.APPLICANT)[0])
    record_audit_event(subject=user, action="registered", actor=user)
    send_verification_email(user=user, next_path=next_path)
    return user


# A longer "next" is not a page of ours worth keeping (and the notice link has 500 characters).
MAX_NEXT_PATH = 300


def is_local_path(path: str) -> bool:
    """Whether ``path`` is a path on this site (no scheme, no host): never an open redirect."""
    return (
        bool(path)
        and len(path) <= MAX_NEXT_PATH
        and path.startswith("/")
        and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
    )


def send_verification_email(*, user: User, next_path: str = "") -> None:
    """Queue (through the outbox) an e-mail with a signed link that verifies the address.

    A local ``next_path`` rides along as ``?next=`` so the link leads back to that page; any
    other value is dropped.
    """
    path = reverse("accounts:verify_email", kwargs={"token": make_email_verification_token(user)})
    if is_local_path(next_path):
        path += "?" + urlencode({"next": next_path})
    queue_message(
        recipient=user,
        template="accounts/verify_email",
        context={"name": user.name, "verify_path": path},
        channels=("email",),
        link=path,
    )


@transaction.atomic
def verify_email(*, token: str) -> User:
    """Mark the address in a valid verification token as verified. Idempotent."""
    payload = read_email_verification_token(token)
    user = None
    if payload:
        user = User.objects.select_for_update().filter(pk=payload.get("u")).first()
    if user is None or user.email.lower() != payload.get("e"):
        raise DomainError(
            _("This verification link is invalid or has expired. Ask for a new one."),
            code="invalid_token",
        )
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        record_audit_event(subject=user, action="email_verified", actor=user)
    return user


@transaction.atomic
def update_profile(*, user: User, actor: User, name: str, language: str, time_zone: str) -> User:
    """Change a user's name, language and time zone (only the user themself)."""
    if actor.pk != user.pk:
        raise DomainError(_("You can only change your own profile."), code="forbidden")
    user.name, user.language, user.time_zone = name.strip(), language, time_zone
    _clean(user)
    user.save(update_fields=["name", "language", "time_zone"])
    return user


def set_user_language(*, user: User, language: str) -> None:
    """Remember the language chosen with the switcher on the user's profile."""
    if language in User.Language.values and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def _normalise_and_check(organization: Organization) -> None:
    """Country code upper case, e-mail domain lower case without "@", a name not taken by
    another organisation of the country (case-insensitive), then the model's own checks."""
    organization.country_code = (organization.country_code or "").upper()
    organization.email_domain = (organization.email_domain or "").lower().lstrip("@")
    if (
        Organization.objects.filter(
            name__iexact=organization.name, country_code=organization.country_code
        )
        .exclude(pk=organization.pk)
        .exists()
    ):
        raise DomainError(
            _(
                "An organisation with this name already exists in this country. "
                "Ask one of its members to invite you."
            ),
            field="name",
        )
    _clean(organization)


@transaction.atomic
def create_organization(*, actor: User, **fields) -> Organization:
    """Create an organisation with ``actor`` as its owner (its first member)."""
    organization = Organization(**fields)
    _normalise_and_check(organization)
    organization.save()
    Membership.objects.create(user=actor, organization=organization, role=Membership.Role.OWNER)
    record_audit_event(subject=organization, action="created", actor=actor)
    return organization


@transaction.atomic
def update_organization(*, organization: Organization, actor: User, **fields) -> Organization:
    """Change an organisation's details (its owner or a programme admin). Its kind and
    country are not among them: they decide which tracks it may apply to, so they change only
    in the back office."""
    if not actor.has_perm("accounts.manage_organization", organization):
        raise DomainError(_("Only the organisation's owner can change it."), code="forbidden")
    fixed = {"kind", "country_code"} & fields.keys()
    if fixed:
        raise DomainError(
            _("The kind and country of an organisation are changed by the programme."),
            code="fixed_field",
        )
    for name, value in fields.items():
        setattr(organization, name, value)
    _normalise_and_check(organization)
    organization.save()
    record_audit_event(subject=organization, action="updated", actor=actor)
    return organization


@transaction.atomic
def invite_member(*, organization: Organization, email: str, actor: User) -> OrganizationInvitation:
    """Invite a colleague by e-mail. Attaches nobody: only the invitee's acceptance does."""
    if not actor.has_perm("accounts.manage_organization", organization):
        raise DomainError(
            _("Only the organisation's owner can invite colleagues."), code="forbidden"
        )
    email = email.strip().lower()
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise DomainError(_("This person is already a member."), field="email")
    now = timezone.now()
    invitation = OrganizationInvitation(
        organization=organization,
        email=email,
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    _clean(invitation)
    invitation.save()
    record_audit_event(subject=organization, action="invited", actor=actor, detail={"email": email})
    path = reverse("accounts:accept_invitation", kwargs={"token": invitation.token})
    recipient = User.objects.filter(email__iexact=email).first()
    queue_message(
        recipient=recipient,
        to_email=email,
        template="accounts/invitation",
        context={
            "organization": organization.name,
            "inviter": actor.name or actor.email,
            "accept_path": path,
            "expires": invitation.expires_at.date().isoformat(),
        },
        channels=("email",),
        language=recipient.language if recipient else actor.language,
        link=path,
    )
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, actor: User) -> Membership:
    """Join the organisation of an open invitation addressed to ``actor``'s verified e-mail."""
    invitation = (
        OrganizationInvitation.objects.select_for_update()
        .select_related("organization")
        .filter(token=token)
        .first()
    )
    now = timezone.now()
    if (
        invitation is None
        or invitation.revoked_at is not None
        or invitation.accepted_at is not None
        or invitation.expires_at <= now
    ):
        raise DomainError(
            _("This invitation is no longer valid. Ask for a new one."), code="invalid_token"
        )
    if invitation.email.lower() != actor.email.lower():
        raise DomainError(
            _("This invitation was sent to another e-mail address. Log in with that address."),
            code="forbidden",
        )
    if actor.email_verified_at is None:
        raise DomainError(
            _("Please verify your e-mail address before joining an organisation."),
            code="unverified",
        )
    membership, _created = Membership.objects.get_or_create(
        user=actor, organization=invitation.organization, defaults={"role": Membership.Role.MEMBER}
    )
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    actor.groups.add(Group.objects.get_or_create(name=roles.APPLICANT)[0])
    record_audit_event(
        subject=invitation.organization,
        action="member_joined",
        actor=actor,
        detail={"email": actor.email},
    )
    return membership


@transaction.atomic
def revoke_invitation(*, invitation: OrganizationInvitation, actor: User) -> None:
    """Withdraw an invitation that has not been accepted."""
    if not actor.has_perm("accounts.manage_organization", invitation.organization):
        raise DomainError(
            _("Only the organisation's owner can revoke invitations."), code="forbidden"
        )
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_audit_event(
            subject=invitation.organization,
            action="invitation_revoked",
            actor=actor,
            detail={"email": invitation.email},
        )
