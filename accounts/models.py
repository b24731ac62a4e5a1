import datetime
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bilingual import BilingualMixin, localized


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        KOREAN = "ko", _("Korean")

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The name in Hangul, for Korean pages (the review board, committee lists): a Korean
    # expert is 김지원 there, not Kim Ji-won. Optional; ``display_name`` falls back to ``name``.
    name_ko = models.CharField(
        _("name in Korean (Hangul)"),
        max_length=200,
        blank=True,
        help_text=_("Optional; shown instead of your name on pages in Korean."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Seoul")
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Can log in to the back office (programme admins and secretariat staff)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    # A change of address the user asked for and has not confirmed yet: the new address gets a
    # signed link (``accounts.services.request_email_change``); ``email`` changes only when it
    # is opened. Cleared on confirmation, cancellation, erasure, and by the retention job once
    # the link has expired.
    pending_email = models.EmailField(_("new e-mail address (not confirmed)"), blank=True)
    pending_email_requested_at = models.DateTimeField(
        _("new e-mail address asked for at"), null=True, blank=True
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # The privacy notice the user last accepted (accounts.privacy.PRIVACY_NOTICE_VERSION) and
    # when: a user whose version is not the current one is asked to read the notice again.
    privacy_notice_version = models.CharField(
        _("privacy notice accepted"), max_length=20, blank=True
    )
    privacy_consented_at = models.DateTimeField(
        _("privacy notice accepted at"), null=True, blank=True
    )
    # Set when the account's personal data was anonymised (erasure or retention): the row
    # stays so that what it wrote (applications, reviews) keeps its author for the statistics.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="accounts_user_email_ci_unique"
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>" if self.name else self.email

    def display_name_for(self, language: str | None = None) -> str:
        """The name a reader of ``language`` (default: the active one) sees: the Hangul name
        on Korean pages when there is one, else the name, else the e-mail address."""
        return localized(self, "name", language) or self.email

    @property
    def display_name(self) -> str:
        return self.display_name_for()

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()


class Organization(BilingualMixin, models.Model):
    """A body that applies, reviews, runs a track or carries out a project."""

    class Kind(models.TextChoices):
        NATIONAL_GOVERNMENT = "national_government", _("Foreign national government")
        REGIONAL_GOVERNMENT = "regional_government", _("Foreign regional government")
        CITY_GOVERNMENT = "city_government", _("Foreign city government")
        INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
        KOREAN_COMPANY = "korean_company", _("Korean company")
        KOREAN_AGENCY = "korean_agency", _("Korean public agency")
        PUBLIC_INSTITUTION = "public_institution", _("Overseas public institution")
        UNIVERSITY = "university", _("University")
        OTHER = "other", _("Other")

    FOREIGN_PUBLIC_KINDS = (
        Kind.NATIONAL_GOVERNMENT,
        Kind.REGIONAL_GOVERNMENT,
        Kind.CITY_GOVERNMENT,
        Kind.INTERNATIONAL_ORGANISATION,
    )
    OVERSEAS_PUBLIC_PARTNER_KINDS = (
        Kind.NATIONAL_GOVERNMENT,
        Kind.REGIONAL_GOVERNMENT,
        Kind.CITY_GOVERNMENT,
        Kind.PUBLIC_INSTITUTION,
        Kind.UNIVERSITY,
    )

    name = models.CharField(_("name"), max_length=255)
    name_ko = models.CharField(_("name in Korean"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    # ISO 3166-1 alpha-2; a plain code because accounts sits below projects (no FK upwards).
    country_code = models.CharField(_("country (ISO 3166 code)"), max_length=2, blank=True)
    email_domain = models.CharField(
        _("e-mail domain"),
        max_length=255,
        blank=True,
        help_text=_("Used to detect likely conflicts of interest, e.g. molit.go.kr."),
    )
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    business_registration_number = models.CharField(
        _("business registration number"), max_length=40, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="organizations",
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["country_code"])]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "country_code"], name="accounts_organization_unique_name_country"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_korean_company(self) -> bool:
        return self.kind == self.Kind.KOREAN_COMPANY


class Membership(models.Model):
    """A user's membership of an organisation."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="accounts_membership_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class OrganizationInvitation(models.Model):
    """An invitation to join an organisation; only the invitee's acceptance attaches them."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    token = models.CharField(
        max_length=64,
        unique=True,
        default=_invitation_token,
        editable=False,
        verbose_name=_("token"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation invitation")
        verbose_name_plural = _("organisation invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="accounts_invitation_expires_after_created",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"


class ReviewerProfile(models.Model):
    """What the portal knows of an external expert, used for matching and conflict detection."""

    class Expertise(models.TextChoices):
        URBAN_PLANNING = "urban_planning", _("Urban planning")
        TRANSPORT = "transport", _("Transport and mobility")
        ENERGY = "energy", _("Energy")
        WATER = "water", _("Water and environment")
        ICT = "ict", _("ICT and data platforms")
        SAFETY = "safety", _("Safety and disaster management")
        FINANCE = "finance", _("Project finance")
        GOVERNANCE = "governance", _("Governance and policy")
        CONSTRUCTION = "construction", _("Construction and real estate")
        INTERNATIONAL = "international_development", _("International development")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviewer_profile",
        verbose_name=_("user"),
    )
    affiliation = models.CharField(_("affiliation"), max_length=255, blank=True)
    employer = models.CharField(_("employer"), max_length=255, blank=True)
    country_code = models.CharField(_("country (ISO 3166 code)"), max_length=2, blank=True)
    expertise = models.JSONField(_("expertise areas"), default=list, blank=True)
    recent_companies = models.TextField(
        _("companies worked for in the last 3 years"),
        blank=True,
        help_text=_("One per line."),
    )
    biography = models.TextField(_("short biography"), blank=True)

    class Meta:
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")

    def __str__(self):
        return str(self.user)

    @property
    def recent_company_names(self) -> list[str]:
        return [line.strip() for line in self.recent_companies.splitlines() if line.strip()]


class AuditEvent(models.Model):
    """An append-only record of a state change: who, when, what was before and after.

    Written by services in the same transaction as the change; nobody edits or deletes it.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("content type")
    )
    object_id = models.CharField(max_length=64, verbose_name=_("object ID"))
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=64)
    old_value = models.CharField(_("old value"), max_length=64, blank=True)
    new_value = models.CharField(_("new value"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self):
        return f"{self.action}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def describe(self, *, with_values: bool = True) -> str:
        """What the row records, in the reader's language (``accounts.audit.describe_event``)."""
        from accounts.audit import describe_event

        return describe_event(self, with_values=with_values)


API_TOKEN_DEFAULT_LIFETIME = datetime.timedelta(days=90)
API_TOKEN_MAX_LIFETIME = datetime.timedelta(days=365)


def default_api_token_expiry() -> datetime.datetime:
    return timezone.now() + API_TOKEN_DEFAULT_LIFETIME


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the key is shown once at creation.

    It acts as its user, narrowed by its scope (a read token may only read), until it expires
    or is revoked (by hand, or when the user's password changes).
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        max_length=12, db_index=True, editable=False, verbose_name=_("prefix")
    )
    key_hash = models.CharField(
        max_length=128, unique=True, editable=False, verbose_name=_("key hash")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public ID")
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires at"), default=default_api_token_expiry)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "read_write"]),
                name="accounts_apitoken_scope_valid",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="accounts_apitoken_expires_after_created",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        """Not revoked and not expired: the token still authenticates."""
        return self.revoked_at is None and not self.is_expired

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE


class ErasureRequest(models.Model):
    """A user's request that the portal erase their personal data (GDPR art. 17, PIPA art. 36).

    A programme admin approves or refuses it with a reason (``accounts.privacy``); approval
    anonymises the account and runs every registered kind's anonymiser for the user.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("user"),
    )
    reason = models.TextField(_("reason given by the user"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="accounts_one_pending_erasure_request",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="accounts_erasure_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class AnonymisedRecord(models.Model):
    """The marker that one object of a registered kind of personal data has been anonymised.

    The retention job skips marked objects, so it is idempotent and resumes after a crash
    where it stopped. The marker lives here, beside the registry, rather than as a column on
    every model of the apps above: a kind is added by registering it, without a migration of
    its app. Objects are named by their integer primary key (every portal model has one).
    """

    kind = models.CharField(_("kind of personal data"), max_length=64)
    object_id = models.PositiveBigIntegerField(_("object ID"))
    anonymised_at = models.DateTimeField(_("anonymised at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=20)

    class Meta:
        verbose_name = _("anonymised record")
        verbose_name_plural = _("anonymised records")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="accounts_anonymised_record_unique"
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.object_id}"
