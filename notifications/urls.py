from django.urls import path

from kcity.placeholders import placeholder

app_name = "notifications"
urlpatterns = [
    path("", placeholder, name="list"),
]
