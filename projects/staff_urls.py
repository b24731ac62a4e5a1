from django.urls import include, path

from . import staff_views

app_name = "staff_projects"
urlpatterns = [
    path("", staff_views.index, name="index"),
    path("statistics/", staff_views.statistics, name="statistics"),
    path("dashboards/", include("projects.dashboard_urls")),
    path("projects/", include("projects.contractor_urls")),
]
