from django.urls import path

from reviews import staff_views as views

app_name = "staff_reviews"
urlpatterns = [
    path("", views.index, name="index"),
    path("tracks/<int:track_id>/", views.track_overview, name="track"),
    path("tracks/<int:track_id>/start/", views.start_review, name="start_review"),
    path("tracks/<int:track_id>/criteria/", views.criteria, name="criteria"),
    path("criteria/<int:pk>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/delete/", views.criterion_delete, name="criterion_delete"),
    path("criteria/<int:pk>/move/", views.criterion_move, name="criterion_move"),
    path("tracks/<int:track_id>/committee/", views.committee, name="committee"),
    path(
        "tracks/<int:track_id>/committee/import/", views.committee_import, name="committee_import"
    ),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("committee/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("tracks/<int:track_id>/assignments/", views.assignments, name="assignments"),
    path("tracks/<int:track_id>/assignments/auto/", views.assign_automatically, name="auto"),
    path(
        "tracks/<int:track_id>/conflicts/detect/", views.detect_conflicts, name="detect_conflicts"
    ),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("assignments/<int:pk>/remove/", views.assignment_remove, name="assignment_remove"),
    path("assignments/<int:pk>/reopen/", views.assignment_reopen, name="reopen"),
    path("tracks/<int:track_id>/board/", views.board, name="board"),
    path("tracks/<int:track_id>/remind/", views.remind, name="remind"),
    path("tracks/<int:track_id>/visibility/", views.visibility, name="visibility"),
    path("tracks/<int:track_id>/assign-selected/", views.bulk_assign, name="bulk_assign"),
]
