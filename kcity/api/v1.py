"""API v1 routes; each app's ``api`` module provides the viewsets registered here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from projects import api as projects_api

router = DefaultRouter()
router.register("countries", projects_api.CountryViewSet, basename="country")
router.register("cities", projects_api.CityViewSet, basename="city")
router.register("calls", projects_api.CallViewSet, basename="call")
router.register("tracks", projects_api.TrackViewSet, basename="track")
router.register("projects", projects_api.ProjectViewSet, basename="project")
router.register("statistics", projects_api.ProgrammeStatsViewSet, basename="statistics")
router.register("tokens", accounts_api.ApiTokenViewSet, basename="token")

app_name = "api"
urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    *router.urls,
]
