from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        # Its kinds of personal data: retention, export, erasure (accounts.privacy).
        from applications.privacy import register

        register()
