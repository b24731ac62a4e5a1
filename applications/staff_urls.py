from django.urls import path

from applications import staff_views

app_name = "staff_applications"
urlpatterns = [
    path("tracks/<int:track_id>/screening/", staff_views.screening, name="screening"),
    path("<int:pk>/screen/", staff_views.screen, name="screen"),
    path(
        "tracks/<int:track_id>/applications/",
        staff_views.track_applications,
        name="track_applications",
    ),
]
