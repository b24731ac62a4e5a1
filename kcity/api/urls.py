from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# No ReDoc: its styled components need inline styles the Content-Security-Policy refuses, and it
# fetches web fonts from the internet. Swagger UI (from the sidecar package) works under both.
urlpatterns = [
    path("v1/", include("kcity.api.v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
