"""Everything after the decision: funding awards and the deliverables of funded projects."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from applications.models import Application
from projects.models import Project


class Award(models.Model):
    """Funding awarded to a selected application; it creates the funded Project."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        CONTRACTED = "contracted", _("Contracted")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="award", verbose_name=_("application")
    )
    project = models.OneToOneField(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award",
        verbose_name=_("project"),
    )
    amount = models.PositiveBigIntegerField(_("amount (KRW)"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    cancelled_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        # Created by the review app before results and awards were apps of their own; the
        # table kept its name when the model moved (see docs/architecture.md).
        db_table = "reviews_award"
        verbose_name = _("funding award")
        verbose_name_plural = _("funding awards")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reviews_award_amount_positive"),
        ]

    def __str__(self):
        return f"{self.application}: KRW {self.amount:,}"

    @property
    def is_closed(self) -> bool:
        """Completed or cancelled: the lifecycle has no move left."""
        return self.status in (self.Status.COMPLETED, self.Status.CANCELLED)


def deliverable_upload_to(instance, filename):
    return f"deliverables/{instance.project_id}/{uuid.uuid4().hex}"


class Deliverable(models.Model):
    """A report or training that a funded project owes, uploaded by its contractor."""

    class Kind(models.TextChoices):
        INCEPTION = "inception_report", _("Inception report")
        INTERIM = "interim_report", _("Interim report")
        FINAL = "final_report", _("Final report")
        TRAINING = "training", _("Invitational training")
        DEMONSTRATION = "demonstration_results", _("Demonstration results")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for changes")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="deliverables", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("file"), upload_to=deliverable_upload_to, blank=True)
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size (bytes)"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    feedback = models.TextField(_("feedback"), blank=True)

    class Meta:
        # Created by the projects app before awards was an app of its own (see
        # docs/architecture.md).
        db_table = "projects_deliverable"
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["project", "due_on"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.project.code}: {self.get_kind_display()}"


# --- After the award: agreements, their budget and payment schedule, payments, amendments -----
#
# A funded project has up to two agreements: the grant agreement with the partner (the city or
# government that applied) and, for planning projects, the service contract with the Korean
# company chosen by the contractor selection. Each agreement carries its budget by line and its
# payment schedule (tranches); the agreement's party asks for each tranche's payment with its
# evidence, track staff check the request, a programme admin approves it, and it is recorded as
# paid with its date and reference. The rules are in awards.funding; see docs/funding.md.


def agreement_upload_to(instance, filename):
    return f"agreements/{instance.project_id}/{uuid.uuid4().hex}"


def payment_evidence_upload_to(instance, filename):
    return f"payments/{instance.tranche.agreement.project_id}/{uuid.uuid4().hex}"


def deliverable_version_upload_to(instance, filename):
    return f"deliverables/{instance.deliverable.project_id}/{uuid.uuid4().hex}"


class BudgetCategory(models.TextChoices):
    PERSONNEL = "personnel", _("Personnel")
    TRAVEL = "travel", _("Travel")
    WORKSHOPS = "workshops", _("Workshops and events")
    EQUIPMENT = "equipment", _("Equipment")
    SUBCONTRACTING = "subcontracting", _("Subcontracting")
    OTHER = "other", _("Other costs")


class Agreement(models.Model):
    """The grant agreement with the partner, or the service contract with the Korean company."""

    class Kind(models.TextChoices):
        GRANT = "grant_agreement", _("Grant agreement")
        SERVICE = "service_contract", _("Service contract")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        TERMINATED = "terminated", _("Terminated")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    party = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("party"),
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    scope = models.TextField(_("scope of work"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_file = models.FileField(_("signed copy"), upload_to=agreement_upload_to, blank=True)
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size (bytes)"))
    terminated_reason = models.TextField(_("reason for terminating"), blank=True)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["project", "kind"]
        constraints = [
            # One of each kind in force: a terminated one may be followed by a new one.
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=~Q(status="terminated"),
                name="awards_agreement_one_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="awards_agreement_ends_after_starts",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed") | Q(signed_on__isnull=False),
                name="awards_agreement_signed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.reference} ({self.get_kind_display()})"


class BudgetLine(models.Model):
    """What an agreement plans to spend on one category, in whole won."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="budget_lines",
        verbose_name=_("agreement"),
    )
    category = models.CharField(_("budget line"), max_length=20, choices=BudgetCategory.choices)
    planned_krw = models.PositiveBigIntegerField(_("planned (KRW)"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["agreement", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "category"], name="awards_budgetline_one_per_category"
            ),
        ]

    def __str__(self):
        return f"{self.agreement.reference}: {self.get_category_display()}"


class Tranche(models.Model):
    """One instalment of an agreement's payment schedule, due on signature (no deliverable) or
    once a deliverable of the given kind is accepted."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PAID = "paid", _("Paid")
        WITHHELD = "withheld", _("Withheld")
        CANCELLED = "cancelled", _("Cancelled")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="tranches", verbose_name=_("agreement")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    share_percent = models.PositiveSmallIntegerField(_("share (%)"))
    amount_krw = models.PositiveBigIntegerField(_("amount (KRW)"))
    after_deliverable = models.CharField(
        _("due after"),
        max_length=32,
        choices=Deliverable.Kind.choices,
        blank=True,
        help_text=_("Empty: due when the agreement is signed."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    decision_note = models.TextField(_("note on the decision"), blank=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="awards_tranche_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(share_percent__gte=1, share_percent__lte=100),
                name="awards_tranche_share_range",
            ),
            models.CheckConstraint(
                condition=Q(amount_krw__gt=0), name="awards_tranche_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.agreement.reference} #{self.number}"


class PaymentRequest(models.Model):
    """The agreement party's request for one tranche, with its evidence and its cost lines.

    requested → checked (track staff) → approved (programme admin) → paid (date, reference);
    a request can be returned for changes (then requested again) or rejected."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("status", "Requested")
        CHECKED = "checked", _("Checked")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        RETURNED = "returned", _("Returned for changes")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE = ("requested", "checked", "approved", "paid", "returned")

    tranche = models.ForeignKey(
        Tranche,
        on_delete=models.PROTECT,
        related_name="payment_requests",
        verbose_name=_("tranche"),
    )
    amount_krw = models.PositiveBigIntegerField(_("amount (KRW)"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=payment_evidence_upload_to, blank=True)
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size (bytes)"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["tranche", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tranche"],
                condition=Q(status__in=("requested", "checked", "approved", "paid", "returned")),
                name="awards_paymentrequest_one_live_per_tranche",
            ),
            models.CheckConstraint(
                condition=Q(amount_krw__gt=0), name="awards_paymentrequest_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_on__isnull=False) & ~Q(payment_reference="")),
                name="awards_paymentrequest_paid_has_date_and_reference",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.tranche}: KRW {self.amount_krw:,}"


class PaymentRequestLine(models.Model):
    """How much of a payment request falls on one budget line."""

    request = models.ForeignKey(
        PaymentRequest,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("payment request"),
    )
    category = models.CharField(_("budget line"), max_length=20, choices=BudgetCategory.choices)
    amount_krw = models.PositiveBigIntegerField(_("amount (KRW)"))

    class Meta:
        verbose_name = _("payment request line")
        verbose_name_plural = _("payment request lines")
        ordering = ["request", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "category"], name="awards_paymentrequestline_one_per_category"
            ),
        ]

    def __str__(self):
        return f"{self.request}: {self.get_category_display()}"


class Amendment(models.Model):
    """A requested change to a signed agreement (dates, budget lines or scope). Approved, it
    is applied and the agreement's version goes up by one; ``previous`` keeps what it replaced."""

    class Kind(models.TextChoices):
        DATES = "dates", _("Dates")
        BUDGET = "budget", _("Budget lines")
        SCOPE = "scope", _("Scope of work")

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("status", "Requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("agreement")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    changes = models.JSONField(_("proposed changes"), default=dict)
    previous = models.JSONField(_("values replaced"), default=dict, blank=True)
    reason = models.TextField(_("reason"))
    version = models.PositiveSmallIntegerField(
        _("agreement version"), null=True, blank=True, help_text=_("The version it created.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.TextField(_("note on the decision"), blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["agreement", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "version"], name="awards_amendment_unique_version"
            ),
        ]

    def __str__(self):
        return f"{self.agreement.reference}: {self.get_kind_display()}"


class DeliverableVersion(models.Model):
    """Each file a contractor submitted for a deliverable, kept when it is returned and sent
    again, with the reviewer's verdict on that version."""

    deliverable = models.ForeignKey(
        Deliverable,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("deliverable"),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=deliverable_version_upload_to)
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size (bytes)"))
    submitted_at = models.DateTimeField(default=timezone.now, verbose_name=_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # The company it was sent for (the project's contractor then). A company that leaves the
    # project keeps its versions, and the feedback on them, from the next contractor
    # (``awards.selectors.versions_for_user``); staff see every version with its company.
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=Deliverable.Status.choices,
        default=Deliverable.Status.SUBMITTED,
    )
    feedback = models.TextField(_("feedback"), blank=True)

    class Meta:
        verbose_name = _("deliverable version")
        verbose_name_plural = _("deliverable versions")
        ordering = ["deliverable", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliverable", "number"], name="awards_deliverableversion_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.deliverable} v{self.number}"
