from django.conf import settings

from accounts import roles, sessions


def portal(request):
    """Roles of the current user, for the navigation only; views enforce the rules themselves."""
    user = getattr(request, "user", None)
    user_roles = roles.user_roles(user) if user is not None else frozenset()
    return {
        "user_roles": user_roles,
        "is_portal_staff": bool(user_roles & {roles.PROGRAMME_ADMIN, roles.SECRETARIAT_STAFF}),
        # The page the user's role starts from (URL name, label), for the front page's way in.
        "role_home": roles.home_for(user) if user_roles else None,
        "PROGRAMME_TIME_ZONE": settings.PROGRAMME_TIME_ZONE,
        # How often a page being typed in tells the server the user is there (seconds; 0: no
        # idle limit, never), so that an idle log-out does not take what is being typed.
        "session_alive_every": sessions.alive_every(user),
    }
