from django.core.exceptions import PermissionDenied
from django.http import JsonResponse


def healthz(request):
    """Liveness probe for the load balancer: answers without touching the database."""
    return JsonResponse({"status": "ok"})


def require_perm(request, permission: str, obj=None) -> None:
    """Refuse the request (403) unless the user has ``permission`` (on ``obj``): the views'
    one way of asking a rule that answers 403 rather than hiding the object with a 404."""
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied
