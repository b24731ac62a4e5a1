from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Dashboards, programme statistics, the map and charts (reads only)."""

    name = "reporting"
    verbose_name = _("Reporting")
