from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """The review engine: criteria, committees, declarations, conflicts, assignment, scoring."""

    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        # Its kinds of personal data: retention, export, erasure (accounts.privacy).
        from reviews.privacy import register

        register()
        # How an assignment job is queued, for jobs.start_job and the stuck-job sweep.
        from reviews.models import Job
        from reviews.services.assignment import queue_assignment_job
        from reviews.services.jobs import register_job_queuer

        register_job_queuer(Job.Kind.ASSIGN, queue_assignment_job)
        # Anonymised review: the application resource of the API (applications.api) withholds
        # the applicant's identity from reviewers of anonymised tracks, by this app's rule.
        from applications.selectors import APPLICATION_DATA_FILTERS
        from reviews.selectors import application_data_filter

        if application_data_filter not in APPLICATION_DATA_FILTERS:
            APPLICATION_DATA_FILTERS.append(application_data_filter)
        # Next year's call copies the criteria; a call opens only when they add up.
        from projects.services import register_call_copier, register_readiness_check
        from reviews.services.criteria import copy_criteria, criteria_readiness

        register_call_copier(copy_criteria)
        register_readiness_check(criteria_readiness)
        # A reviewer who becomes a member of an applicant organisation (or of a consortium
        # partner) stops reviewing its applications at once: accounts calls this (below it).
        from accounts.services import MEMBERSHIP_STARTED_HOOKS
        from reviews.services.declarations import end_reviews_after_joining

        if end_reviews_after_joining not in MEMBERSHIP_STARTED_HOOKS:
            MEMBERSHIP_STARTED_HOOKS.append(end_reviews_after_joining)
