"""The review committee: invitations, members and reviewer profiles."""

import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.audit import record_audit_event
from accounts.models import ReviewerProfile, User
from accounts.services import privileged_role_given, require_verified_email
from core.domain import TOO_LONG, DomainError, clean_or_refuse, require_permission
from core.transitions import allowed_moves, apply_transition
from notifications.services import in_each_language, language_for_address, queue_message
from projects.models import Track
from projects.rules import MANAGE_TRACK
from projects.services import NOT_YOUR_TRACK
from reviews.models import (
    Assignment,
    CommitteeMember,
    ReviewerInvitation,
)

INVITATION_VALID_DAYS = 30

ALREADY_WAITING = _("An invitation to this address is already waiting for an answer.")
ALREADY_MEMBER = _("This expert is already on the committee.")
NOT_AN_EMAIL = _("This is not a valid e-mail address.")

IS = ReviewerInvitation.Status
# pending → accepted | declined (the invited person) | revoked (staff); every answer is final.
INVITATION_TRANSITIONS: dict[str, set[str]] = {
    IS.PENDING: {IS.ACCEPTED, IS.DECLINED, IS.REVOKED},
    IS.ACCEPTED: set(),
    IS.DECLINED: set(),
    IS.REVOKED: set(),
}


def track_names(track: Track) -> dict[str, str]:
    """The call and track as a reader names them, in each language (for message contexts)."""
    return in_each_language("track", lambda: f"{track.call.display_name} — {track.display_name}")


def normalised_email(email: str) -> str:
    """An invited address as the portal stores and compares it: trimmed, lower case."""
    return (email or "").strip().lower()


def invitation_refusal(track: Track, email: str, name: str = "") -> DomainError | None:
    """Why ``invite_reviewer`` would refuse to invite ``email`` (and ``name``) to the track's
    committee now, or None when it would invite. The one place of these rules: the service
    raises what this returns, and the file import's preview shows it row by row (codes
    ``invalid_email``, ``name_too_long``, ``member``, ``pending``). Reads only; asks no
    permission (the caller does)."""
    email = normalised_email(email)
    try:
        validate_email(email)
    except ValidationError:
        return DomainError(NOT_AN_EMAIL, code="invalid_email", field="email")
    if len(email) > ReviewerInvitation._meta.get_field("email").max_length:
        return DomainError(NOT_AN_EMAIL, code="invalid_email", field="email")
    name_limit = ReviewerInvitation._meta.get_field("name").max_length
    if len((name or "").strip()) > name_limit:
        return DomainError(
            TOO_LONG % {"limit": name_limit, "count": len(name.strip())},
            code="name_too_long",
            field="name",
        )
    if CommitteeMember.objects.filter(track=track, reviewer__email__iexact=email).exists():
        return DomainError(ALREADY_MEMBER, code="member", field="email")
    if ReviewerInvitation.objects.filter(
        track=track, email__iexact=email, status=ReviewerInvitation.Status.PENDING
    ).exists():
        return DomainError(ALREADY_WAITING, code="pending", field="email")
    return None


@transaction.atomic
def invite_reviewer(*, track: Track, email: str, name: str = "", actor) -> ReviewerInvitation:
    """Invite an expert by e-mail to the track's committee; e-mails the accept link.

    Refuses what ``invitation_refusal`` refuses: an address that is not one, a second pending
    invitation to the same address, and someone already on the committee. Accepting needs a
    log-in with this e-mail address (see ``accept_invitation``). Only the track's staff (the
    rule is asked here, whichever door calls).
    """
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    email = normalised_email(email)
    name = (name or "").strip()
    refusal = invitation_refusal(track, email, name)
    if refusal is not None:
        raise refusal
    invitation = ReviewerInvitation(
        track=track,
        email=email,
        name=name,
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=INVITATION_VALID_DAYS),
    )
    clean_or_refuse(invitation)
    try:
        # Two invitations at once both pass the check above; the database's one pending
        # invitation per address (``reviews_one_pending_invitation``) refuses the second.
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise DomainError(ALREADY_WAITING, field="email") from exc
    record_audit_event(subject=invitation, action="invited", actor=actor, new_value="pending")
    recipient = User.objects.filter(email__iexact=email).first()
    queue_message(
        recipient=recipient,
        to_email=email,
        template="reviews/invitation",
        context={
            "name": name,
            **track_names(track),
            "expires_at": invitation.expires_at.isoformat(),
        },
        link=reverse("reviews:invitation", kwargs={"token": invitation.token}),
        channels=("email",) if recipient is None else ("email", "in_app"),
        language=language_for_address(recipient, sender=actor),
    )
    return invitation


@transaction.atomic
def invite_reviewers(
    *, track: Track, invitees: list[tuple[str, str]], actor
) -> list[ReviewerInvitation]:
    """Invite every ``(email, name)`` of ``invitees`` to the track's committee, all or nothing
    (the file import's confirm step): each goes through ``invite_reviewer`` (its checks, audit
    row and e-mail), and when one is refused nothing is invited and no e-mail leaves (they are
    queued on commit). The refusal names the address. Only the track's staff."""
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    if not invitees:
        raise DomainError(_("There is nobody to invite."), code="nothing_to_invite")
    invitations = []
    for email, name in invitees:
        try:
            invitations.append(invite_reviewer(track=track, email=email, name=name, actor=actor))
        except DomainError as exc:
            raise DomainError(
                _("Nobody was invited: %(email)s — %(reason)s")
                % {"email": normalised_email(email), "reason": exc.message},
                code=exc.code,
            ) from exc
    return invitations


@transaction.atomic
def revoke_invitation(*, invitation: ReviewerInvitation, actor) -> ReviewerInvitation:
    """Withdraw a pending invitation; its link stops working. Only the track's staff."""
    require_permission(actor, MANAGE_TRACK, invitation.track, message=NOT_YOUR_TRACK)
    return _revoke(invitation, actor=actor)


def _revoke(invitation: ReviewerInvitation, *, actor, reason: str = "") -> ReviewerInvitation:
    def prepare(row: ReviewerInvitation, old: str) -> None:
        row.responded_at = timezone.now()

    return apply_transition(
        invitation,
        to=IS.REVOKED,
        table=INVITATION_TRANSITIONS,
        actor=actor,
        refusal=_("Only a pending invitation can be revoked."),
        prepare=prepare,
        reason=reason,
    )


@transaction.atomic
def revoke_invitations_to(email: str, *, reason: str) -> int:
    """The portal itself (no actor) revokes every pending invitation to ``email``, with
    ``reason`` (an erased account's: nobody can accept it any more, and staff should not see
    it waiting for an answer). Audited as each one's status change. Returns how many."""
    pending = ReviewerInvitation.objects.filter(email__iexact=email, status=IS.PENDING)
    revoked = 0
    for invitation in pending.order_by("pk"):
        _revoke(invitation, actor=None, reason=reason)
        revoked += 1
    return revoked


@transaction.atomic
def respond_to_invitation(
    *, invitation: ReviewerInvitation, accept: bool, actor
) -> ReviewerInvitation:
    """Accept or decline a committee invitation as the invited person.

    The actor must be logged in with the invited e-mail address: knowing the link is not enough.
    Accepting adds the committee seat, the reviewer role and an empty reviewer profile; a
    reviewer role new to the actor revokes their API tokens (``privileged_role_given``).
    """
    invitation = ReviewerInvitation.objects.select_for_update().get(pk=invitation.pk)
    # Answered or withdrawn first: that says more than an expiry date or a wrong account.
    if not allowed_moves(INVITATION_TRANSITIONS, invitation.status):
        raise DomainError(_("This invitation has already been answered or withdrawn."))
    if invitation.expires_at <= timezone.now():
        raise DomainError(_("This invitation has expired; ask the secretariat for a new one."))
    if actor.email.lower() != invitation.email.lower():
        raise DomainError(
            _(
                "This invitation was sent to another e-mail address. Log in with the address "
                "the invitation was sent to."
            ),
            code="wrong_account",
        )
    if accept:
        # Whoever holds a forwarded link could otherwise register the invited address, take
        # the seat and the reviewer role, and keep the expert out of their own address.
        require_verified_email(
            actor,
            _(
                "Verify your e-mail address first (follow the link we sent you), then accept "
                "the invitation."
            ),
        )

    def prepare(row: ReviewerInvitation, old: str) -> None:
        row.responded_at = timezone.now()
        row.accepted_by = actor if accept else None

    invitation = apply_transition(
        invitation,
        to=IS.ACCEPTED if accept else IS.DECLINED,
        table=INVITATION_TRANSITIONS,
        actor=actor,
        refusal=_("This invitation has already been answered or withdrawn."),
        prepare=prepare,
    )
    if accept:
        CommitteeMember.objects.get_or_create(track=invitation.track, reviewer=actor)
        if not roles.has_role(actor, roles.REVIEWER):
            actor.groups.add(Group.objects.get_or_create(name=roles.REVIEWER)[0])
            # Revokes the API tokens made before the role, audited, and tells the user.
            privileged_role_given(user=actor, actor=actor, role=roles.REVIEWER)
        actor.__dict__.pop("_kcity_roles", None)
        ReviewerProfile.objects.get_or_create(user=actor)
    return invitation


@transaction.atomic
def remove_committee_member(*, member: CommitteeMember, actor) -> None:
    """Take a reviewer off a committee; refused while they hold open or submitted reviews.
    Only the track's staff."""
    require_permission(actor, MANAGE_TRACK, member.track, message=NOT_YOUR_TRACK)
    if Assignment.objects.filter(
        reviewer=member.reviewer,
        application__track=member.track,
        status__in=Assignment.ACTIVE_STATUSES,
    ).exists():
        raise DomainError(_("Remove this reviewer's assignments in the track first."))
    record_audit_event(
        subject=member.track,
        action="committee_member_removed",
        actor=actor,
        detail={"reviewer": member.reviewer_id},
    )
    member.delete()


@transaction.atomic
def save_reviewer_profile(*, profile: ReviewerProfile, actor) -> ReviewerProfile:
    """Save a reviewer's own profile (expertise, affiliation, companies of the last 3 years)."""
    if profile.user_id != actor.pk:
        raise DomainError(_("You can only change your own profile."))
    valid = set(ReviewerProfile.Expertise.values)
    profile.expertise = [e for e in profile.expertise if e in valid]
    clean_or_refuse(profile)
    profile.save()
    record_audit_event(subject=profile, action="changed", actor=actor)
    return profile
