from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from core.views import healthz
from projects.views import home

admin.site.site_header = _("K-City Network Portal — back office")
admin.site.site_title = _("K-City Network")
admin.site.index_title = _("Programme administration")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
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
]
