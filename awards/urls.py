"""Contractors' and applicants' pages after the award, included at the site root so the addresses
stay where they were: deliverables under /calls/deliverables/, the applicant's award letter under
/reviews/awards/."""

from django.urls import path

from awards import deliverable_views, views

app_name = "awards"
urlpatterns = [
    path("calls/deliverables/", deliverable_views.deliverable_list, name="deliverables"),
    path("calls/deliverables/<int:pk>/", deliverable_views.deliverable_detail, name="deliverable"),
    path(
        "calls/deliverables/<int:pk>/file/",
        deliverable_views.deliverable_file,
        name="deliverable_file",
    ),
    # The applicant's award letter (staff have theirs on the awards page, the same rule).
    path("reviews/awards/<int:award_pk>/letter/", views.award_letter, name="letter"),
]
