from django.urls import include, path

from . import dashboard_views, views

app_name = "projects"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("events/", views.events, name="events"),
    path("programme/", dashboard_views.programme_public, name="programme_dashboard"),
    path("deliverables/", include("projects.deliverable_urls")),
    path("portfolio/<str:code>/", views.project_detail, name="project_detail"),
    path("<slug:slug>/", views.call_detail, name="call_detail"),
]
