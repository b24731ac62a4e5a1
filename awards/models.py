"""Everything after the decision: funding awards and the deliverables of funded projects."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
