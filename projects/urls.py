from django.urls import path

from kcity.placeholders import placeholder

app_name = "projects"
urlpatterns = [
    path("", placeholder, name="call_list"),
    path("portfolio/", placeholder, name="portfolio"),
    path("portfolio/<str:code>/", placeholder, name="project_detail"),
    path("<slug:slug>/", placeholder, name="call_detail"),
]
