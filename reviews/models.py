import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from applications.models import Application
from core.bilingual import BilingualMixin
from projects.models import Track


class Criterion(BilingualMixin, models.Model):
    """One scoring criterion of a track; the track's criteria add up to 100 points.

    ``description`` is the guidance reviewers read next to the criterion on the scoring form
    (what earns the points), in English and Korean (``localized("description")``)."""

    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("track")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_ko = models.CharField(_("name in Korean"), max_length=200, blank=True)
    description = models.TextField(_("guidance for reviewers"), blank=True)
    description_ko = models.TextField(_("guidance for reviewers in Korean"), blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=1)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    threshold = models.DecimalField(
        _("threshold (points)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    tiebreak_priority = models.PositiveSmallIntegerField(
        _("tie-break priority"),
        null=True,
        blank=True,
        help_text=_("1 breaks ties first, 2 next; empty means not used for ties."),
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["track", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["track", "code"], name="reviews_criterion_unique_code"),
            models.UniqueConstraint(
                fields=["track", "tiebreak_priority"],
                condition=Q(tiebreak_priority__isnull=False),
                name="reviews_criterion_unique_tiebreak",
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0, max_points__lte=100),
                name="reviews_criterion_max_points_range",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="reviews_criterion_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(threshold__isnull=True)
                | Q(threshold__gte=0, threshold__lte=F("max_points")),
                name="reviews_criterion_threshold_within_max",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.max_points})"

    #: The fields staff edit, on the page and through the API.
    EDITABLE_FIELDS = (
        "code",
        "name",
        "name_ko",
        "description",
        "description_ko",
        "max_points",
        "weight",
        "threshold",
        "tiebreak_priority",
    )

    @staticmethod
    def value_errors(*, max_points=None, weight=None, threshold=None) -> dict[str, str]:
        """The check constraints on points, weight and threshold as messages by field, so the
        page and the API refuse bad values next to the field instead of at the database."""
        errors = {}
        if max_points is not None and not (0 < max_points <= 100):
            errors["max_points"] = _("Give between 0.5 and 100 points.")
        if weight is not None and weight <= 0:
            errors["weight"] = _("The weight must be above 0.")
        if (
            threshold is not None
            and max_points is not None
            and "max_points" not in errors
            and not (0 <= threshold <= max_points)
        ):
            errors["threshold"] = _("The threshold must be between 0 and the maximum points.")
        return errors


def _token() -> str:
    return secrets.token_urlsafe(32)


class CommitteeMember(models.Model):
    """A reviewer who sits on a track's review committee."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        MEMBER = "member", _("Member")

    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="committee", verbose_name=_("track")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="committee_seats",
        verbose_name=_("reviewer"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["track", "reviewer"], name="reviews_committee_unique"),
        ]

    def __str__(self):
        return f"{self.reviewer} — {self.track}"


class ReviewerInvitation(models.Model):
    """An e-mailed invitation to join a track's committee."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", pgettext_lazy("reviewer", "Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")

    track = models.ForeignKey(
        Track,
        on_delete=models.CASCADE,
        related_name="reviewer_invitations",
        verbose_name=_("track"),
    )
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    token = models.CharField(
        max_length=64, unique=True, default=_token, editable=False, verbose_name=_("token")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reviewer invitation")
        verbose_name_plural = _("reviewer invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "email"],
                condition=Q(status="pending"),
                name="reviews_one_pending_invitation",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.track}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class InterestDeclaration(models.Model):
    """A reviewer's annual declaration of interests; it expires and must be renewed."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interest_declarations",
        verbose_name=_("reviewer"),
    )
    interests = models.TextField(
        _("declared interests"),
        blank=True,
        help_text=_("Positions, shareholdings, consultancies and clients that could matter."),
    )
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("declaration of interests")
        verbose_name_plural = _("declarations of interests")
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("signed_at")),
                name="reviews_declaration_expires_after_signed",
            ),
        ]

    def __str__(self):
        return f"{self.reviewer} ({self.signed_at:%Y-%m-%d})"


class ConflictDeclaration(models.Model):
    """Whether a reviewer has a conflict with one application: declared by them or detected."""

    class Kind(models.TextChoices):
        NONE = "none", _("No conflict")
        INVOLVED = "involved", _("Involved in the proposal")
        EMPLOYER_OR_CLIENT = (
            "employer_or_client",
            _("Employer or client of the applicant or a consortium member"),
        )
        LIKELY_BIDDER = "likely_bidder", _("Likely bidder for the resulting contract")
        PERSONAL = "personal", _("Family or personal tie")
        OTHER = "other", _("Other")
        SAME_ORGANISATION = "same_organisation", _("Same organisation as the applicant (detected)")
        SAME_EMAIL_DOMAIN = "same_email_domain", _("Same e-mail domain as the applicant (detected)")
        RECENT_COMPANY = "recent_company", _("A company of the last 3 years (detected)")

    class Source(models.TextChoices):
        DECLARED = "declared", _("Declared by the reviewer")
        DETECTED = "detected", _("Detected by the portal")
        STAFF = "staff", _("Recorded by staff")

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
        verbose_name=_("reviewer"),
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="conflict_declarations",
        verbose_name=_("application"),
    )
    has_conflict = models.BooleanField(_("has a conflict"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    details = models.TextField(_("details"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.DECLARED
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "application"], name="reviews_one_conflict_declaration"
            ),
            models.CheckConstraint(
                condition=Q(has_conflict=False, kind="none")
                | (Q(has_conflict=True) & ~Q(kind="none")),
                name="reviews_conflict_kind_matches_flag",
            ),
        ]

    def __str__(self):
        return f"{self.reviewer} / {self.application}: {self.get_kind_display()}"


class Assignment(models.Model):
    """One reviewer asked to review one application, with the review they write."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", pgettext_lazy("reviewer", "Accepted")
        DECLINED = "declined", _("Declined")
        CONFLICT = "conflict", _("Conflict of interest")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    # The status groups, defined once: open (the review is still to be written), active (it
    # counts towards the reviewer's load and the application's reviewers: open or submitted).
    OPEN_STATUSES = (Status.INVITED, Status.ACCEPTED, Status.IN_PROGRESS)
    ACTIVE_STATUSES = (*OPEN_STATUSES, Status.SUBMITTED)

    class DeclineReason(models.TextChoices):
        CONFLICT = "conflict", _("Conflict of interest")
        EXPERTISE = "expertise", _("Not my expertise")
        TIME = "time", _("No time")

    class Recommendation(models.TextChoices):
        FUND = "fund", _("Fund")
        FUND_WITH_CHANGES = "fund_with_changes", _("Fund with changes")
        RESERVE = "reserve", _("Reserve")
        REJECT = "reject", _("Do not fund")

    class Confidence(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("application"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("reviewer"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.INVITED
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("note"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices, blank=True
    )
    confidence = models.PositiveSmallIntegerField(
        _("confidence"), choices=Confidence.choices, null=True, blank=True
    )
    overall_comment = models.TextField(_("overall comment"), blank=True)
    # The version of the score draft (the scores and the judgement above), one more at each
    # save: a save from a form built on an older draft is refused (services.scoring), so two
    # tabs of the same review never overwrite each other silently.
    draft_version = models.PositiveIntegerField(_("score draft version"), default=1, editable=False)
    total = models.DecimalField(
        _("total score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # The submitted review's points, criterion id (text) → points in tenths (a whole number;
    # points have one decimal): a copy of its score rows, written with ``total`` when the
    # review is submitted and cleared with it when the review is reopened
    # (``services.scoring``). The aggregation's criterion means read this one row per review
    # instead of one row per score (``results.aggregation_sql``); a submitted review without
    # it (rows written outside the service) is read from its scores there instead.
    points_by_criterion = models.JSONField(
        _("points by criterion"), null=True, blank=True, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    last_reminded_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last reminded at")
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["application", "reviewer"]
        indexes = [
            models.Index(fields=["reviewer", "status"]),
            models.Index(fields=["application", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="reviews_one_assignment_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted")
                | Q(submitted_at__isnull=False, total__isnull=False),
                name="reviews_submitted_assignment_has_total",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                name="reviews_assignment_total_range",
            ),
        ]

    def __str__(self):
        return f"{self.application} ← {self.reviewer}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def awaits_declaration(self) -> bool:
        """Invited or accepted: the reviewer still has to declare (no) conflict of interest."""
        return self.status in (self.Status.INVITED, self.Status.ACCEPTED)

    @property
    def is_conflicted(self) -> bool:
        return self.status == self.Status.CONFLICT

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def effective_due(self):
        """The assignment's own due date, else its track's review deadline (None if neither).
        The one definition of "due" for the workspace, the board and the reminders (the API
        gives ``due_at`` as stored)."""
        return self.due_at or self.application.track.review_deadline

    def is_overdue_at(self, now) -> bool:
        """Open and past its effective due date at ``now``."""
        due = self.effective_due
        return self.is_open and due is not None and due < now

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_at(timezone.now())


class Score(models.Model):
    """A reviewer's points on one criterion, with the written justification."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("assignment")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    # Empty only in a saved draft; a submitted review has points on every criterion.
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1, null=True, blank=True)
    # Copied from the criterion when saved, so the database itself keeps points within range.
    max_points = models.DecimalField(
        max_digits=5, decimal_places=1, editable=False, verbose_name=_("maximum points")
    )
    justification = models.TextField(_("justification"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="reviews_one_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(points__lte=F("max_points")),
                name="reviews_score_within_max",
            ),
        ]

    def __str__(self):
        return f"{self.criterion.code}: {self.points}"

    def save(self, *args, **kwargs):
        if self.criterion_id and self.max_points is None:
            self.max_points = self.criterion.max_points
        super().save(*args, **kwargs)


class Job(models.Model):
    """A long-running job (automatic assignment, aggregation) whose progress a page can poll."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", _("Automatic assignment")
        AGGREGATE = "aggregate", _("Score aggregation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("track")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    done = models.PositiveIntegerField(default=0, verbose_name=_("items done"))
    total = models.PositiveIntegerField(default=0, verbose_name=_("items in total"))
    message = models.TextField(_("message"), blank=True)
    result = models.JSONField(default=dict, blank=True, verbose_name=_("result"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # Liveness, read by the sweep (``reviews.services.jobs.sweep_stuck_jobs``) and the system
    # status panel: a waiting job is judged by when it was last queued, a running one by its
    # heartbeat, which the worker moves forward as it reports progress.
    queued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last queued at"))
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last heartbeat"))
    attempts = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("attempts"), help_text=_("How many times a worker started it.")
    )
    requeues = models.PositiveSmallIntegerField(
        default=0,
        verbose_name=_("re-queued"),
        help_text=_("How many times the sweep queued it again after it got stuck."),
    )
    # The Celery task id of the current attempt: a message of an earlier attempt (delivered
    # again after its worker died) is told apart from a redelivery of the current one.
    task_id = models.CharField(_("task id"), max_length=255, blank=True)

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="reviews_job_done_le_total"
            ),
            # Two clicks (or two staff) never start two runs of the same job on one track.
            models.UniqueConstraint(
                fields=["track", "kind"],
                condition=Q(status__in=["pending", "running"]),
                name="reviews_job_one_active_per_track_kind",
                violation_error_message=_("This job is already waiting or running for the track."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.track} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_running(self) -> bool:
        """Waiting or running: the page keeps polling."""
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def has_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def has_succeeded(self) -> bool:
        return self.status == self.Status.SUCCEEDED

    @property
    def is_assignment(self) -> bool:
        return self.kind == self.Kind.ASSIGN


class ReviewSettings(models.Model):
    """What the reviewers of one track may see, in the manner of a conference review phase:
    other reviewers' scores, the applicant's identity, and applications beyond their own.

    One row per track, created on demand (``reviews.selectors.review_settings_for``) with the
    defaults the portal always had: other scores never shown, the applicant named, only the
    reviewer's assignments listed. Changed only by ``reviews.services.update_reviewer_visibility``
    (audited); read only through the selectors and rules that apply it."""

    class OtherScores(models.TextChoices):
        NEVER = "never", _("Never")
        AFTER_OWN = "after_own", _("After submitting their own review")
        ALWAYS = "always", _("Always (once they have declared no conflict)")

    class Scope(models.TextChoices):
        ASSIGNED = "assigned", _("Only the applications assigned to them")
        ALL = "all", _("Every eligible application of the track (scoring only when assigned)")

    track = models.OneToOneField(
        Track, on_delete=models.CASCADE, related_name="review_settings", verbose_name=_("track")
    )
    other_scores = models.CharField(
        _("reviewers see other reviewers' scores"),
        max_length=20,
        choices=OtherScores.choices,
        default=OtherScores.NEVER,
    )
    anonymised = models.BooleanField(
        _("anonymised review"),
        default=False,
        help_text=_(
            "Withhold the applicant organisation, contact person, e-mail, telephone, consortium "
            "member names and document file names from reviewers."
        ),
    )
    scope = models.CharField(
        _("applications reviewers may read"),
        max_length=20,
        choices=Scope.choices,
        default=Scope.ASSIGNED,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    #: The fields staff edit (the page, the service and the back office).
    EDITABLE_FIELDS = ("other_scores", "anonymised", "scope")

    class Meta:
        verbose_name = _("reviewer visibility")
        verbose_name_plural = _("reviewer visibility")
        constraints = [
            models.CheckConstraint(
                condition=Q(other_scores__in=["never", "after_own", "always"]),
                name="reviews_settings_other_scores_valid",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["assigned", "all"]), name="reviews_settings_scope_valid"
            ),
        ]

    def __str__(self):
        return str(_("Reviewer visibility — %(track)s") % {"track": self.track})

    @property
    def allows_browsing(self) -> bool:
        return self.scope == self.Scope.ALL
