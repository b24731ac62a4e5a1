"""Object rules about people and organisations, named as questions."""

import rules

from accounts import roles


@rules.predicate
def is_programme_admin(user) -> bool:
    return roles.has_role(user, roles.PROGRAMME_ADMIN)


@rules.predicate
def is_secretariat_staff(user) -> bool:
    return roles.has_role(user, roles.SECRETARIAT_STAFF)


@rules.predicate
def is_organization_member(user, organization) -> bool:
    if organization is None or not user.is_authenticated:
        return False
    return organization.memberships.filter(user=user).exists()


@rules.predicate
def is_organization_owner(user, organization) -> bool:
    if organization is None or not user.is_authenticated:
        return False
    return organization.memberships.filter(user=user, role="owner").exists()


@rules.predicate
def is_korean_agency(user, organization) -> bool:
    """A secretariat or the ministry: its memberships are track scopes, which only a superuser
    grants (``accounts.services.add_membership``)."""
    return organization is not None and organization.kind == organization.Kind.KOREAN_AGENCY


@rules.predicate
def is_same_user(user, other) -> bool:
    return other is not None and getattr(other, "pk", None) == user.pk


is_portal_staff = is_programme_admin | is_secretariat_staff


@rules.predicate
def may_join_organization(user, organization) -> bool:
    """Whether ``user`` may become a member of ``organization``. Programme admins and
    secretariat staff run the programme: they belong to a Korean agency (a track scope), never
    to an applicant organisation, whose applications they would otherwise screen, review and
    decide (docs/security.md, "People with two roles"). Reviewers may: their conflict of
    interest with its applications is then detected (``reviews.conflicts``)."""
    return organization is not None and (
        is_korean_agency(user, organization) or not is_portal_staff(user)
    )


# Asked by every door that starts a membership (``accounts.services``: accepting an
# invitation, creating an organisation, a superuser adding a member or giving a staff role).
JOIN_ORGANIZATION = "accounts.join_organization"
rules.add_perm(JOIN_ORGANIZATION, may_join_organization)

VIEW_STAFF_AREA = "accounts.view_staff_area"
rules.add_perm(VIEW_STAFF_AREA, is_portal_staff)
rules.add_perm("accounts.view_organization", is_organization_member | is_portal_staff)
# An owner manages an applicant's organisation (details, invitations); a Korean agency's owner
# does not: who joins a secretariat decides whose tracks they work on.
rules.add_perm(
    "accounts.manage_organization",
    (is_organization_owner & ~is_korean_agency) | is_programme_admin,
)
# Leaving an organisation from its page (``accounts.services.leave_organization``): its
# members, except of a Korean agency (a superuser's, as every change of who belongs to it).
LEAVE_ORGANIZATION = "accounts.leave_organization"
rules.add_perm(LEAVE_ORGANIZATION, is_organization_member & ~is_korean_agency)
# The outbox's "queue the e-mail again" (notifications knows users only by permissions).
rules.add_perm("notifications.retry_delivery", is_programme_admin)
# Editing the e-mail templates, and sending messages held for review (decision e-mails).
rules.add_perm("notifications.edit_message_templates", is_programme_admin)
rules.add_perm("notifications.release_held_messages", is_programme_admin)
# Resetting a colleague's second factor (a lost phone): programme admins, never their own.
RESET_SECOND_FACTOR = "accounts.reset_second_factor"
rules.add_perm(RESET_SECOND_FACTOR, is_programme_admin & ~is_same_user)
# Clearing a log-in lock-out before its cool-off (a locked-out reviewer who called): programme
# admins, through ``accounts.lockout.clear_lockout`` (audited).
CLEAR_LOCKOUT = "accounts.clear_lockout"
rules.add_perm(CLEAR_LOCKOUT, is_programme_admin)
# Deciding a person's erasure request (accounts.privacy): programme admins, never their own.
DECIDE_ERASURE = "accounts.decide_erasure_request"


@rules.predicate
def is_own_erasure_request(user, erasure_request) -> bool:
    return erasure_request is not None and erasure_request.user_id == user.pk


rules.add_perm(DECIDE_ERASURE, is_programme_admin & ~is_own_erasure_request)
