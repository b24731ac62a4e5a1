"""Staff screens after the decision, included under /staff/: a track's awards (beside its
results) and the funded projects with their contractor selection."""

from django.urls import path

from awards import contractor_views, funding_views, staff_views

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
    # Agreements and payments (awards.funding): staff of the track and programme admins.
    path(
        "projects/<str:code>/agreements/",
        funding_views.staff_agreements,
        name="agreements",
    ),
    path(
        "projects/<str:code>/agreements/<int:pk>/",
        funding_views.staff_agreement,
        name="agreement",
    ),
    path(
        "projects/<str:code>/agreements/<int:pk>/budget/",
        funding_views.staff_agreement_budget,
        name="agreement_budget",
    ),
    path(
        "projects/<str:code>/agreements/<int:pk>/schedule/",
        funding_views.staff_agreement_schedule,
        name="agreement_schedule",
    ),
    path(
        "projects/<str:code>/agreements/<int:pk>/sign/",
        funding_views.staff_agreement_sign,
        name="agreement_sign",
    ),
    path(
        "projects/<str:code>/agreements/<int:pk>/terminate/",
        funding_views.staff_agreement_terminate,
        name="agreement_terminate",
    ),
    path(
        "projects/<str:code>/agreements/<int:pk>/tranches/<int:tranche_pk>/withhold/",
        funding_views.staff_tranche_withhold,
        name="tranche_withhold",
    ),
    path(
        "projects/<str:code>/agreements/<int:pk>/amendments/<int:amendment_pk>/decide/",
        funding_views.staff_amendment_decide,
        name="amendment_decide",
    ),
    path("payments/", funding_views.staff_payment_requests, name="payment_requests"),
    path("payments/<int:pk>/", funding_views.staff_payment_request, name="payment_request"),
]
