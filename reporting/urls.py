"""Public pages of the reporting app, included at the site root: the programme dashboard (its
address is /calls/programme/) and the help and legal layer (/help/, /help/faq/,
/accessibility/)."""

from django.urls import path

from reporting import help_views, views

app_name = "reporting"
urlpatterns = [
    path("calls/programme/", views.programme_public, name="programme"),
    path("help/", help_views.contact, name="help"),
    path("help/faq/", help_views.faq, name="faq"),
    path("accessibility/", help_views.accessibility, name="accessibility"),
]
