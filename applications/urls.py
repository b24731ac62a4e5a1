from django.urls import path

from kcity.placeholders import placeholder

app_name = "applications"
urlpatterns = [
    path("", placeholder, name="dashboard"),
    path("<int:pk>/", placeholder, name="detail"),
]
