"""Results of a track's review: each application's aggregates, each reviewer's leniency, and the
decisions taken on them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from projects.models import Track


class ApplicationResult(models.Model):
    """The aggregates of one application's submitted reviews, kept side by side."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="result", verbose_name=_("application")
    )
    # No index of its own: the (track, rank) index below serves every lookup by track, and a
    # track's first aggregation inserts 10,000 rows into each index (docs/performance.md).
    track = models.ForeignKey(
        Track,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("track"),
        db_index=False,
    )
    reviewer_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("reviewer count"))
    mean = models.DecimalField(max_digits=6, decimal_places=2, null=True, verbose_name=_("mean"))
    trimmed_mean = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("trimmed mean")
    )
    median = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("median")
    )
    normalised = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("normalised")
    )
    spread = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("spread")
    )
    std_dev = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("standard deviation")
    )
    criterion_means = models.JSONField(default=dict, blank=True, verbose_name=_("criterion means"))
    flags = models.JSONField(default=list, blank=True, verbose_name=_("flags"))
    official_score = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("official score")
    )
    rank = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("rank"))
    tiebreak = models.JSONField(default=dict, blank=True, verbose_name=_("tie-break"))
    computed_at = models.DateTimeField(default=timezone.now, verbose_name=_("computed at"))

    class Meta:
        # Created by the review app before results and awards were apps of their own; the
        # table kept its name when the model moved (see docs/architecture.md).
        db_table = "reviews_applicationresult"
        verbose_name = _("aggregated result")
        verbose_name_plural = _("aggregated results")
        ordering = ["track", "rank"]
        indexes = [models.Index(fields=["track", "rank"])]

    def __str__(self):
        return f"{self.application}: {self.official_score}"


class ReviewerTrackStat(models.Model):
    """How one reviewer scored across a track, to spot lenient or strict reviewers."""

    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="reviewer_stats", verbose_name=_("track")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    review_count = models.PositiveIntegerField(default=0, verbose_name=_("review count"))
    mean_total = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("mean total")
    )
    std_total = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, verbose_name=_("standard deviation of totals")
    )
    mean_offset = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        help_text=_("Mean of (own total − panel mean) over the reviewer's applications."),
        verbose_name=_("mean offset"),
    )
    flagged = models.BooleanField(default=False, verbose_name=_("flagged"))

    class Meta:
        # Created by the review app before results and awards were apps of their own; the
        # table kept its name when the model moved (see docs/architecture.md).
        db_table = "reviews_reviewertrackstat"
        verbose_name = _("reviewer statistics")
        verbose_name_plural = _("reviewer statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["track", "reviewer"], name="reviews_one_stat_per_reviewer"
            ),
        ]

    def __str__(self):
        return f"{self.reviewer} — {self.track}"


class Decision(models.Model):
    """The funding decision on one application: proposed, changed with reasons, confirmed, released."""

    class Outcome(models.TextChoices):
        SELECTED = "selected", _("Selected")
        RESERVE = "reserve", _("Reserve list")
        REJECTED = "rejected", _("Not selected")

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="decision",
        verbose_name=_("application"),
    )
    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("track")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    proposed_outcome = models.CharField(
        _("outcome proposed by the portal"), max_length=20, choices=Outcome.choices, blank=True
    )
    amount = models.PositiveBigIntegerField(_("amount (KRW)"), null=True, blank=True)
    reserve_rank = models.PositiveSmallIntegerField(_("reserve rank"), null=True, blank=True)
    reason = models.TextField(_("reason for changing the proposal"), blank=True)
    committee_summary = models.TextField(_("summary of the committee's comments"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        # Created by the review app before results and awards were apps of their own; the
        # table kept its name when the model moved (see docs/architecture.md).
        db_table = "reviews_decision"
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["track", "outcome", "reserve_rank"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="selected") | Q(amount__isnull=False, amount__gt=0),
                name="reviews_selected_decision_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(confirmed_at__isnull=False),
                name="reviews_decision_released_after_confirmed",
            ),
            models.UniqueConstraint(
                fields=["track", "reserve_rank"],
                condition=Q(reserve_rank__isnull=False),
                name="reviews_unique_reserve_rank",
            ),
        ]

    def __str__(self):
        return f"{self.application}: {self.get_outcome_display()}"

    @property
    def is_selected(self) -> bool:
        return self.outcome == self.Outcome.SELECTED

    @property
    def is_reserve(self) -> bool:
        return self.outcome == self.Outcome.RESERVE

    def reserve_place(self) -> int | None:
        """Its place on the track's reserve list as the list stands: 1 + the reserves ranked
        before it. What an applicant is told, rather than the stored rank, which keeps a gap
        for a reserve promoted since (or moved off the list by hand). None unless a reserve."""
        if not self.is_reserve or self.reserve_rank is None:
            return None
        ahead = type(self).objects.filter(
            track_id=self.track_id, outcome=self.Outcome.RESERVE, reserve_rank__lt=self.reserve_rank
        )
        return ahead.count() + 1
