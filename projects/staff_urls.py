from django.urls import path

from projects import staff_views as views

app_name = "staff_projects"
urlpatterns = [
    path("", views.calls, name="calls"),
    path("<int:call_id>/", views.call_detail, name="call"),
    path("<int:call_id>/copy/", views.call_copy, name="call_copy"),
    path("<int:call_id>/status/", views.call_status, name="call_status"),
    path("tracks/<int:track_id>/preview/", views.track_preview, name="track_preview"),
    path("tracks/<int:track_id>/documents/", views.requirements, name="requirements"),
    path("documents/<int:pk>/edit/", views.requirement_edit, name="requirement_edit"),
    path("documents/<int:pk>/move/", views.requirement_move, name="requirement_move"),
    path("documents/<int:pk>/delete/", views.requirement_delete, name="requirement_delete"),
]
