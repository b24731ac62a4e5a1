"""Staff screens after the decision, included under /staff/: a track's awards (beside its
results) and the funded projects with their contractor selection."""

from django.urls import path

from awards import contractor_views, staff_views

app_name = "staff_awards"
urlpatterns = [
    path("reviews/results/<int:track_id>/awards/", staff_views.awards, name="awards"),
    path(
        "reviews/results/<int:track_id>/awards/<int:pk>/advance/",
        staff_views.award_advance,
        name="award_advance",
    ),
    path(
        "reviews/results/<int:track_id>/awards/<int:pk>/cancel/",
        staff_views.award_cancel,
        name="award_cancel",
    ),
    path(
        "reviews/results/<int:track_id>/awards/<int:pk>/letter/",
        staff_views.award_letter,
        name="award_letter",
    ),
    path("projects/", contractor_views.project_list, name="projects"),
    path("projects/<str:code>/", contractor_views.project_detail, name="project"),
    path(
        "projects/<str:code>/contractor/<int:call_id>/",
        contractor_views.selection_result,
        name="result",
    ),
    path(
        "projects/<str:code>/contractor/<int:call_id>/publish/",
        contractor_views.publish_selection,
        name="publish",
    ),
    path(
        "projects/<str:code>/contractor/<int:call_id>/winner/",
        contractor_views.record_winner,
        name="winner",
    ),
]
