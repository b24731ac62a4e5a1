from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("events/", views.events, name="events"),
    path("events/materials/<int:pk>/", views.event_material, name="event_material"),
    path("portfolio/<str:code>/", views.project_detail, name="project_detail"),
    path("<slug:slug>/", views.call_detail, name="call_detail"),
    path(
        "<slug:slug>/documents/<int:pk>/template/",
        views.document_template,
        name="document_template",
    ),
]
