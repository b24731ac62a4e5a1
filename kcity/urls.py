from django.contrib import admin
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from django.urls import include, path, re_path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from accounts.privacy_views import privacy_notice
from core.api.views import api_not_found
from core.views import favicon, healthz, local_next, readyz, robots_txt
from projects.views import home

admin.site.site_header = _("K-City Network Portal — back office")
admin.site.site_title = _("K-City Network")
admin.site.index_title = _("Programme administration")

# Back-office addresses of the models that moved into the results and awards apps (bookmarks,
# links in old e-mails): the same page under the model's new app label, query string kept.
MOVED_ADMIN_MODELS = {
    "reviews/applicationresult": "results/applicationresult",
    "reviews/reviewertrackstat": "results/reviewertrackstat",
    "reviews/decision": "results/decision",
    "reviews/award": "awards/award",
    "projects/deliverable": "awards/deliverable",
}


def admin_login(request):
    """The back office has no log-in form of its own: its log-in page sends people to the
    portal's (one lock-out, then the second factor), and back to the back office after."""
    next_path = local_next(request.GET.get("next"))
    target = reverse("accounts:login") + "?" + urlencode({"next": next_path or "/admin/"})
    return HttpResponseRedirect(target)


def moved_admin_model(request, model: str, rest: str):
    query = request.META.get("QUERY_STRING", "")
    target = f"/admin/{MOVED_ADMIN_MODELS[model]}/{rest}" + (f"?{query}" if query else "")
    return HttpResponsePermanentRedirect(target)


urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("privacy/", privacy_notice, name="privacy"),
    path("readyz", readyz, name="readyz"),
    path("robots.txt", robots_txt, name="robots"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    re_path(
        r"^admin/(?P<model>" + "|".join(MOVED_ADMIN_MODELS) + r")/(?P<rest>.*)$",
        moved_admin_model,
    ),
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    # Before projects: its call pages take any /calls/<slug>/.
    path("", include("reporting.urls")),
    path("", include("awards.urls")),
    path("calls/", include("projects.urls")),
    path("applications/", include("applications.urls")),
    path("reviews/", include("reviews.urls")),
    path("notifications/", include("notifications.urls")),
    path("staff/", include("kcity.staff_urls")),
    path("api/", include("kcity.api.urls")),
    # Last: any other path under /api/ answers a JSON 404 (core.api.views), never the HTML page.
    re_path(r"^api/", api_not_found),
]

# Errors raised outside a view under /api/ answer JSON; elsewhere the site's own pages.
handler400 = "core.api.views.bad_request"
handler403 = "core.api.views.permission_denied"
handler500 = "core.api.views.server_error"
