"""Staff results screens, included under /staff/reviews/results/."""

from django.urls import path

from results import views

app_name = "staff_results"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:track_id>/", views.board, name="board"),
    path(
        "<int:track_id>/applications/<int:application_id>/reviews/",
        views.justifications,
        name="justifications",
    ),
    path("<int:track_id>/aggregate/", views.run_aggregation, name="aggregate"),
    path("<int:track_id>/jobs/<int:job_id>/", views.job_status, name="job"),
    path("<int:track_id>/selection/", views.selection, name="selection"),
    path("<int:track_id>/decisions/<int:pk>/", views.decision_change, name="decision"),
    path("<int:track_id>/export/<str:kind>.<str:fmt>", views.export, name="export"),
]
