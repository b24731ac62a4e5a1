from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """``seed_demo`` and the demo data: the real programme from 2020 to 2022."""

    name = "demo"
    verbose_name = _("Demo data")
