from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# No ReDoc: its styled components need inline styles the Content-Security-Policy refuses, and it
# fetches web fonts from the internet. Swagger UI (from the sidecar package) works under it: the
# split view serves its start-up script as a file of its own (/api/docs/?script) instead of an
# inline <script>, and core.middleware allows the page's one inline <style> block by its hash.
urlpatterns = [
    path("v1/", include("kcity.api.v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
