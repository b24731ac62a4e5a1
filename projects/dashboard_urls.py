"""Staff dashboards, included under /staff/dashboards/."""

from django.urls import path

from . import dashboard_views as views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("calls/<slug:slug>/", views.call_dashboard, name="call"),
]
