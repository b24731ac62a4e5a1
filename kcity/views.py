from django.http import JsonResponse
from django.shortcuts import render

from projects.selectors import public_calls


def home(request):
    """The public front page: open and upcoming calls, and the way in for each role."""
    calls = public_calls()[:6]
    return render(request, "home.html", {"calls": calls})


def healthz(request):
    return JsonResponse({"status": "ok"})
