from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("profile/", views.profile, name="profile"),
    path("declaration/", views.declaration, name="declaration"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/declare/", views.declare, name="declare"),
    path("assignments/<int:pk>/decline/", views.decline, name="decline"),
    path("assignments/<int:pk>/report-conflict/", views.report_conflict, name="report_conflict"),
    path("assignments/<int:pk>/application/", views.application_view, name="application"),
    path("assignments/<int:pk>/score/", views.score, name="score"),
    path("tracks/<int:track_id>/browse/", views.browse, name="browse"),
    path("browse/<int:pk>/", views.browse_application, name="browse_application"),
    path(
        "assignments/<int:pk>/documents/<uuid:document>/",
        views.document_download,
        name="document_download",
    ),
]
