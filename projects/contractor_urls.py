"""Staff screens for funded projects and their contractor selection, under /staff/projects/."""

from django.urls import path

from . import contractor_views as views

app_name = "contractor"
urlpatterns = [
    path("", views.project_list, name="projects"),
    path("<str:code>/", views.project_detail, name="project"),
    path("<str:code>/contractor/<int:call_id>/", views.selection_result, name="result"),
    path(
        "<str:code>/contractor/<int:call_id>/publish/",
        views.publish_selection,
        name="publish",
    ),
    path("<str:code>/contractor/<int:call_id>/winner/", views.record_winner, name="winner"),
]
