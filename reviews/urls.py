from django.urls import path

from kcity.placeholders import placeholder

app_name = "reviews"
urlpatterns = [
    path("", placeholder, name="workspace"),
]
