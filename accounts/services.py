"""Writes about people and organisations: registration, verification, profiles, invitations."""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import lockout, ratelimit, roles, rules, selectors, two_factor
from accounts.audit import record_audit_event
from accounts.models import Membership, Organization, OrganizationInvitation, User
from accounts.token_services import (
    revoke_active_api_tokens,
    revoke_api_tokens_after_password_change,
)
from accounts.tokens import (
    email_change_token_matches,
    make_email_change_token,
    make_email_verification_token,
    read_email_verification_token,
)
from core.domain import DomainError
from core.views import is_local_path
from notifications.services import in_each_language, language_for_address, queue_message

INVITATION_LIFETIME = datetime.timedelta(days=14)

# Called with (membership, actor) inside the transaction whenever someone becomes a member of
# an organisation (an accepted invitation, a superuser adding them). Reviews appends its
# conflict check from ``ReviewsConfig.ready()`` (accounts never imports it): a reviewer who
# joins an applicant ends their reviews of its applications.
MEMBERSHIP_STARTED_HOOKS: list = []


def staff_may_not_join_message():
    return _(
        "Secretariat staff and programme admins cannot join an applicant organisation: they "
        "run the programme it applies to. Ask a colleague of the organisation to take your "
        "place, or ask a superuser to end your staff role first."
    )


def refuse_joining_if_staff(user: User, organization: Organization, message=None) -> None:
    """Refuse to make ``user`` a member of ``organization`` when they hold a staff role and it
    is an applicant organisation (``rules.may_join_organization``). Asked before the user is
    written as a member, by every door that makes one."""
    if not rules.may_join_organization(user, organization):
        raise DomainError(message or staff_may_not_join_message(), code="staff_member")


def _membership_started(membership: Membership, *, actor) -> None:
    for hook in MEMBERSHIP_STARTED_HOOKS:
        hook(membership, actor=actor)


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), code="invalid", field=field) from exc


def require_verified_email(user: User, message: str) -> None:
    """Refuse (``DomainError``, code ``unverified``) a user whose e-mail address is not yet
    verified: what the programme knows of an account's owner until then is a typed address.
    ``message`` says what they tried to do."""
    if user.email_verified_at is None:
        raise DomainError(message, code="unverified")


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
        # The reader's name as they read it (their Hangul name in a Korean e-mail).
        context={**in_each_language("name", lambda: user.display_name), "verify_path": path},
        channels=("email",),
        link=path,
    )


@transaction.atomic
def send_password_reset_links(*, users, token_generator) -> None:
    """Queue (through the outbox, in each user's language) an e-mail with a link that sets a
    new password: never sent during the request, so a mail server that refuses or hangs
    delays it and the outbox retries it. ``users``: those the reset form found for the address
    (active, with a usable password); none for an unknown one, and the page says the same."""
    for user in users:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = token_generator.make_token(user)
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        queue_message(
            recipient=user,
            template="accounts/password_reset",
            # ``uid`` and ``token`` are the entries the outbox hides from staff
            # (``notifications.selectors.SENSITIVE_TEMPLATES``), as it hides the link.
            context={
                **in_each_language("name", lambda user=user: user.display_name),
                "uid": uid,
                "token": token,
            },
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
def update_profile(
    *,
    user: User,
    actor: User,
    name: str,
    language: str,
    time_zone: str,
    name_ko: str | None = None,
) -> User:
    """Change a user's name, language and time zone (only the user themself), and the name in
    Hangul that Korean pages show (``User.display_name``); ``name_ko=None`` leaves it."""
    if actor.pk != user.pk:
        raise DomainError(_("You can only change your own profile."), code="forbidden")
    user.name, user.language, user.time_zone = name.strip(), language, time_zone
    fields = ["name", "language", "time_zone"]
    if name_ko is not None:
        user.name_ko = name_ko.strip()
        fields.append("name_ko")
    _clean(user)
    user.save(update_fields=fields)
    return user


# Requests to change one's address, per account: each sends an e-mail to an address the user
# typed (the same rate as password-reset links).
EMAIL_CHANGE_SCOPE = "email_change"


def request_email_change(
    *, user: User, actor: User, new_email: str, confirmation: str, ip: str = ""
) -> User:
    """The user asks to log in with ``new_email`` from now on, confirming it is them with their
    password or a current code of their second factor (``two_factor.confirm_current_factor``,
    checked before this change's transaction: a refused one must still count).

    Keeps the address as pending (``User.pending_email``, replacing an earlier request, whose
    link stops working), audits ``email_change_requested`` and queues (outbox) a signed link
    to the NEW address (``accounts/email_change_confirm``, three days, single use) and a notice
    WITHOUT any link to the current one (``accounts/email_change_requested``). Does not change
    the address (``confirm_email_change`` does). Whether another account has ``new_email`` is
    not told here: the answer is the same, and only whoever opens the link at that address
    learns it. Refuses (``DomainError``) another user's account, an address that is not one or
    is already the user's, and more than ``KCITY_RESET_RATE`` requests per account.
    """
    if actor is None or actor.pk != user.pk:
        raise DomainError(_("You can only change your own e-mail address."), code="forbidden")
    new_email = User.objects.normalize_email((new_email or "").strip()).lower()
    try:
        validate_email(new_email)
    except ValidationError as exc:
        raise DomainError(
            _("Enter a valid e-mail address."), code="invalid", field="new_email"
        ) from exc
    if new_email == user.email.lower():
        raise DomainError(
            _("This is already your e-mail address."), code="unchanged", field="new_email"
        )
    idents = [f"user:{user.pk}"]
    wait = ratelimit.is_limited(EMAIL_CHANGE_SCOPE, idents, settings.KCITY_RESET_RATE)
    if wait:
        raise DomainError(
            _("Too many attempts. Please wait %(minutes)s minutes and try again.")
            % {"minutes": ratelimit.minutes(wait)},
            code="limited",
        )
    confirmed_by = two_factor.confirm_current_factor(user=user, confirmation=confirmation, ip=ip)
    user = _record_email_change_request(user=user, new_email=new_email, confirmed_by=confirmed_by)
    ratelimit.hit(EMAIL_CHANGE_SCOPE, idents, settings.KCITY_RESET_RATE)
    return user


@transaction.atomic
def _record_email_change_request(*, user: User, new_email: str, confirmed_by: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.pending_email = new_email
    user.pending_email_requested_at = timezone.now()
    user.save(update_fields=["pending_email", "pending_email_requested_at"])
    record_audit_event(
        subject=user,
        action="email_change_requested",
        actor=user,
        new_value=new_email,
        detail={"confirmed_by": confirmed_by},
    )
    path = reverse("accounts:email_change_confirm", kwargs={"token": make_email_change_token(user)})
    names = in_each_language("name", lambda: user.display_name)
    queue_message(
        recipient=user,
        to_email=new_email,
        template="accounts/email_change_confirm",
        context={**names, "new_email": new_email, "confirm_path": path},
        channels=("email",),
        link=path,
    )
    # To the address the account has now: no link (nothing in it can be used to take the
    # account), only what was asked and what to do if it was not them.
    queue_message(
        recipient=user,
        template="accounts/email_change_requested",
        context={**names, "new_email": new_email},
        channels=("email",),
    )
    return user


@transaction.atomic
def cancel_email_change(*, user: User, actor: User) -> User:
    """Forget the user's pending change of address (its link stops working); audited as
    ``email_change_cancelled``. Only the user themself; nothing to do without one."""
    if actor is None or actor.pk != user.pk:
        raise DomainError(_("You can only change your own e-mail address."), code="forbidden")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.pending_email:
        return user
    old_pending = user.pending_email
    clear_pending_email(user)
    record_audit_event(
        subject=user, action="email_change_cancelled", actor=actor, old_value=old_pending
    )
    return user


def clear_pending_email(user: User) -> None:
    """Drop ``user``'s pending address (cancellation, erasure, retention). No audit row."""
    user.pending_email = ""
    user.pending_email_requested_at = None
    user.save(update_fields=["pending_email", "pending_email_requested_at"])


def email_change_invalid_message():
    return _(
        "This link to confirm a new e-mail address is invalid or has expired, or a newer one "
        "was sent. Ask for the change again from your profile."
    )


@transaction.atomic
def confirm_email_change(*, token: str, actor: User) -> User:
    """The link sent to the new address, opened by the logged-in ``actor``: their address
    becomes the pending one, verified (the link proves the mailbox is theirs).

    Refuses (``DomainError``, code ``invalid_token``) a link that is forged, expired, of
    another account, replaced by a newer request, already used or cancelled, or made before
    the password changed; and (code ``email_taken``) an address another account took
    meanwhile (case-insensitive). Audits ``email_changed`` (old and new address) and tells
    the old address (``accounts/email_changed``). The lock-out counters (django-axes) of the
    old address move to the new one, so a lock-out follows the account. Leaves invitations to
    the old address where they are, and the user's sessions and API tokens (the password is
    unchanged; docs/security.md).
    """
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not email_change_token_matches(token, user):
        raise DomainError(email_change_invalid_message(), code="invalid_token")
    new_email = user.pending_email
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise DomainError(
            _(
                "The address %(email)s is already used by another account, so your e-mail "
                "address was not changed. Ask for the change again with another address."
            )
            % {"email": new_email},
            code="email_taken",
        )
    old_email = user.email
    user.email = new_email
    user.email_verified_at = timezone.now()
    user.pending_email = ""
    user.pending_email_requested_at = None
    try:
        with transaction.atomic():
            user.save(
                update_fields=[
                    "email",
                    "email_verified_at",
                    "pending_email",
                    "pending_email_requested_at",
                ]
            )
    except IntegrityError as exc:  # another account took it since the check above
        raise DomainError(
            _(
                "The address %(email)s is already used by another account, so your e-mail "
                "address was not changed. Ask for the change again with another address."
            )
            % {"email": new_email},
            code="email_taken",
        ) from exc
    record_audit_event(
        subject=user, action="email_changed", actor=actor, old_value=old_email, new_value=new_email
    )
    lockout.move_failed_logins(old_email=old_email, new_email=new_email)
    queue_message(
        recipient=user,
        to_email=old_email,
        template="accounts/email_changed",
        context={**in_each_language("name", lambda: user.display_name), "new_email": new_email},
        channels=("email",),
    )
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
    """Create an organisation with ``actor`` as its owner (its first member). Refuses an
    unverified e-mail address: the name is then taken in its country, and the organisation's
    colleagues can join only through its owner's invitations."""
    require_verified_email(
        actor, _("Please verify your e-mail address before creating an organisation.")
    )
    organization = Organization(**fields)
    refuse_joining_if_staff(actor, organization)
    _normalise_and_check(organization)
    organization.save()
    Membership.objects.create(user=actor, organization=organization, role=Membership.Role.OWNER)
    record_audit_event(subject=organization, action="created", actor=actor)
    return organization


def _save_organization_changes(organization: Organization, *, actor: User, fields: dict) -> None:
    """Set ``fields`` on ``organization`` (normalised and checked), save it and write the
    ``updated`` audit row with the old and new value of every field that changed."""
    old = {name: str(getattr(organization, name)) for name in fields}
    for name, value in fields.items():
        setattr(organization, name, value)
    _normalise_and_check(organization)
    organization.save()
    new = {name: str(getattr(organization, name)) for name in fields}
    changed = [name for name in fields if old[name] != new[name]]
    record_audit_event(
        subject=organization,
        action="updated",
        actor=actor,
        detail={
            "old": {name: old[name] for name in changed},
            "new": {name: new[name] for name in changed},
        },
    )


# The fields that name an organisation in its applications, decisions and letters: once one
# is submitted, only the programme corrects them (``update_organization_record``).
ORGANIZATION_NAME_FIELDS = ("name", "name_ko", "country_code")


@transaction.atomic
def update_organization(*, organization: Organization, actor: User, **fields) -> Organization:
    """Change an organisation's details (its owner or a programme admin). Its kind and
    country are not among them: they decide which tracks it may apply to, so they change only
    in the back office. Nor, once it has submitted an application, its name or Korean name
    (the name the application was made under). Audited as ``updated`` with the old and new
    value of every changed field."""
    if not actor.has_perm("accounts.manage_organization", organization):
        raise DomainError(_("Only the organisation's owner can change it."), code="forbidden")
    fixed = {"kind", "country_code"} & fields.keys()
    if fixed:
        raise DomainError(
            _("The kind and country of an organisation are changed by the programme."),
            code="fixed_field",
        )
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    renamed = [
        name
        for name in ORGANIZATION_NAME_FIELDS
        if name in fields and (fields[name] or "") != (getattr(organization, name) or "")
    ]
    if renamed and selectors.has_submitted_application(organization):
        raise DomainError(
            _(
                "The organisation has submitted an application under this name, so only the "
                "programme can change it. Write to the secretariat if it must be corrected."
            ),
            code="name_locked",
            field=renamed[0],
        )
    _save_organization_changes(organization, actor=actor, fields=fields)
    return organization


# Invitations one person may send in 24 hours. The e-mail carries the organisation's name, which
# its owner types: without a limit the portal's own mail could carry anyone's text to anyone.
# An address not yet verified sends few (a colleague or two), a verified one a whole team.
INVITATIONS_PER_DAY = 50
INVITATIONS_PER_DAY_UNVERIFIED = 5


def _refuse_too_many_invitations(actor: User, now) -> None:
    sent = OrganizationInvitation.objects.filter(
        invited_by=actor, created_at__gte=now - datetime.timedelta(days=1)
    ).count()
    if actor.email_verified_at is None and sent >= INVITATIONS_PER_DAY_UNVERIFIED:
        raise DomainError(
            _(
                "Verify your e-mail address (follow the link we sent you) to invite more than "
                "%(limit)s colleagues a day."
            )
            % {"limit": INVITATIONS_PER_DAY_UNVERIFIED},
            code="limited",
            field="email",
        )
    if sent >= INVITATIONS_PER_DAY:
        raise DomainError(
            _("You have sent %(limit)s invitations in the last 24 hours; send more tomorrow.")
            % {"limit": INVITATIONS_PER_DAY},
            code="limited",
            field="email",
        )


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
    _refuse_too_many_invitations(actor, now)
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
    # What joining means for an invitee who already holds another role (said to them only:
    # the inviter learns nothing about the address): staff cannot accept, a reviewer can but
    # no longer reviews the organisation's applications.
    role_note = ""
    if recipient is not None and not rules.may_join_organization(recipient, organization):
        role_note = "staff"
    elif recipient is not None and roles.has_role(recipient, roles.REVIEWER):
        role_note = "reviewer"
    queue_message(
        recipient=recipient,
        to_email=email,
        template="accounts/invitation",
        context={
            **in_each_language("organization", lambda: organization.display_name),
            "inviter": actor.name or actor.email,
            "accept_path": path,
            "expires": invitation.expires_at.date().isoformat(),
            "role_note": role_note,
        },
        channels=("email",),
        language=language_for_address(recipient, sender=actor),
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
    require_verified_email(
        actor, _("Please verify your e-mail address before joining an organisation.")
    )
    refuse_joining_if_staff(actor, invitation.organization)
    sender = invitation.invited_by
    if not selectors.may_receive_mail(sender) or not sender.has_perm(
        "accounts.manage_organization", invitation.organization
    ):
        # Its sender no longer manages the organisation (a secretariat, whose members only a
        # superuser adds; an owner since demoted) or its account has ended (deactivated or
        # erased, ``selectors.may_receive_mail``): what they sent lets nobody in. A second
        # guard: those doors revoke the invitations (``revoke_invitations_sent_by``).
        raise DomainError(
            _("This invitation is no longer valid. Ask for a new one."), code="invalid_token"
        )
    membership, _created = Membership.objects.get_or_create(
        user=actor, organization=invitation.organization, defaults={"role": Membership.Role.MEMBER}
    )
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    actor.groups.add(Group.objects.get_or_create(name=roles.APPLICANT)[0])
    _forget_roles(actor)
    record_audit_event(
        subject=invitation.organization,
        action="member_joined",
        actor=actor,
        detail={"email": actor.email},
    )
    _membership_started(membership, actor=actor)
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


def revoke_invitations_sent_by(
    *, user: User, actor: User | None, reason: str, organization: Organization | None = None
) -> int:
    """Withdraw the open invitations ``user`` sent (to ``organization``, or to any): they
    were sent on the authority of a membership or an account that has just ended (the member
    removed, demoted from owner, the account deactivated or erased: ``actor`` None, the
    portal itself). One ``invitation_revoked`` audit row on the organisation per invitation,
    with ``reason``. Returns how many."""
    invitations = OrganizationInvitation.objects.select_for_update().filter(
        invited_by=user, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if organization is not None:
        invitations = invitations.filter(organization=organization)
    now = timezone.now()
    revoked = 0
    for invitation in invitations.select_related("organization"):
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        record_audit_event(
            subject=invitation.organization,
            action="invitation_revoked",
            actor=actor,
            detail={"email": invitation.email, "invited_by": user.email, "reason": reason},
        )
        revoked += 1
    return revoked


# --- The back office: roles, account status, passwords, organisation records, memberships ---
#
# Who grants what: only a superuser changes roles (groups, direct permissions, superuser and
# staff status), passwords of other accounts and memberships (a membership of a secretariat
# is a track scope; one of an applicant organisation opens its drafts). Programme admins
# deactivate and reactivate accounts and correct organisation records. Every change is an
# audit row on its subject.


def _require_superuser(actor, message) -> None:
    if actor is None or not getattr(actor, "is_superuser", False) or not actor.is_active:
        raise DomainError(message, code="forbidden")


def _require_programme_admin(actor, message) -> None:
    if actor is None or not roles.has_role(actor, roles.PROGRAMME_ADMIN):
        raise DomainError(message, code="forbidden")


def _forget_roles(user: User) -> None:
    # ``roles.user_roles`` caches the roles on the object for the request.
    user.__dict__.pop("_kcity_roles", None)


def privileged_role_given(*, user: User, actor, role: str) -> int:
    """Call inside the transaction of every door that gives ``user`` a privileged role (a group
    of ``roles.PRIVILEGED_ROLES``; ``role`` may also be ``is_staff`` or ``is_superuser``) they
    did not hold: ``set_user_roles``, accepting a committee invitation
    (``reviews.services.committee.respond_to_invitation``).

    Revokes the user's API tokens that still authenticate (``token_services``, one audit row
    ``revoked`` per token with ``reason: privileged_role`` and the role): a token made as an
    applicant would otherwise become a staff or reviewer token once the second factor is set
    up, made without it. Tells the user (in-app notice and e-mail) when any was revoked.
    Returns how many. Does not end the user's sessions (the second factor does that).
    """
    _forget_roles(user)
    count = revoke_active_api_tokens(
        user=user, actor=actor, reason="privileged_role", detail={"role": role}
    )
    if count:
        role_label = roles.ROLES.get(role)
        queue_message(
            recipient=user,
            template="accounts/api_tokens_revoked_for_role",
            context={
                **in_each_language("name", lambda: user.display_name),
                **in_each_language("role", lambda: str(role_label or _("back-office access"))),
                "count": count,
            },
            link=reverse("accounts:tokens"),
        )
    return count


@transaction.atomic
def set_user_roles(
    *,
    user: User,
    actor: User,
    groups=None,
    user_permissions=None,
    is_superuser: bool | None = None,
    is_staff: bool | None = None,
) -> User:
    """A superuser changes what an account may do: its role groups, its direct permissions,
    its superuser and its staff status. An argument left ``None`` stays as it is.

    Writes one audit row on the user per change: ``role_granted`` / ``role_revoked`` (the
    group's name), ``permission_granted`` / ``permission_revoked`` (``app_label.codename``),
    ``superuser`` and ``staff`` (old and new value). Refuses anyone but an active superuser,
    and a superuser taking away their own superuser status (the last door back in). A
    privileged role or flag given revokes the user's API tokens and tells them
    (``privileged_role_given``); otherwise it does not tell the user. Does not end their
    sessions.
    """
    _require_superuser(actor, _("Only a superuser can change roles and permissions."))
    user = User.objects.select_for_update().get(pk=user.pk)
    given = []  # the privileged roles this call gives (``privileged_role_given``)
    if is_superuser is False and user.pk == actor.pk and user.is_superuser:
        raise DomainError(
            _("You cannot take away your own superuser status."),
            code="forbidden",
            field="is_superuser",
        )
    for flag, action, value in (
        ("is_superuser", "superuser", is_superuser),
        ("is_staff", "staff", is_staff),
    ):
        if value is None or getattr(user, flag) == bool(value):
            continue
        old = getattr(user, flag)
        setattr(user, flag, bool(value))
        user.save(update_fields=[flag])
        if value:
            given.append(flag)
        record_audit_event(
            subject=user, action=action, actor=actor, old_value=str(old), new_value=str(bool(value))
        )
    if groups is not None:
        current = set(user.groups.all())
        wanted = set(groups)
        for group in sorted(wanted - current, key=lambda g: g.name):
            user.groups.add(group)
            record_audit_event(
                subject=user, action="role_granted", actor=actor, new_value=group.name
            )
            if group.name in roles.PRIVILEGED_ROLES:
                given.append(group.name)
        for group in sorted(current - wanted, key=lambda g: g.name):
            user.groups.remove(group)
            record_audit_event(
                subject=user, action="role_revoked", actor=actor, old_value=group.name
            )
    if user_permissions is not None:
        _sync_permissions(user, user.user_permissions, user_permissions, actor=actor)
    _forget_roles(user)
    if given:
        privileged_role_given(user=user, actor=actor, role=given[0])
    # A staff role on a member of an applicant organisation: the same rule as joining one
    # with a staff role (``refuse_joining_if_staff``), asked the other way round.
    for membership in user.memberships.select_related("organization"):
        refuse_joining_if_staff(
            user,
            membership.organization,
            _(
                "%(email)s is a member of %(organization)s, an applicant organisation: "
                "secretariat staff and programme admins belong to none. End that membership "
                "first."
            )
            % {"email": user.email, "organization": membership.organization.display_name},
        )
    return user


def _permission_label(permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def _sync_permissions(subject, manager, permissions, *, actor) -> None:
    """Make ``manager`` (a user's or a group's permissions) hold exactly ``permissions``, with
    one audit row on ``subject`` per permission granted or revoked."""
    current = set(manager.select_related("content_type"))
    wanted = set(permissions)
    for permission in sorted(wanted - current, key=_permission_label):
        manager.add(permission)
        record_audit_event(
            subject=subject,
            action="permission_granted",
            actor=actor,
            new_value=_permission_label(permission)[:64],
            detail={"permission": _permission_label(permission)},
        )
    for permission in sorted(current - wanted, key=_permission_label):
        manager.remove(permission)
        record_audit_event(
            subject=subject,
            action="permission_revoked",
            actor=actor,
            old_value=_permission_label(permission)[:64],
            detail={"permission": _permission_label(permission)},
        )


@transaction.atomic
def set_group_permissions(*, group: Group, permissions, actor: User) -> Group:
    """A superuser changes the permissions a role group gives its members. One audit row on
    the group per permission granted or revoked (``permission_granted`` /
    ``permission_revoked``). Refuses anyone but an active superuser."""
    _require_superuser(actor, _("Only a superuser can change roles and permissions."))
    group = Group.objects.select_for_update().get(pk=group.pk)
    _sync_permissions(group, group.permissions, permissions, actor=actor)
    return group


@transaction.atomic
def set_user_active(*, user: User, active: bool, actor: User) -> User:
    """Deactivate an account (it can no longer log in) or reactivate it; audited as
    ``active`` with the old and new value.

    Programme admins and superusers; only a superuser changes a superuser's account, and
    nobody deactivates their own. Idempotent (no row when nothing changes). Sends nothing.
    A deactivated account's open invitations are revoked (``revoke_invitations_sent_by``).
    """
    _require_programme_admin(actor, _("Only a programme admin can deactivate accounts."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_superuser and not actor.is_superuser:
        raise DomainError(_("Only a superuser can change a superuser's account."), code="forbidden")
    if user.pk == actor.pk and not active:
        raise DomainError(
            _("You cannot deactivate your own account."), code="forbidden", field="is_active"
        )
    if user.is_active == active:
        return user
    old = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    record_audit_event(
        subject=user, action="active", actor=actor, old_value=str(old), new_value=str(active)
    )
    if not active:
        revoke_invitations_sent_by(user=user, actor=actor, reason="account_deactivated")
    return user


@transaction.atomic
def set_user_password(*, user: User, password: str | None, actor: User) -> User:
    """A superuser sets another account's password, or with ``None`` disables password
    log-in for it. Audited as ``password_set`` / ``password_disabled`` (never the password).
    The caller validates the password (the admin's form runs the validators)."""
    _require_superuser(actor, _("Only a superuser can set another account's password."))
    user = User.objects.select_for_update().get(pk=user.pk)
    # Before the save, so the revocations carry the superuser as their actor.
    revoke_api_tokens_after_password_change(user=user, actor=actor)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    record_audit_event(
        subject=user,
        action="password_set" if password is not None else "password_disabled",
        actor=actor,
    )
    return user


@transaction.atomic
def create_user_account(*, email: str, name: str, password: str | None, actor: User) -> User:
    """A superuser opens an account (a staff member's, typically) without any role: roles
    are then given with ``set_user_roles``. Audited as ``created``; sends nothing."""
    _require_superuser(actor, _("Only a superuser can open accounts here."))
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(_("An account with this e-mail address already exists."), field="email")
    user = User(email=email, name=(name or "").strip())
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    _clean(user)
    user.save()
    record_audit_event(subject=user, action="created", actor=actor)
    return user


# The fields of an organisation's record a programme admin corrects in the back office.
ORGANIZATION_RECORD_FIELDS = (
    "name",
    "name_ko",
    "kind",
    "country_code",
    "email_domain",
    "website",
    "address",
    "business_registration_number",
)


@transaction.atomic
def update_organization_record(
    *, organization: Organization, actor: User, **fields
) -> Organization:
    """A programme admin corrects an organisation's record, its kind and country included
    (they decide the tracks it may apply to, which is why its owner cannot change them with
    ``update_organization``). Audited as ``updated`` with the old and new value of every
    changed field. Refuses other fields and anyone but a programme admin."""
    _require_programme_admin(actor, _("Only a programme admin can correct an organisation."))
    unknown = set(fields) - set(ORGANIZATION_RECORD_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))},
            code="fixed_field",
        )
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _save_organization_changes(organization, actor=actor, fields=fields)
    return organization


@transaction.atomic
def add_membership(*, user: User, organization: Organization, role: str, actor: User) -> Membership:
    """A superuser makes ``user`` a member of ``organization`` (a secretariat membership is a
    track scope). Audited on the organisation as ``member_added``."""
    _require_superuser(actor, _("Only a superuser can change memberships."))
    refuse_joining_if_staff(user, organization)
    membership = Membership(user=user, organization=organization, role=role)
    _clean(membership)
    membership.save()
    record_audit_event(
        subject=organization,
        action="member_added",
        actor=actor,
        new_value=role,
        detail={"user": user.pk, "email": user.email},
    )
    _forget_roles(user)
    _membership_started(membership, actor=actor)
    return membership


def _refuse_removing_the_last_owner(membership: Membership) -> None:
    """Refuse to end the ownership ``membership`` holds when nobody else owns the
    organisation: nobody could then invite a colleague or keep its details from the portal.
    A Korean agency is not concerned (a superuser manages its members; its owner has no
    rights there). Locks the organisation's owner rows, so two removals cannot each leave
    the other's."""
    organization = membership.organization
    if (
        membership.role != Membership.Role.OWNER
        or organization.kind == Organization.Kind.KOREAN_AGENCY
    ):
        return
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    if not set(owners) - {membership.pk}:
        raise DomainError(
            _(
                "The organisation would be left without an owner. Make another member an "
                "owner first."
            ),
            code="last_owner",
            field="role",
        )


def _end_membership(
    membership: Membership, *, actor: User, reason: str, action: str = "member_removed"
) -> None:
    """Delete ``membership`` (the last-owner check passed), revoke the invitations its user
    sent to the organisation and write the audit row (``action``) on the organisation."""
    _refuse_removing_the_last_owner(membership)
    record_audit_event(
        subject=membership.organization,
        action=action,
        actor=actor,
        old_value=membership.role,
        detail={"user": membership.user_id, "email": membership.user.email, "reason": reason},
    )
    revoke_invitations_sent_by(
        user=membership.user, actor=actor, reason=reason, organization=membership.organization
    )
    membership.delete()
    _forget_roles(membership.user)


def _locked_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update()
        .select_related("user", "organization")
        .get(pk=membership.pk)
    )


@transaction.atomic
def change_membership_role(*, membership: Membership, role: str, actor: User) -> Membership:
    """A superuser makes a member an owner or a plain member; audited on the organisation.
    Refuses to demote the organisation's last owner; a demoted owner's open invitations to it
    are revoked."""
    _require_superuser(actor, _("Only a superuser can change memberships."))
    membership = _locked_membership(membership)
    old = membership.role
    if old == Membership.Role.OWNER and role != Membership.Role.OWNER:
        _refuse_removing_the_last_owner(membership)
    membership.role = role
    _clean(membership)
    membership.save(update_fields=["role"])
    record_audit_event(
        subject=membership.organization,
        action="member_role",
        actor=actor,
        old_value=old,
        new_value=role,
        detail={"user": membership.user_id, "email": membership.user.email},
    )
    if old == Membership.Role.OWNER and role != Membership.Role.OWNER:
        revoke_invitations_sent_by(
            user=membership.user,
            actor=actor,
            reason="owner_demoted",
            organization=membership.organization,
        )
    return membership


@transaction.atomic
def remove_membership(*, membership: Membership, actor: User) -> None:
    """A superuser takes a member out of an organisation; audited on the organisation.
    Refuses to remove its last owner; the member's open invitations to it are revoked."""
    _require_superuser(actor, _("Only a superuser can change memberships."))
    _end_membership(_locked_membership(membership), actor=actor, reason="member_removed")


# --- Leaving and removing members from the organisation's page ------------------------------


@transaction.atomic
def leave_organization(*, organization: Organization, actor: User) -> None:
    """``actor`` leaves ``organization`` (its drafts and applications stay the
    organisation's). Refused to a Korean agency's members (a superuser's to change) and to
    its last owner. Their open invitations to it are revoked; audited as ``member_left``."""
    if not actor.has_perm(rules.LEAVE_ORGANIZATION, organization):
        raise DomainError(
            _("Only a superuser changes the members of this organisation."), code="forbidden"
        )
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "organization")
        .get(user=actor, organization=organization)
    )
    _end_membership(membership, actor=actor, reason="member_left", action="member_left")


@transaction.atomic
def remove_member(*, membership: Membership, actor: User) -> None:
    """An owner (or a programme admin) takes a member out of the organisation: the rule of
    managing it (``accounts.manage_organization``; never a Korean agency's owner). Refuses to
    remove its last owner. The member's open invitations to it are revoked; audited as
    ``member_removed``. Leaving oneself is ``leave_organization``."""
    membership = _locked_membership(membership)
    if not actor.has_perm("accounts.manage_organization", membership.organization):
        raise DomainError(_("Only the organisation's owner can remove members."), code="forbidden")
    _end_membership(membership, actor=actor, reason="member_removed")
