"""Deliverables of funded projects (contractors upload, staff accept or return), under
/calls/deliverables/."""

from django.urls import path

from . import deliverable_views as views

app_name = "deliverables"
urlpatterns = [
    path("", views.deliverable_list, name="list"),
    path("<int:pk>/", views.deliverable_detail, name="detail"),
    path("<int:pk>/file/", views.deliverable_file, name="file"),
]
