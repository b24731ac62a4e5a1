from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    """Aggregation, ranking, the funding line, decisions and their release, exports."""

    name = "results"
    verbose_name = _("Results and decisions")

    def ready(self):
        # A resubmitted review re-runs the aggregation of an already aggregated track: the review
        # engine offers the hook, results plugs into it (reviews never imports results).
        from results.aggregation import on_review_submitted, queue_aggregation_job
        from reviews import services
        from reviews.models import Job
        from reviews.services.jobs import register_job_queuer

        if on_review_submitted not in services.REVIEW_SUBMITTED_HOOKS:
            services.REVIEW_SUBMITTED_HOOKS.append(on_review_submitted)
        # The job sweep re-queues stuck aggregations without reviews importing results.
        register_job_queuer(Job.Kind.AGGREGATE, queue_aggregation_job)
