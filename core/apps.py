from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app may use and that knows no domain: the domain error, the transition helper,
    form-error helpers, upload checks, PDF rendering, template tags and the API base classes."""

    name = "core"
    verbose_name = _("Core")
