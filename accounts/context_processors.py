from django.conf import settings

from accounts import roles


def portal(request):
    """Roles of the current user, for the navigation only; views enforce the rules themselves."""
    user = getattr(request, "user", None)
    user_roles = roles.user_roles(user) if user is not None else frozenset()
    return {
        "user_roles": user_roles,
        "is_portal_staff": bool(user_roles & {roles.PROGRAMME_ADMIN, roles.SECRETARIAT_STAFF}),
        "PROGRAMME_TIME_ZONE": settings.PROGRAMME_TIME_ZONE,
    }
