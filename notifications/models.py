from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One message in the outbox: written with the change that causes it, delivered later.

    The row is the source of truth; a broker or mail outage only delays delivery, because the
    periodic job re-queues every message that is still pending or whose retry is due.

    Delivery claims the row before it talks to the mail server (status ``sending``) and
    records the outcome afterwards, each in its own transaction: a claim that never got an
    outcome (the worker died, or the database went away, between the two) is resolved as sent
    with ``delivery_uncertain`` set, never sent again. See ``notifications.services``.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        IN_APP = "in_app", _("In-app notice")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (will retry)")
        DEAD = "dead", _("Given up")
        # Written but kept back until staff have read it and release it (decision e-mails
        # released with "hold the e-mails for review"); never claimed by the sender.
        HELD = "held", _("Held for review")
        # A held message staff decided not to send (a decision changed after it was written);
        # kept, as everything in the outbox, until the retention job removes it.
        DISCARDED = "discarded", _("Discarded without sending")

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
    delivery_uncertain = models.BooleanField(
        _("delivery uncertain"),
        default=False,
        help_text=_(
            "Marked sent without proof: the mail server may or may not have accepted it. "
            "It is not sent again automatically."
        ),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    message_id = models.CharField(
        _("Message-ID"), max_length=255, null=True, blank=True, unique=True, editable=False
    )
    sensitive = models.BooleanField(
        _("contains a personal token"),
        default=False,
        help_text=_("Its link works as a key to an account: the back office never shows it."),
    )
    dedupe_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, verbose_name=_("de-duplication key")
    )
    held_batch = models.CharField(
        _("review batch"),
        max_length=100,
        blank=True,
        help_text=_("Held messages written together (e.g. one track's decisions)."),
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
            models.Index(fields=["status", "next_attempt_at"]),
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


class DeliveryAttempt(models.Model):
    """One try at handing an e-mail to the mail server: opened by the claim, closed by the
    outcome. An attempt left ``in progress`` is the trace of a worker that stopped mid-way."""

    class Outcome(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Refused or unreachable")
        UNCERTAIN = "uncertain", _("Uncertain")

    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
        verbose_name=_("message"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.IN_PROGRESS
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "number"], name="notifications_one_attempt_per_number"
            ),
        ]

    def __str__(self):
        return f"{self.message_id} #{self.number} {self.get_outcome_display()}"


class MessageTemplate(models.Model):
    """One version of a staff-edited message template, in English and Korean.

    The code template (``templates/emails/<name>.txt``) is the default. Each save writes a new
    version and makes it the active one; older versions are kept for the history. With no
    active version (never edited, or "reset to default") the code template is used again.
    The texts are checked when saved (``notifications.message_templates``): only the
    template's own placeholders, the allowed filters and ``{% if %}``.
    """

    name = models.CharField(
        _("template"), max_length=100, help_text=_("e.g. applications/submitted")
    )
    version = models.PositiveIntegerField(_("version"))
    subject_en = models.CharField(_("subject (English)"), max_length=255)
    body_en = models.TextField(_("body (English)"))
    subject_ko = models.CharField(_("subject (Korean)"), max_length=255)
    body_ko = models.TextField(_("body (Korean)"))
    is_active = models.BooleanField(_("in use"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="notifications_template_one_row_per_version"
            ),
            # At most one version of a template is in use; none means the code default.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(is_active=True),
                name="notifications_template_one_active_version",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="notifications_template_version_positive"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def subject_in(self, language: str) -> str:
        """The subject in ``language`` (Korean for "ko", English otherwise)."""
        return self.subject_ko if language == "ko" else self.subject_en

    def body_in(self, language: str) -> str:
        """The body in ``language`` (Korean for "ko", English otherwise)."""
        return self.body_ko if language == "ko" else self.body_en
