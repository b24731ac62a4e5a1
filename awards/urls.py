"""Contractors' and applicants' pages after the award, included at the site root so the addresses
stay where they were: deliverables under /calls/deliverables/, the applicant's award letter under
/reviews/awards/."""

from django.urls import path

from awards import deliverable_views, funding_views, views

app_name = "awards"
urlpatterns = [
    path("calls/deliverables/", deliverable_views.deliverable_list, name="deliverables"),
    path("calls/deliverables/<int:pk>/", deliverable_views.deliverable_detail, name="deliverable"),
    path(
        "calls/deliverables/<int:pk>/file/",
        deliverable_views.deliverable_file,
        name="deliverable_file",
    ),
    path(
        "calls/deliverables/<int:pk>/versions/<int:number>/file/",
        deliverable_views.deliverable_version_file,
        name="deliverable_version_file",
    ),
    # The applicant's award letter (staff have theirs on the awards page, the same rule).
    path("reviews/awards/<int:award_pk>/letter/", views.award_letter, name="letter"),
    # Agreements and payments: the party's pages (the partner reads its project's, read-only).
    path("calls/agreements/", funding_views.agreement_list, name="agreements"),
    path("calls/agreements/<int:pk>/", funding_views.agreement_detail, name="agreement"),
    path(
        "calls/agreements/<int:pk>/signed/",
        funding_views.signed_copy,
        name="agreement_file",
    ),
    path(
        "calls/agreements/<int:pk>/tranches/<int:tranche_pk>/request/",
        funding_views.payment_request_form,
        name="request_payment",
    ),
    path(
        "calls/agreements/<int:pk>/amendments/new/",
        funding_views.amendment_form,
        name="request_amendment",
    ),
    path(
        "calls/payments/<int:pk>/evidence/",
        funding_views.payment_evidence,
        name="payment_evidence",
    ),
]
