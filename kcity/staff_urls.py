"""Purpose-built staff screens under /staff/ (each app contributes its own module)."""

from django.urls import include, path

urlpatterns = [
    path("", include("reporting.staff_urls")),
    path("", include("awards.staff_urls")),
    path("calls/", include("projects.staff_urls")),
    path("events/", include("projects.event_urls")),
    path("applications/", include("applications.staff_urls")),
    path("reviews/results/", include("results.urls")),
    path("reviews/", include("reviews.staff_urls")),
    path("messages/", include("notifications.staff_urls")),
]
