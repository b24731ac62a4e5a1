from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    """Aggregation, ranking, the funding line, decisions and their release, exports."""

    name = "results"
    verbose_name = _("Results and decisions")

    def ready(self):
        # A resubmitted review re-runs the aggregation of an already aggregated track: the review
        # engine offers the hook, results plugs into it (reviews never imports results).
        from results.aggregation import on_review_submitted
        from reviews import services

        if on_review_submitted not in services.REVIEW_SUBMITTED_HOOKS:
            services.REVIEW_SUBMITTED_HOOKS.append(on_review_submitted)
