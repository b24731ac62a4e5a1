import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Organization
from core import uploads
from core.bilingual import BilingualMixin

# The catalogue's content in English and Korean: ``display_name`` and ``localized(field)``
# (``core.bilingual``) give the reader's language, English where the Korean is blank.
BilingualNameMixin = BilingualMixin


class Country(BilingualNameMixin, models.Model):
    """A country by its ISO 3166-1 code."""

    class Region(models.TextChoices):
        EAST_ASIA = "east_asia", _("East Asia")
        SOUTHEAST_ASIA = "southeast_asia", _("Southeast Asia")
        SOUTH_ASIA = "south_asia", _("South Asia")
        CENTRAL_ASIA = "central_asia", _("Central Asia")
        MIDDLE_EAST = "middle_east", _("Middle East")
        EUROPE = "europe", _("Europe")
        AFRICA = "africa", _("Africa")
        LATIN_AMERICA = "latin_america", _("Latin America and the Caribbean")
        NORTH_AMERICA = "north_america", _("North America")
        OCEANIA = "oceania", _("Oceania")

    code = models.CharField(_("ISO 3166-1 alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO 3166-1 alpha-3"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_ko = models.CharField(_("name in Korean"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"), name="projects_country_code_format"
            ),
            models.CheckConstraint(
                condition=Q(iso3__regex=r"^[A-Z]{3}$"), name="projects_country_iso3_format"
            ),
        ]

    def __str__(self):
        return self.name


class City(BilingualNameMixin, models.Model):
    """A city, region or site where a project takes place."""

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="cities", verbose_name=_("country")
    )
    name = models.CharField(_("name"), max_length=120)
    name_ko = models.CharField(_("name in Korean"), max_length=120, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True)
    population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["country__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="projects_city_unique_name"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="projects_city_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="projects_city_longitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.country.name}"


class Stage(models.TextChoices):
    """The stages of a two-stage call (``Call.two_stage``): a short concept note first, then,
    for the applicants the track's staff invite, the full proposal. An application, a question
    and a document requirement each belong to one; on a one-stage call everything is the full
    proposal, the one stage there is."""

    CONCEPT = "concept", _("Concept note")
    FULL = "full", _("Full proposal")


class Call(BilingualNameMixin, models.Model):
    """A round of applications: the yearly international call, a rolling intake, or the
    selection of the Korean company that carries out one funded planning project.

    A two-stage call (``two_stage``) takes concept notes from ``opens_at`` until
    ``concept_closes_at``; the applicants whose concept note the track's staff shortlist
    complete their full proposal until ``closes_at`` (``applications.stages``)."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual international call")
        ROLLING = "rolling", _("Rolling intake")
        CONTRACTOR_SELECTION = "contractor_selection", _("Contractor selection")

    class Status(models.TextChoices):
        # "Open" and "Closed" carry the context the public pages use for the same states
        # (projects.selectors.PUBLIC_STATUS_LABELS), so a call reads the same word everywhere.
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published (upcoming)")
        OPEN = "open", pgettext_lazy("call status", "Open")
        CLOSED = "closed", pgettext_lazy("call status", "Closed")
        IN_REVIEW = "in_review", _("In review")
        DECIDED = "decided", _("Decided")
        ARCHIVED = "archived", _("Archived")

    year = models.PositiveSmallIntegerField(_("programme year"))
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.ANNUAL)
    name = models.CharField(_("title"), max_length=200)
    name_ko = models.CharField(_("title in Korean"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_ko = models.TextField(_("description in Korean"), blank=True)
    eligibility = models.TextField(_("eligibility"), blank=True)
    eligibility_ko = models.TextField(_("eligibility in Korean"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    two_stage = models.BooleanField(
        _("two-stage call"),
        default=False,
        help_text=_(
            "Applicants first send a short concept note; the secretariat shortlists them and "
            "invites the shortlisted ones to complete a full proposal by the closing time."
        ),
    )
    concept_closes_at = models.DateTimeField(
        _("concept notes close at"),
        null=True,
        blank=True,
        help_text=_(
            "Two-stage calls: the deadline of the concept notes, after the opening and before "
            "the closing time (the full proposals' deadline)."
        ),
    )
    decisions_released_at = models.DateTimeField(_("decisions released at"), null=True, blank=True)
    # Set for a contractor selection: the funded project whose contractor is being chosen.
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contractor_calls",
        verbose_name=_("project (contractor selection)"),
    )
    # Intake figures of the years before the portal (2020, 2021), as the programme reported
    # them. Statistics use them only for a call that holds no portal applications.
    reported_applications = models.PositiveIntegerField(
        _("applications reported (before the portal)"), null=True, blank=True
    )
    reported_applicant_countries = models.PositiveSmallIntegerField(
        _("applicant countries reported (before the portal)"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-year", "opens_at"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="projects_call_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2020, year__lte=2100), name="projects_call_year_range"
            ),
            models.CheckConstraint(
                condition=~Q(kind="contractor_selection") | Q(project__isnull=False),
                name="projects_call_contractor_selection_has_project",
            ),
            models.CheckConstraint(
                condition=Q(concept_closes_at__isnull=True)
                | Q(concept_closes_at__gt=F("opens_at"), concept_closes_at__lt=F("closes_at")),
                name="projects_call_concept_deadline_within_call",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:call_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        concept, opens, closes = self.concept_closes_at, self.opens_at, self.closes_at
        if None not in (concept, opens, closes) and not opens < concept < closes:
            raise ValidationError(
                {
                    "concept_closes_at": _(
                        "Concept notes must close after the call opens and before the full "
                        "proposals' deadline (the closing time)."
                    )
                },
                code="concept_deadline",
            )

    @property
    def is_accepting_applications(self) -> bool:
        """Open by status and by the clock; the server's time decides."""
        now = timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at

    @property
    def is_accepting_new_applications(self) -> bool:
        """Whether an applicant may start a new application now: while the call accepts
        applications and, on a two-stage call, until the concept notes close (after that,
        only the invited applicants complete their full proposals)."""
        if not self.is_accepting_applications:
            return False
        return not self.two_stage or (
            self.concept_closes_at is not None and timezone.now() < self.concept_closes_at
        )

    @property
    def new_applications_close_at(self):
        """Until when a new application may be started (``is_accepting_new_applications``): the
        concept notes' deadline on a two-stage call, the closing time otherwise. What a page
        offering to start one says."""
        return self.concept_closes_at if self.two_stage else self.closes_at

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class DocumentKind(models.TextChoices):
    """The kinds of document an application carries; a track names the ones it requires."""

    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")
    CONCEPT_PAPER = "concept_paper", _("Project concept paper")
    SITE_MAP = "site_map", _("Site map")
    CONSORTIUM_AGREEMENT = "consortium_agreement", _("Consortium agreement")
    COMPANY_PROFILE = "company_profile", _("Company profile")
    BUDGET_SHEET = "budget_sheet", _("Budget sheet")
    OTHER = "other", _("Other")


# A track may also ask for documents of its own, which no list above names (an environmental
# statement, a letter of support): staff name them, and each gets the key ``own-<n>`` within
# its track (``projects.services.save_document_requirement``); documents carry that key.
OWN_DOCUMENT_KIND = re.compile(r"^own-[1-9][0-9]{0,5}$")
# What the requirement form sends for a new document of the track's own.
NEW_OWN_DOCUMENT_KIND = "own"


def is_own_document_kind(kind: str) -> bool:
    """Whether ``kind`` is the key of a document a track asks for under a name of its own."""
    return bool(OWN_DOCUMENT_KIND.match(kind or ""))


def validate_document_kind(kind: str) -> None:
    """A document's kind is one of ``DocumentKind`` or a track's own (``own-<n>``)."""
    if kind not in DocumentKind.values and not is_own_document_kind(kind):
        raise ValidationError(_("Choose what kind of document this is."), code="invalid_kind")


def standard_document_kind_label(kind: str) -> str | None:
    """The label of one of ``DocumentKind``; None for a track's own kind."""
    return DocumentKind(kind).label if kind in DocumentKind.values else None


class Track(BilingualNameMixin, models.Model):
    """One track of a call, run by one secretariat, with its own budget and criteria."""

    class Kind(models.TextChoices):
        PLANNING = "planning", _("Smart City Planning")
        SOLUTION_PLANNING = "solution_planning", _("Smart Solution Planning")
        DEMONSTRATION = "demonstration", _("Smart Solution Overseas Demonstration")
        CONTRACTOR_SELECTION = "contractor_selection", _("Contractor selection")

    class Aggregate(models.TextChoices):
        TRIMMED_MEAN = "trimmed_mean", _("Mean without the highest and lowest total")
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")
        NORMALISED = "normalised", _("Normalised (50 + 10·z)")

    class ApplicantKind(models.TextChoices):
        FOREIGN_PUBLIC = "foreign_public", _("Foreign governments and international organisations")
        KOREAN_CONSORTIUM = (
            "korean_consortium",
            _("Korean companies in a consortium with an overseas public partner"),
        )
        KOREAN_COMPANY = "korean_company", _("Korean companies")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("call")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    code = models.CharField(
        _("code"), max_length=10, help_text=_("Short code used in references, e.g. PL or DM.")
    )
    name = models.CharField(_("name"), max_length=200)
    name_ko = models.CharField(_("name in Korean"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_ko = models.TextField(_("description in Korean"), blank=True)
    secretariat = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="secretariat_tracks",
        verbose_name=_("secretariat"),
        limit_choices_to={"kind": Organization.Kind.KOREAN_AGENCY},
    )
    applicant_kind = models.CharField(
        _("who may apply"), max_length=32, choices=ApplicantKind.choices
    )
    budget_floor = models.PositiveBigIntegerField(_("per-project budget floor (KRW)"))
    budget_ceiling = models.PositiveBigIntegerField(_("per-project budget ceiling (KRW)"))
    total_budget = models.PositiveBigIntegerField(_("total budget (KRW)"))
    target_awards = models.PositiveSmallIntegerField(_("target number of awards"), default=1)
    required_documents = models.JSONField(
        _("required documents"),
        default=list,
        blank=True,
        help_text=_(
            "Document kinds every application must carry before it can be submitted; kept in "
            "step with the track's document requirements."
        ),
    )
    min_reviewers = models.PositiveSmallIntegerField(
        _("minimum reviewers per application"), default=5
    )
    max_reviewer_load = models.PositiveSmallIntegerField(
        _("maximum applications per reviewer"), default=12
    )
    review_deadline = models.DateTimeField(_("review deadline"), null=True, blank=True)
    min_justification_length = models.PositiveSmallIntegerField(
        _("minimum justification length (characters)"), default=30
    )
    overall_threshold = models.DecimalField(
        _("overall threshold (points)"), max_digits=6, decimal_places=2, default=70
    )
    spread_threshold = models.DecimalField(
        _("spread flag threshold (points)"), max_digits=6, decimal_places=2, default=20
    )
    official_aggregate = models.CharField(
        _("official aggregate"),
        max_length=20,
        choices=Aggregate.choices,
        default=Aggregate.TRIMMED_MEAN,
    )
    price_weight = models.DecimalField(
        _("price weight (contractor selection, 0–1)"),
        max_digits=4,
        decimal_places=2,
        default=0,
    )
    criteria_locked_at = models.DateTimeField(_("criteria locked at"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["call", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="projects_track_unique_code"),
            models.CheckConstraint(
                condition=Q(budget_floor__lte=F("budget_ceiling")),
                name="projects_track_floor_le_ceiling",
            ),
            models.CheckConstraint(
                condition=Q(budget_ceiling__lte=F("total_budget")),
                name="projects_track_ceiling_le_total",
            ),
            models.CheckConstraint(
                condition=Q(min_reviewers__gte=1), name="projects_track_min_reviewers_positive"
            ),
            models.CheckConstraint(
                condition=Q(overall_threshold__gte=0, overall_threshold__lte=100),
                name="projects_track_overall_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(price_weight__gte=0, price_weight__lte=1),
                name="projects_track_price_weight_range",
            ),
        ]

    def __str__(self):
        return f"{self.call.name} — {self.name}"


def requirement_template_upload_to(instance, filename):
    # Generated name in private media: the staff member's file name never reaches the disk.
    return f"projects/templates/{instance.track_id}/{uuid.uuid4().hex}"


def all_formats() -> list[str]:
    return [kind.code for kind in uploads.ALLOWED]


MEGABYTE = 1024 * 1024


class DocumentRequirement(BilingualNameMixin, models.Model):
    """A document a track asks applicants to upload, as staff configured it: its name in both
    languages, the file formats and size it accepts, an optional template to download, and
    whether the application cannot be submitted without it.

    The kind is one of ``DocumentKind`` (the vocabulary an application's documents use), or a
    document of the track's own (``own-<n>``), known only by the name staff gave it; a track
    asks for each kind at most once. ``Track.required_documents`` is the list of the
    required kinds, kept in step by ``projects.services`` for the code that reads it."""

    track = models.ForeignKey(
        Track,
        on_delete=models.CASCADE,
        related_name="document_requirements",
        verbose_name=_("track"),
    )
    # One of ``DocumentKind`` or the track's own ``own-<n>``: the form offers the choices.
    kind = models.CharField(_("kind"), max_length=32, validators=[validate_document_kind])
    name = models.CharField(_("name"), max_length=200)
    name_ko = models.CharField(_("name in Korean"), max_length=200, blank=True)
    formats = models.JSONField(
        _("accepted formats"),
        default=all_formats,
        help_text=_("The file formats applicants may upload for this document."),
    )
    max_size_mb = models.PositiveSmallIntegerField(
        _("maximum size (MB)"),
        null=True,
        blank=True,
        help_text=_("Empty: the site's limit. Never above the site's limit."),
    )
    template = models.FileField(
        _("template"),
        upload_to=requirement_template_upload_to,
        blank=True,
        help_text=_("A form or model document applicants download and fill in (optional)."),
    )
    template_name = models.CharField(_("template file name"), max_length=255, blank=True)
    is_required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("An application cannot be submitted without a required document."),
    )
    stage = models.CharField(
        _("stage"),
        max_length=10,
        choices=Stage.choices,
        default=Stage.FULL,
        help_text=_(
            "Two-stage calls: asked with the concept note, or only with the full proposal. "
            "A one-stage call asks for every document at once."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        ordering = ["track", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "kind"], name="projects_documentrequirement_unique_kind"
            ),
            models.CheckConstraint(
                condition=Q(max_size_mb__isnull=True) | Q(max_size_mb__gte=1),
                name="projects_documentrequirement_max_size_positive",
            ),
        ]

    def __str__(self):
        return f"{self.track.code}: {self.name}"

    @property
    def kind_label(self) -> str:
        """The kind as staff see it in the list: its label, or "Own document"."""
        return standard_document_kind_label(self.kind) or str(_("Own document"))

    def clean(self):
        super().clean()
        codes = self.formats if isinstance(self.formats, list) else None
        if not codes or any(code not in uploads.BY_CODE for code in codes):
            raise ValidationError(
                {"formats": _("Choose at least one of the accepted formats.")}, code="formats"
            )
        site_limit_mb = settings.MAX_UPLOAD_SIZE // MEGABYTE
        if self.max_size_mb is not None and self.max_size_mb > site_limit_mb:
            raise ValidationError(
                {
                    "max_size_mb": _("The site accepts files of at most %(limit)s MB.")
                    % {"limit": site_limit_mb}
                },
                code="max_size",
            )

    @property
    def max_size(self) -> int:
        """The limit in bytes: this requirement's, or the site's."""
        return uploads.max_upload_size(self.max_size_mb * MEGABYTE if self.max_size_mb else None)

    @property
    def formats_label(self) -> str:
        return uploads.allowed_types_label(self.formats)

    def upload_limits(self) -> dict:
        """What ``core.uploads.validate_upload`` checks a file of this kind against."""
        return {"formats": list(self.formats or []), "max_size": self.max_size}


class Project(BilingualNameMixin, models.Model):
    """A funded cooperation project, from the portal or from the years before it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        HISTORICAL = "historical", _("Historical (before the portal)")
        PORTAL = "portal", _("Awarded through the portal")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("title"), max_length=255)
    name_ko = models.CharField(_("title in Korean"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(_("selection year"))
    track_kind = models.CharField(_("track"), max_length=32, choices=Track.Kind.choices)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="projects", verbose_name=_("country")
    )
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        related_name="projects",
        null=True,
        blank=True,
        verbose_name=_("city"),
    )
    budget_krw = models.PositiveBigIntegerField(_("budget (KRW)"), null=True, blank=True)
    partner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_projects",
        verbose_name=_("partner (beneficiary)"),
    )
    contractor = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracted_projects",
        verbose_name=_("Korean contractor"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.PORTAL
    )
    # Kept by the award's lifecycle (``projects.services.set_project_public``): a project
    # awarded through the portal is public once its award is approved, not while it is only
    # proposed (it may still change) nor after it is cancelled. ``public_portfolio`` reads it.
    is_public = models.BooleanField(
        _("in the public portfolio"),
        default=True,
        help_text=_("Shown on the public portfolio, the open-data API and the statistics."),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_ko = models.TextField(_("summary in Korean"), blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("funded project")
        verbose_name_plural = _("funded projects")
        ordering = ["-year", "code"]
        indexes = [models.Index(fields=["year"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="projects_project_ends_after_starts",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2020, year__lte=2100), name="projects_project_year_range"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("projects:project_detail", kwargs={"code": self.code})


class Event(BilingualNameMixin, models.Model):
    """A workshop, road show or conference run by the programme."""

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        ROAD_SHOW = "road_show", _("Road show")
        CONFERENCE = "conference", _("Conference")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("title"), max_length=255)
    name_ko = models.CharField(_("title in Korean"), max_length=255, blank=True)
    partners = models.CharField(
        _("partners"), max_length=255, blank=True, help_text=_("e.g. World Bank, IDB")
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("city")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)
    projects = models.ManyToManyField(
        Project, blank=True, related_name="events", verbose_name=_("projects")
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="projects_event_ends_after_starts"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # The constraint above, said next to the end date (its own message names only the
        # constraint, and at the top of the form); ``full_clean`` then skips the constraint.
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {"ends_on": _("An event cannot end before it starts.")}, code="ends_before_starts"
            )


class EventParticipant(models.Model):
    """Who took part in a programme event: an organisation of the portal or a named guest
    (e.g. the World Bank's delegate)."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="participants", verbose_name=_("event")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=255)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country"),
    )
    role = models.CharField(_("role"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("event participant")
        verbose_name_plural = _("event participants")
        ordering = ["event", "name"]
        constraints = [
            # One name once per event, whatever its case (``add_event_participant`` says so
            # first, with the name; this holds it for any other write).
            models.UniqueConstraint(
                Lower("name"),
                "event",
                name="projects_eventparticipant_name_once_per_event",
                violation_error_message=_("This name is already a participant of this event."),
            ),
        ]

    def __str__(self):
        return self.name


def event_material_upload_to(instance, filename):
    return f"events/{instance.event_id}/{uuid.uuid4().hex}"


class EventMaterial(models.Model):
    """A presentation, programme or report from an event, public on the events page."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="materials", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=255)
    title_ko = models.CharField(_("title in Korean"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to=event_material_upload_to)
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("event material")
        verbose_name_plural = _("event materials")
        ordering = ["event", "title"]

    def __str__(self):
        return self.title
