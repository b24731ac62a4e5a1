"""Reads about people and organisations."""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import Membership, Organization, OrganizationInvitation


def is_member(user, organization: str = "organization") -> Exists:
    """A row's condition: ``user`` is a member of the organisation its ``organization`` path
    names (``"contractor"``, ``"project__contractor"``, ``"secretariat"``...).

    A semi-join rather than a join through ``memberships``: each row comes out once, so the
    query needs no ``DISTINCT``. On PostgreSQL a ``DISTINCT`` over a list's wide rows and
    joined tables cost 15-20 ms of planning per statement (docs/performance.md)."""
    return Exists(Membership.objects.filter(organization=OuterRef(organization), user=user))


def organizations_for_user(user) -> QuerySet[Organization]:
    """The organisations the user belongs to."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")


def applicant_organization_for_user(user) -> Organization | None:
    """The organisation a user applies for: the first of their non-agency organisations."""
    return (
        organizations_for_user(user)
        .exclude(kind=Organization.Kind.KOREAN_AGENCY)
        .order_by("memberships__created_at", "pk")
        .first()
    )


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
