from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        # Its kinds of personal data: retention, export, erasure (accounts.privacy).
        from applications.privacy import register

        register()
        # The staff preview of a call shows this app's form of each track, read-only.
        from applications.preview import application_form_preview
        from projects.selectors import register_form_preview

        register_form_preview(application_form_preview)
        # "New call from this one" copies the questions too.
        from applications.questions import copy_questions
        from projects.services import register_call_copier

        register_call_copier(copy_questions)
        # A two-stage call opens only with concept-note questions on every track.
        from applications.stages import concept_readiness
        from projects.services import register_readiness_check

        register_readiness_check(concept_readiness)
