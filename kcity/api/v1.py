"""API v1 routes; each app's ``api`` module provides the viewsets registered here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from applications import api as applications_api
from awards import api as awards_api
from awards import funding_api
from projects import api as projects_api
from reporting import api as reporting_api
from results import api as results_api
from reviews import api as reviews_api

router = DefaultRouter()
# Programme and open data (public).
router.register("countries", projects_api.CountryViewSet, basename="country")
router.register("cities", projects_api.CityViewSet, basename="city")
router.register("calls", projects_api.CallViewSet, basename="call")
router.register("tracks", projects_api.TrackViewSet, basename="track")
router.register("criteria", reviews_api.CriterionViewSet, basename="criterion")
router.register("projects", projects_api.ProjectViewSet, basename="project")
router.register("events", projects_api.EventViewSet, basename="event")
router.register("statistics", reporting_api.ProgrammeStatsViewSet, basename="statistics")
# Applications (applicants, and the staff's screening and clarification requests).
router.register("applications", applications_api.ApplicationViewSet, basename="application")
# Review (the reviewer's own work).
router.register("assignments", reviews_api.AssignmentViewSet, basename="assignment")
router.register(
    "conflict-declarations", reviews_api.ConflictDeclarationViewSet, basename="conflict-declaration"
)
# Committee and assignment work (staff of the track).
router.register("staff-criteria", reviews_api.StaffCriterionViewSet, basename="staff-criterion")
router.register(
    "reviewer-invitations", reviews_api.ReviewerInvitationViewSet, basename="reviewer-invitation"
)
router.register(
    "committee-members", reviews_api.CommitteeMemberViewSet, basename="committee-member"
)
router.register(
    "staff-assignments", reviews_api.StaffAssignmentViewSet, basename="staff-assignment"
)
# Results (staff).
router.register("results", results_api.ResultViewSet, basename="result")
router.register("decisions", results_api.DecisionViewSet, basename="decision")
router.register("awards", awards_api.AwardViewSet, basename="award")
router.register("staff-tracks", results_api.StaffTrackViewSet, basename="staff-track")
router.register("jobs", results_api.JobViewSet, basename="job")
# Deliverables of funded projects (contractors and staff).
router.register("deliverables", awards_api.DeliverableViewSet, basename="deliverable")
# Agreements and payment requests of funded projects (parties, partners and staff).
router.register("agreements", funding_api.AgreementViewSet, basename="agreement")
router.register("payment-requests", funding_api.PaymentRequestViewSet, basename="payment-request")
# The user's own account.
router.register("tokens", accounts_api.ApiTokenViewSet, basename="token")

app_name = "api"
urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    # The questions of a track's application form (a list under the track, not a router prefix).
    path(
        "tracks/<int:track_id>/questions/",
        applications_api.TrackQuestionViewSet.as_view({"get": "list"}),
        name="track-question-list",
    ),
    *router.urls,
]
