from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One message in the outbox: written with the change that causes it, delivered later.

    The row is the source of truth; a broker or mail outage only delays delivery, because the
    periodic job re-queues every message that is still pending.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        IN_APP = "in_app", _("In-app notice")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (will retry)")
        DEAD = "dead", _("Given up")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("recipient"),
    )
    to_email = models.EmailField(_("to"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template = models.CharField(
        _("template"), max_length=100, help_text=_("e.g. applications/submitted")
    )
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=5, default="en")
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    dedupe_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, verbose_name=_("de-duplication key")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["recipient", "channel", "read_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="email") | ~Q(to_email=""),
                name="notifications_email_has_address",
            ),
            models.CheckConstraint(
                condition=~Q(channel="in_app") | Q(recipient__isnull=False),
                name="notifications_in_app_has_recipient",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_channel_display()} {self.template} → {self.to_email or self.recipient_id}"
        )
