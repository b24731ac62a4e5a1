from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """The review engine: criteria, committees, declarations, conflicts, assignment, scoring."""

    name = "reviews"
    verbose_name = _("Review")
