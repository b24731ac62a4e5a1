"""Reads about people and organisations."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, Organization, OrganizationInvitation, User


def is_member(user, organization: str = "organization") -> Exists:
    """A row's condition: ``user`` is a member of the organisation its ``organization`` path
    names (``"contractor"``, ``"project__contractor"``, ``"secretariat"``...).

    A semi-join rather than a join through ``memberships``: each row comes out once, so the
    query needs no ``DISTINCT``. On PostgreSQL a ``DISTINCT`` over a list's wide rows and
    joined tables cost 15-20 ms of planning per statement (docs/performance.md)."""
    return Exists(Membership.objects.filter(organization=OuterRef(organization), user=user))


def may_receive_mail(user) -> bool:
    """Whether the portal still writes to ``user``: an active account, not anonymised (an
    erased account is made inactive too; its address is a placeholder). The one definition
    that ``reachable_users`` puts in SQL."""
    return user is not None and user.is_active and user.anonymised_at is None


def reachable_users() -> QuerySet[User]:
    """The accounts the portal still writes to (``may_receive_mail``): a deactivated or
    anonymised account gets neither e-mail nor in-app notice."""
    return User.objects.filter(is_active=True, anonymised_at__isnull=True)


def members_to_tell(organization) -> QuerySet[User]:
    """The members of ``organization`` (an organisation or its id) who receive its mail: its
    applications', agreements' and deliverables' notices. Active, not anonymised accounts
    (``reachable_users``), each once, in a stable order. An empty queryset for None."""
    if organization is None:
        return User.objects.none()
    organization_id = getattr(organization, "pk", organization)
    member = Membership.objects.filter(organization_id=organization_id, user=OuterRef("pk"))
    return reachable_users().filter(Exists(member)).order_by("pk")


def organizations_for_user(user) -> QuerySet[Organization]:
    """The organisations the user belongs to."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")


def applicant_organizations_for_user(user) -> QuerySet[Organization]:
    """The organisations a user may apply for (not a Korean agency), the one they joined
    first first: a member of several chooses which one a new application is for."""
    return (
        organizations_for_user(user)
        .exclude(kind=Organization.Kind.KOREAN_AGENCY)
        .order_by("memberships__created_at", "pk")
    )


def applicant_organization_for_user(user) -> Organization | None:
    """The organisation a user applies for by default: the first they joined of
    ``applicant_organizations_for_user``."""
    return applicant_organizations_for_user(user).first()


def open_invitations_for_organization(organization) -> QuerySet[OrganizationInvitation]:
    return organization.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def open_invitations_for_user(user) -> QuerySet[OrganizationInvitation]:
    """Invitations addressed to the user's own e-mail address that are still open."""
    if not user.is_authenticated:
        return OrganizationInvitation.objects.none()
    return OrganizationInvitation.objects.filter(
        email__iexact=user.email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("organization", "invited_by")


def has_submitted_application(organization) -> bool:
    """Whether the organisation has submitted an application (to any call, at either stage,
    withdrawn since or not): one made before submission and withdrawn does not count. A
    concept note shortlisted for the full proposal has ``submitted_at`` cleared (it is a draft
    of the full proposal again) and keeps ``concept_submitted_at``: it counts.

    Read through the reverse relation (``applications`` sits above ``accounts``)."""
    return organization.applications.filter(
        Q(submitted_at__isnull=False) | Q(concept_submitted_at__isnull=False)
    ).exists()
