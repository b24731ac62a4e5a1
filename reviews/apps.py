from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """The review engine: criteria, committees, declarations, conflicts, assignment, scoring."""

    name = "reviews"
    verbose_name = _("Review")

    def ready(self):
        # Its kinds of personal data: retention, export, erasure (accounts.privacy).
        from reviews.privacy import register

        register()
        # How an assignment job is queued, for jobs.start_job and the stuck-job sweep.
        from reviews.models import Job
        from reviews.services.assignment import queue_assignment_job
        from reviews.services.jobs import register_job_queuer

        register_job_queuer(Job.Kind.ASSIGN, queue_assignment_job)
