from django.urls import path

from applications import views

app_name = "applications"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/<int:track_pk>/", views.start, name="start"),
    path("form/<int:track_pk>/", views.form_outline, name="form_outline"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/<slug:section>/", views.section, name="section"),
    path(
        "<int:pk>/consortium/<int:member_pk>/remove/",
        views.consortium_remove,
        name="consortium_remove",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/remove/",
        views.document_remove,
        name="document_remove",
    ),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/clarification/", views.answer_clarification, name="answer_clarification"),
    path(
        "<int:pk>/request-clarification/",
        views.request_clarification,
        name="request_clarification",
    ),
    path("<int:pk>/summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("files/<uuid:public_id>/", views.document_download, name="document_download"),
]
