"""The portal's URLs plus ``/bench-bare/``, a view that does nothing: the reference the
deadline-rush benchmark (``bench/rush.py``) measures submissions against, through the same
gunicorn workers and middleware. Only ``bench.rush_settings`` uses this URLconf."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench-bare/", bare),
    path("", include("kcity.urls")),
]

handler400 = "core.api.views.bad_request"
handler403 = "core.api.views.permission_denied"
handler500 = "core.api.views.server_error"
