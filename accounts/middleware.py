import zoneinfo

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Activates the logged-in user's time zone; their language when no explicit choice was made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tz_name = None
        if user is not None and user.is_authenticated:
            tz_name = user.time_zone
            if not request.COOKIES.get("django_language") and user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        tz_name = tz_name or request.COOKIES.get("kcity_tz")
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)
