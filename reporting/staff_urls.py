"""Staff home, programme statistics, the execution table, system status and dashboards,
included under /staff/."""

from django.urls import path

from reporting import execution_views, staff_views, views

app_name = "staff_reporting"
urlpatterns = [
    path("", staff_views.index, name="index"),
    path("statistics/", staff_views.statistics, name="statistics"),
    path("system/", staff_views.system_status, name="system_status"),
    path("execution/", execution_views.execution, name="execution"),
    path("execution/export.<str:fmt>", execution_views.execution_export, name="execution_export"),
    path("dashboards/", views.index, name="dashboards"),
    path("dashboards/calls/<slug:slug>/", views.call_dashboard, name="call_dashboard"),
]
