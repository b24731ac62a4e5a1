from django.urls import path

from kcity.placeholders import placeholder

app_name = "staff_projects"
urlpatterns = [
    path("", placeholder, name="index"),
]
