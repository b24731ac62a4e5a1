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


# Django model permissions behind the back office (the admin). Programme admins hold every
# permission of the portal's apps; secretariat staff view and change the track-scoped models
# (the admin narrows the rows to their own tracks) and look up the shared reference data. They
# also record and correct the programme's events (``projects.manage_events``, as the services
# and the staff events pages ask it); deleting one stays a programme admin's.
PORTAL_APPS = (
    "accounts",
    "projects",
    "applications",
    "reviews",
    "results",
    "awards",
    "notifications",
)
SECRETARIAT_MODEL_PERMISSIONS = {
    "projects": {
        "country": ("view",),
        "city": ("view",),
        "call": ("view",),
        "track": ("view", "change"),
        "project": ("view", "change"),
        "event": ("view", "add", "change"),
    },
    "accounts": {"organization": ("view",)},
    "applications": {
        "application": ("view", "change"),
        "consortiummember": ("view",),
        "document": ("view",),
        "clarificationrequest": ("view", "change"),
    },
    "reviews": {
        "criterion": ("view", "change"),
        "committeemember": ("view", "change"),
        "reviewerinvitation": ("view", "change"),
        "conflictdeclaration": ("view",),
        "assignment": ("view", "change"),
        "score": ("view",),
        "job": ("view",),
    },
    "results": {
        "applicationresult": ("view",),
        "reviewertrackstat": ("view",),
        "decision": ("view", "change"),
    },
    "awards": {
        "award": ("view", "change"),
        "deliverable": ("view", "change"),
    },
}


def ensure_role_groups() -> None:
    """Create the role groups and give the staff roles their back-office model permissions.

    Idempotent: only adds what is missing; never removes a permission granted by hand.
    """
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    groups[PROGRAMME_ADMIN].permissions.add(
        *Permission.objects.filter(content_type__app_label__in=PORTAL_APPS)
    )
    wanted = Q(pk__in=[])
    for app_label, models in SECRETARIAT_MODEL_PERMISSIONS.items():
        for model, actions in models.items():
            wanted |= Q(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
    groups[SECRETARIAT_STAFF].permissions.add(*Permission.objects.filter(wanted))


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


# Where each role starts (docs/architecture.md, "Role homes"): the first role in this order
# that the user holds decides. URL names, not imports: the pages live in higher apps.
ROLE_HOMES = (
    (PROGRAMME_ADMIN, "staff_reporting:index", _("Staff area")),
    (SECRETARIAT_STAFF, "staff_reporting:index", _("Staff area")),
    (REVIEWER, "reviews:workspace", _("My reviews")),
    (APPLICANT, "applications:dashboard", _("My applications")),
    (CONTRACTOR, "applications:dashboard", _("My projects")),
)


def home_for(user) -> tuple[str, str] | None:
    """The URL name and label of the page the user's role starts from: where a log-in with no
    page to return to lands, and the front page's way in. None for a user with no role."""
    held = user_roles(user)
    for role, url_name, label in ROLE_HOMES:
        if role in held:
            return url_name, label
    return None


# Roles that read other people's proposals, scores and personal data. Their accounts need a
# second factor (accounts.two_factor) and end after a shorter idle time (accounts.sessions).
PRIVILEGED_ROLES = frozenset({PROGRAMME_ADMIN, SECRETARIAT_STAFF, REVIEWER})


def is_privileged(user) -> bool:
    """Staff, reviewers, and anyone who may open the back office (``is_staff``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or user_roles(user) & PRIVILEGED_ROLES)
