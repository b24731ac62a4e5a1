"""The outbox's staff screens, included under /staff/messages/: message templates and the
messages held for review."""

from django.urls import path, register_converter

from notifications import staff_views


class TemplateNameConverter:
    """A message template name, ``<app>/<name>`` (e.g. ``applications/decision``)."""

    regex = r"[a-z_]+/[a-z_]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TemplateNameConverter, "message_template")

app_name = "staff_notifications"
urlpatterns = [
    path("templates/", staff_views.template_list, name="templates"),
    path("templates/<message_template:name>/", staff_views.template_edit, name="template_edit"),
    path(
        "templates/<message_template:name>/versions/<int:version>/",
        staff_views.template_version,
        name="template_version",
    ),
    path(
        "templates/<message_template:name>/reset/",
        staff_views.template_reset,
        name="template_reset",
    ),
    path("held/", staff_views.held_list, name="held"),
]
