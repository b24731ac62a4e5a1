"""The portal's roles. Each role is a Django group with one of these names.

Secretariat staff are scoped to tracks through their organisation: a member of KIND who holds
the ``secretariat_staff`` role works on every track whose secretariat is KIND.
"""

from django.utils.translation import gettext_lazy as _

PROGRAMME_ADMIN = "programme_admin"
SECRETARIAT_STAFF = "secretariat_staff"
REVIEWER = "reviewer"
APPLICANT = "applicant"
CONTRACTOR = "contractor"

ROLES = {
    PROGRAMME_ADMIN: _("Programme admin (MOLIT)"),
    SECRETARIAT_STAFF: _("Secretariat staff (KIND / KAIA)"),
    REVIEWER: _("Reviewer (external expert)"),
    APPLICANT: _("Applicant"),
    CONTRACTOR: _("Contractor (Korean company)"),
}


def ensure_role_groups() -> None:
    """Create the role groups if they are missing. Idempotent; writes nothing else."""
    from django.contrib.auth.models import Group

    for name in ROLES:
        Group.objects.get_or_create(name=name)


def user_roles(user) -> frozenset[str]:
    """The role names the user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_kcity_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {PROGRAMME_ADMIN}
        user._kcity_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in user_roles(user)
