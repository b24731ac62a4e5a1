"""The public programme dashboard, included at the site root (its address is /calls/programme/)."""

from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("calls/programme/", views.programme_public, name="programme"),
]
