"""API v1 routes; each app's ``api`` module provides the viewsets registered here."""

from rest_framework.routers import DefaultRouter

from projects import api as projects_api

router = DefaultRouter()
router.register("countries", projects_api.CountryViewSet, basename="country")
router.register("cities", projects_api.CityViewSet, basename="city")
router.register("calls", projects_api.CallViewSet, basename="call")
router.register("tracks", projects_api.TrackViewSet, basename="track")
router.register("projects", projects_api.ProjectViewSet, basename="project")

app_name = "api"
urlpatterns = router.urls
