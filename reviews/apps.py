from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Review, results and awards")

    def ready(self):
        # A resubmitted review re-runs the aggregation of an already aggregated track.
        from . import services
        from .aggregation import on_review_submitted

        if on_review_submitted not in services.REVIEW_SUBMITTED_HOOKS:
            services.REVIEW_SUBMITTED_HOOKS.append(on_review_submitted)
