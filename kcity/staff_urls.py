"""Purpose-built staff screens under /staff/ (each app contributes its own module)."""

from django.urls import include, path

urlpatterns = [
    path("", include("projects.staff_urls")),
    path("applications/", include("applications.staff_urls")),
    path("reviews/", include("reviews.staff_urls")),
]
