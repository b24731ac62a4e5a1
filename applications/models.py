import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.bilingual import BilingualMixin
from projects.models import (
    Call,
    City,
    Country,
    DocumentKind,
    Stage,
    Track,
    standard_document_kind_label,
    validate_document_kind,
)
from projects.selectors import document_kind_label


class Application(models.Model):
    """A proposal to one track of one call, from one organisation, for one site."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CLARIFICATION = "clarification", _("Clarification requested")
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Ineligible")
        UNDER_REVIEW = "under_review", _("Under review")
        REVIEWED = "reviewed", _("Reviewed")
        SELECTED = "selected", _("Selected")
        RESERVE = "reserve", _("Reserve list")
        REJECTED = "rejected", _("Not selected")
        AWARDED = "awarded", _("Awarded")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # The concept-note stage of a two-stage call (``applications.stages``).
        CONCEPT_SUBMITTED = "concept_submitted", _("Concept note submitted")
        NOT_SHORTLISTED = "not_shortlisted", _("Not shortlisted")

    class Deliverable(models.TextChoices):
        MASTER_PLAN = "master_plan", _("Smart city master plan")
        BASIC_PLAN = "basic_plan", _("Basic plan")
        FEASIBILITY_STUDY = "feasibility_study", _("Feasibility study")
        SOLUTION_PLAN = "solution_plan", _("Smart solution plan")
        DEMONSTRATION = "demonstration", _("Demonstration of a Korean solution")
        OTHER = "other", _("Other")

    # Statuses in which the proposal counts as made (for the one-per-city rule and statistics).
    SUBMITTED_STATUSES = (
        Status.SUBMITTED,
        Status.CLARIFICATION,
        Status.ELIGIBLE,
        Status.INELIGIBLE,
        Status.UNDER_REVIEW,
        Status.REVIEWED,
        Status.SELECTED,
        Status.RESERVE,
        Status.REJECTED,
        Status.AWARDED,
    )
    DECIDED_STATUSES = (Status.SELECTED, Status.RESERVE, Status.REJECTED, Status.AWARDED)
    # Screened eligible and not yet reviewed: the applications that can receive reviewers.
    ASSIGNABLE_STATUSES = (Status.ELIGIBLE, Status.UNDER_REVIEW)
    # A concept note sent and not (yet) invited to the full proposal. Neither counts as a
    # proposal made (``SUBMITTED_STATUSES``): screening, review and the programme's figures
    # are about full proposals; ``applications.stages`` counts the concept notes.
    CONCEPT_STATUSES = (Status.CONCEPT_SUBMITTED, Status.NOT_SHORTLISTED)
    # What takes the applicant's one proposal per city in a call: the database constraint
    # ``applications_one_per_org_city_call`` (anything but a draft or a withdrawal).
    SITE_TAKEN_STATUSES = SUBMITTED_STATUSES + CONCEPT_STATUSES

    Stage = Stage

    reference = models.CharField(_("reference"), max_length=32, unique=True, null=True, blank=True)
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public ID")
    )
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call")
    )
    track = models.ForeignKey(
        Track, on_delete=models.PROTECT, related_name="applications", verbose_name=_("track")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # A two-stage call's application starts as a concept note and becomes a full proposal
    # when the track's staff invite it (``applications.shortlisting``); every other is full.
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.FULL)

    # Applicant and contact
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_position = models.CharField(_("position"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=50, blank=True)

    # Site
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name=_("country"),
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name=_("city"),
    )
    site_area_km2 = models.DecimalField(
        _("site area (km²)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    site_population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)
    site_description = models.TextField(_("site description"), blank=True)

    # Project
    title = models.CharField(_("project title"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    outputs = models.TextField(_("expected outputs"), blank=True)
    requested_deliverable = models.CharField(
        _("requested deliverable"), max_length=32, choices=Deliverable.choices, blank=True
    )

    # Readiness
    existing_plans = models.TextField(_("existing plans"), blank=True)
    land_status = models.TextField(_("land availability"), blank=True)
    budget_lines = models.TextField(_("local budget lines"), blank=True)
    prior_consultation = models.BooleanField(
        _("prior consultation with the Korean side"), default=False
    )
    prior_consultation_details = models.TextField(_("prior consultation details"), blank=True)

    # Budget
    budget_requested = models.PositiveBigIntegerField(
        _("requested amount (KRW)"), null=True, blank=True
    )
    co_financing = models.PositiveBigIntegerField(_("co-financing (KRW)"), default=0)
    co_financing_description = models.TextField(_("co-financing sources"), blank=True)
    country_priority_rank = models.PositiveSmallIntegerField(
        _("country priority rank"),
        null=True,
        blank=True,
        help_text=_("Where a country sends several proposals: 1 is its first priority."),
    )

    # Lifecycle facts
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    concept_submitted_at = models.DateTimeField(
        _("concept note submitted at"), null=True, blank=True
    )
    shortlisted_at = models.DateTimeField(
        _("invited to the full proposal at"), null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    status_reason = models.TextField(
        _("reason of the last status change"),
        blank=True,
        help_text=_("Shown to the applicant, e.g. why the application is ineligible."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic locking of the form's sections (services.save_application_section): each
    # section save adds one to ``version``; ``section_edits`` remembers per section the version
    # that last changed it, when, by whom and from which open form, so a save based on an older
    # version of *that* section is refused instead of silently overwriting someone else's text.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    section_edits = models.JSONField(
        _("last change of each section"), default=dict, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["track", "status"]),
            models.Index(fields=["call", "status"]),
            models.Index(fields=["organization", "status"]),
        ]
        constraints = [
            # One proposal per applicant per city in one call, once it has been submitted.
            models.UniqueConstraint(
                fields=["call", "organization", "city"],
                condition=~Q(status__in=["draft", "withdrawn"]),
                name="applications_one_per_org_city_call",
            ),
            models.CheckConstraint(
                condition=Q(country_priority_rank__isnull=True) | Q(country_priority_rank__gte=1),
                name="applications_priority_rank_positive",
            ),
            models.CheckConstraint(
                condition=Q(site_area_km2__isnull=True) | Q(site_area_km2__gt=0),
                name="applications_site_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False) | Q(status="withdrawn"),
                name="applications_submitted_has_time",
            ),
        ]

    def __str__(self):
        return self.reference or self.title or f"Draft #{self.pk}"

    def get_absolute_url(self):
        return reverse("applications:detail", kwargs={"pk": self.pk})

    @property
    def is_ineligible(self) -> bool:
        return self.status == self.Status.INELIGIBLE

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_concept_note(self) -> bool:
        return self.stage == Stage.CONCEPT

    @property
    def stage_deadline(self):
        """When the application's stage closes: the concept notes' deadline for a concept note
        of a two-stage call, the call's closing time for everything else."""
        if self.stage == Stage.CONCEPT and self.call.concept_closes_at is not None:
            return self.call.concept_closes_at
        return self.call.closes_at

    @property
    def stage_is_open(self) -> bool:
        """Whether the application may be submitted now, by the server's clock: the call is
        open and its stage's deadline (``stage_deadline``) has not passed."""
        call = self.call
        return (
            call.status == Call.Status.OPEN
            and call.opens_at <= timezone.now() < self.stage_deadline
        )


class ConsortiumMember(models.Model):
    """A member of a demonstration-track consortium."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Korean lead company")
        MEMBER = "member", _("Member")
        OVERSEAS_PUBLIC_PARTNER = "overseas_public_partner", _("Overseas public partner")

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="consortium_members",
        verbose_name=_("application"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("organisation name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=40, choices=Organization.Kind.choices)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    country_code = models.CharField(_("country (ISO 3166 code)"), max_length=2, blank=True)
    email_domain = models.CharField(_("e-mail domain"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consortium member")
        verbose_name_plural = _("consortium members")
        ordering = ["application", "role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(role="lead"),
                name="applications_one_lead_per_consortium",
            ),
            models.UniqueConstraint(
                fields=["application", "name"], name="applications_consortium_member_unique_name"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


def document_upload_to(instance, filename):
    # Generated name: the user's file name never reaches the file system.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    """A file attached to an application, stored privately and served by a checking view."""

    # The kinds are the track's vocabulary (its required documents name them): projects owns it.
    Kind = DocumentKind

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public ID")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("application"),
    )
    # One of ``Kind`` or a document the track asks for under a name of its own (``own-<n>``).
    kind = models.CharField(_("kind"), max_length=32, validators=[validate_document_kind])
    file = models.FileField(_("file"), upload_to=document_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["application", "kind", "uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=~Q(kind="other"),
                name="applications_one_document_per_kind",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="applications_document_not_empty"),
        ]

    def __str__(self):
        return f"{self.kind_label}: {self.original_name}"

    @property
    def kind_label(self) -> str:
        """What the document is, in the reader's language: the kind's label, or the name the
        track's staff gave a document of its own (read only then: a standard kind costs no
        query)."""
        standard = standard_document_kind_label(self.kind)
        if standard is not None:
            return standard
        return document_kind_label(self.application.track, self.kind)


class ClarificationRequest(models.Model):
    """Staff ask the applicant to change named sections; the application reopens for those only."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CANCELLED = "cancelled", _("Cancelled")

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="clarification_requests",
        verbose_name=_("application"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    message = models.TextField(_("what needs clarifying"))
    sections = models.JSONField(_("sections opened for changes"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    response = models.TextField(_("applicant's response"), blank=True)
    previous_status = models.CharField(max_length=20, blank=True, verbose_name=_("previous status"))
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    # The reopened sections as they were when asked and as they were sent back
    # (``applications.clarifications.snapshot``): what the answer changed.
    before = models.JSONField(
        _("reopened sections as they were"), default=dict, blank=True, editable=False
    )
    after = models.JSONField(
        _("reopened sections as sent back"), default=dict, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("clarification request")
        verbose_name_plural = _("clarification requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="open"),
                name="applications_one_open_clarification",
            ),
        ]

    def __str__(self):
        return f"{self.application}: {self.get_status_display()}"


class Question(models.Model):
    """A question staff ask on a track's application form (or on every track of a call).

    The form is data, not code: each call's tracks get their own questions, worded in English
    and Korean side by side (``<field>_ko``, read through ``core.bilingual.localized``). Types,
    validation and conditions live in ``applications.questions``; writes go through
    ``applications.services`` (``create_question``, ``update_question``, ``retire_question``,
    ``new_question_version``), which refuse to change the type, options, constraints or code
    of a question that already has answers: a changed question is a new version (a copy) and
    the old one is retired, so an answered application keeps meaning what it said."""

    class Type(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        AMOUNT_KRW = "amount_krw", _("Amount in KRW")
        DATE = "date", _("Date")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        YES_NO = "yes_no", _("Yes or no")
        COUNTRY = "country", _("Country")
        CITY = "city", _("City")
        TABLE = "table", _("Table of rows")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="questions", verbose_name=_("call")
    )
    track = models.ForeignKey(
        Track,
        on_delete=models.CASCADE,
        related_name="questions",
        null=True,
        blank=True,
        verbose_name=_("track"),
        help_text=_("Empty: the question is asked on every track of the call."),
    )
    code = models.SlugField(
        _("code"),
        max_length=50,
        help_text=_("Stable key of the question (API, exports); letters, digits, _ and -."),
    )
    section = models.CharField(_("section"), max_length=120, blank=True)
    section_ko = models.CharField(_("section in Korean"), max_length=120, blank=True)
    section_order = models.PositiveSmallIntegerField(_("order of the section"), default=0)
    order = models.PositiveSmallIntegerField(_("order in the section"), default=0)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    stage = models.CharField(
        _("stage"),
        max_length=10,
        choices=Stage.choices,
        default=Stage.FULL,
        help_text=_(
            "Two-stage calls: asked in the concept note, or only in the full proposal. On a "
            "one-stage call every question is asked at once."
        ),
    )
    required = models.BooleanField(_("required"), default=False)
    identifying = models.BooleanField(
        _("may identify the applicant"),
        default=False,
        help_text=_(
            "Its answers may name the applicant (an organisation, a person, a letter of "
            "support): withheld from reviewers when the track's review is anonymised."
        ),
    )
    label = models.CharField(_("question"), max_length=500)
    label_ko = models.CharField(_("question in Korean"), max_length=500, blank=True)
    help_text = models.TextField(_("help text"), blank=True)
    help_text_ko = models.TextField(_("help text in Korean"), blank=True)
    options = models.JSONField(
        _("options"),
        default=list,
        blank=True,
        help_text=_("Choices: a list of {value, label, label_ko}."),
    )
    constraints = models.JSONField(
        _("constraints"),
        default=dict,
        blank=True,
        help_text=_("Word limit, minimum and maximum, unit, table columns."),
    )
    condition = models.JSONField(
        _("condition"),
        default=dict,
        blank=True,
        help_text=_(
            "Shown only when the track is of one of track_kinds and/or when the answer to "
            "question (a code) equals equals."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["call", "track", "section_order", "order", "pk"]
        constraints = [
            # One live question per code on a track, and per code among a call's call-wide
            # questions (a retired version keeps its code beside the new one).
            models.UniqueConstraint(
                fields=["track", "code"],
                condition=Q(retired_at__isnull=True, track__isnull=False),
                name="applications_question_code_unique_per_track",
            ),
            models.UniqueConstraint(
                fields=["call", "code"],
                condition=Q(retired_at__isnull=True, track__isnull=True),
                name="applications_question_code_unique_per_call",
            ),
            models.CheckConstraint(
                condition=Q(
                    type__in=[
                        "short_text",
                        "long_text",
                        "number",
                        "amount_krw",
                        "date",
                        "single_choice",
                        "multiple_choice",
                        "yes_no",
                        "country",
                        "city",
                        "table",
                    ]
                ),
                name="applications_question_type_known",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.label}"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Answer(models.Model):
    """An application's answer to one question, with the question as it was when answered.

    ``question_snapshot`` copies the wording, type, options and constraints at the time of the
    answer (``applications.questions.snapshot``): every page, PDF and export shows the answer
    with those words, so rewording next year's form never rewrites an old application."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("application"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    value = models.JSONField(_("answer"), null=True, blank=True)
    question_snapshot = models.JSONField(_("question as answered"), default=dict, blank=True)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["application", "question"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="applications_one_answer_per_question"
            ),
        ]

    def __str__(self):
        return f"{self.application}: {self.question.code}"


class Tag(BilingualMixin, models.Model):
    """A label staff put on applications to sort their work (e.g. "site visit", "needs
    translation"), in the manner of a conference system's submission tags.

    A tag belongs to one track, or to a whole call (then it applies to the applications of every
    track of the call). Its colour comes from a fixed palette, so every tag reads with enough
    contrast. Written only by ``applications.services.create_tag`` / ``tag_applications``."""

    class Colour(models.TextChoices):
        GREY = "grey", _("Grey")
        BLUE = "blue", _("Blue")
        GREEN = "green", _("Green")
        AMBER = "amber", _("Amber")
        RED = "red", _("Red")
        PURPLE = "purple", _("Purple")

    track = models.ForeignKey(
        Track,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tags",
        verbose_name=_("track"),
    )
    call = models.ForeignKey(
        Call,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tags",
        verbose_name=_("call"),
    )
    name = models.CharField(_("name"), max_length=60)
    name_ko = models.CharField(_("name in Korean"), max_length=60, blank=True)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices, default="grey")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    applications = models.ManyToManyField(
        Application,
        through="ApplicationTag",
        related_name="tags",
        blank=True,
        verbose_name=_("applications"),
    )

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(track__isnull=False, call__isnull=True)
                | Q(track__isnull=True, call__isnull=False),
                name="applications_tag_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(colour__in=["grey", "blue", "green", "amber", "red", "purple"]),
                name="applications_tag_colour_in_palette",
            ),
            models.UniqueConstraint(
                fields=["track", "name"],
                condition=Q(track__isnull=False),
                name="applications_tag_unique_track_name",
            ),
            models.UniqueConstraint(
                fields=["call", "name"],
                condition=Q(call__isnull=False),
                name="applications_tag_unique_call_name",
            ),
        ]

    def __str__(self):
        return self.name

    def covers(self, application: Application) -> bool:
        """Whether this tag may label ``application``: one of its track, or of its call."""
        if self.track_id is not None:
            return application.track_id == self.track_id
        return application.call_id == self.call_id


class ApplicationTag(models.Model):
    """One tag on one application, with who put it there and when."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="tag_links",
        verbose_name=_("application"),
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="links", verbose_name=_("tag")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("application tag")
        verbose_name_plural = _("application tags")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "tag"], name="applications_tag_once_per_application"
            ),
        ]

    def __str__(self):
        return f"{self.application}: {self.tag}"


class ReferenceSequence(models.Model):
    """The numbering of the references under one prefix (``2026-PL-``), on PostgreSQL.

    Its numbers come from the database sequence ``applications_reference_<id>``
    (``applications.services._next_reference``), which hands them out without locking
    anything: submissions of one track never wait for each other for a number, and two never
    get the same one. The row says the sequence belongs to this database's data: after the
    rows are cleared (a test database flushed), the next submission starts a new sequence
    after the highest reference then stored. Keyed by the prefix, not the track, because
    references are: two tracks with the same code in one year share one numbering.
    """

    prefix = models.CharField(_("prefix"), max_length=32, unique=True)
    started_after = models.PositiveIntegerField(
        _("started after"),
        default=0,
        help_text=_("The highest number stored under the prefix when its numbering started."),
    )

    class Meta:
        verbose_name = _("reference numbering")
        verbose_name_plural = _("reference numberings")

    def __str__(self):
        return self.prefix

    @property
    def sequence_name(self) -> str:
        return f"applications_reference_{self.pk}"


class ApplicantNotice(BilingualMixin, models.Model):
    """A message the secretariat sends to a track's applicants (a deadline moved, an
    information session, an answer to a question many asked): e-mailed and shown in the
    portal to every member of each organisation it reaches, in each reader's language, and,
    when ``public``, listed on the call's page among its updates for anyone preparing to apply.

    Written only by ``applications.services.send_applicant_notice`` (audited), once per
    ``key``: the key the staff page's form carries, so a second click sends nothing."""

    class Audience(models.TextChoices):
        ALL = "all", _("Every applicant of the track: drafts and sent applications")
        DRAFTS = "drafts", _("Applicants whose application is still a draft")
        SENT = "sent", _("Applicants who have sent their application or concept note")

    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="applicant_notices", verbose_name=_("track")
    )
    audience = models.CharField(_("to"), max_length=10, choices=Audience.choices)
    subject = models.CharField(_("subject"), max_length=200)
    subject_ko = models.CharField(_("subject in Korean"), max_length=200, blank=True)
    body = models.TextField(_("message"), max_length=5000)
    body_ko = models.TextField(_("message in Korean"), max_length=5000, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    public = models.BooleanField(
        _("published on the call's page"),
        default=False,
        help_text=_("Anyone reading the call sees it under the call's updates."),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    key = models.UUIDField(_("form key"), unique=True, default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("notice to applicants")
        verbose_name_plural = _("notices to applicants")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience__in=["all", "drafts", "sent"]),
                name="applications_notice_audience_known",
            ),
        ]

    def __str__(self):
        return self.subject
