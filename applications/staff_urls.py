from django.urls import path

from applications import staff_views

app_name = "staff_applications"
urlpatterns = [
    path("tracks/<int:track_id>/screening/", staff_views.screening, name="screening"),
    path("<int:pk>/screen/", staff_views.screen, name="screen"),
    path(
        "tracks/<int:track_id>/applications/",
        staff_views.track_applications,
        name="track_applications",
    ),
    path("tracks/<int:track_id>/tags/", staff_views.tags, name="tags"),
    path(
        "tracks/<int:track_id>/notices/",
        staff_views.applicant_notices,
        name="applicant_notices",
    ),
    path(
        "tracks/<int:track_id>/notices/<int:pk>/unpublish/",
        staff_views.applicant_notice_unpublish,
        name="applicant_notice_unpublish",
    ),
    path("tracks/<int:track_id>/tags/<int:pk>/", staff_views.tag_edit, name="tag_edit"),
    path("tracks/<int:track_id>/tags/<int:pk>/delete/", staff_views.tag_delete, name="tag_delete"),
    path("tracks/<int:track_id>/shortlist/", staff_views.shortlist, name="shortlist"),
    path("tracks/<int:track_id>/questions/", staff_views.questions, name="questions"),
    path(
        "tracks/<int:track_id>/questions/preview/",
        staff_views.questions_preview,
        name="questions_preview",
    ),
    path(
        "tracks/<int:track_id>/questions/<int:pk>/",
        staff_views.question_edit,
        name="question_edit",
    ),
    path(
        "tracks/<int:track_id>/questions/<int:pk>/retire/",
        staff_views.question_retire,
        name="question_retire",
    ),
    path(
        "tracks/<int:track_id>/questions/<int:pk>/new-version/",
        staff_views.question_new_version,
        name="question_new_version",
    ),
    path(
        "tracks/<int:track_id>/questions/<int:pk>/move/",
        staff_views.question_move,
        name="question_move",
    ),
]
