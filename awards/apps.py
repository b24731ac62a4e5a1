from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    """Awards and letters, contractor selection and deliverables: everything after the decision."""

    name = "awards"
    verbose_name = _("Awards and funded projects")

    def ready(self):
        # The awards export sits beside the ranking exports on the results board.
        from awards.exports import award_rows
        from results.exports import register_export

        register_export("awards", _("Awards"), lambda user, track: award_rows(track))

        # Its kinds of personal data: retention, export, erasure (accounts.privacy).
        from awards.privacy import register

        register()

        # A project from before the portal completes only with nothing left waiting on it, as
        # a portal project's award does (awards.lifecycle.waiting_on_the_project).
        from awards.lifecycle import waiting_on_the_project
        from projects.services import register_closing_check

        register_closing_check(waiting_on_the_project)
