"""Staff results screens, included under /staff/reviews/results/."""

from django.urls import path

from . import results_views as views

app_name = "results"
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
    path("<int:track_id>/awards/", views.awards, name="awards"),
    path("<int:track_id>/awards/<int:pk>/advance/", views.award_advance, name="award_advance"),
    path("<int:track_id>/awards/<int:pk>/letter/", views.award_letter, name="award_letter"),
    path("<int:track_id>/export/<str:kind>.<str:fmt>", views.export, name="export"),
]
