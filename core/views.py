from django.http import JsonResponse


def healthz(request):
    """Liveness probe for the load balancer: answers without touching the database."""
    return JsonResponse({"status": "ok"})
