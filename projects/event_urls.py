"""The staff screens of the programme's events, included under /staff/events/."""

from django.urls import path

from projects import event_views

app_name = "staff_events"
urlpatterns = [
    path("", event_views.event_list, name="events"),
    path("<int:pk>/", event_views.event_detail, name="event"),
]
