"""The outbox in the back office: programme admins read messages and retry failed deliveries.

Messages are written by ``notifications.services.queue_message`` and delivered by its task:
nobody adds, changes or deletes one here (a deleted message would be a lost notice with no
trace). The body, link and context of a message carrying a personal token (a verification,
password-reset or invitation link) are shown with the token hidden, to every user:
``notifications.selectors.shown_body`` and its neighbours.
"""

import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyInline, ServiceModelAdmin, service_action
from notifications import selectors, services
from notifications.models import DeliveryAttempt, Message, MessageTemplate

RETRY_DELIVERY = services.RETRY_DELIVERY
RELEASE_HELD = services.RELEASE_HELD_MESSAGES


class DeliveryAttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "error"]
    readonly_fields = fields
    verbose_name_plural = _("delivery attempts")

    def has_view_permission(self, request, obj=None):
        # Part of the message: whoever reads the message reads how it was delivered.
        return request.user.has_perm("notifications.view_message")


@admin.register(Message)
class MessageAdmin(ServiceModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "template",
        "recipient",
        "to_email",
        "status",
        "delivery_uncertain",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    # "Held for review" is one of the statuses; the batch narrows it to one release.
    list_filter = [
        "status",
        "held_batch",
        "delivery_uncertain",
        "channel",
        "template",
        "language",
        "sensitive",
    ]
    search_fields = ["to_email", "recipient__email", "subject", "template", "held_batch"]
    list_select_related = ["recipient"]
    # The raw fields that may carry a token are replaced by their shown_* versions.
    exclude = ["body", "link", "context"]
    readonly_fields = [
        "recipient",
        "to_email",
        "channel",
        "template",
        "language",
        "subject",
        "shown_body",
        "shown_link",
        "shown_context",
        "sensitive",
        "status",
        "held_batch",
        "delivery_uncertain",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "message_id",
        "dedupe_key",
        "created_at",
        "sent_at",
        "read_at",
    ]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_delivery", "release_held"]

    @admin.display(description=_("body"))
    def shown_body(self, obj):
        return selectors.shown_body(obj)

    @admin.display(description=_("link"))
    def shown_link(self, obj):
        return selectors.shown_link(obj)

    @admin.display(description=_("context"))
    def shown_context(self, obj):
        return json.dumps(selectors.shown_context(obj), ensure_ascii=False, indent=2)

    def has_retry_permission(self, request):
        # The rule is published by the accounts app (programme admins), which knows the roles.
        return request.user.has_perm(RETRY_DELIVERY) and self.has_view_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_retry_permission(request):
            actions.pop("retry_delivery", None)
        if not (request.user.has_perm(RELEASE_HELD) and self.has_view_permission(request)):
            actions.pop("release_held", None)
        return actions

    # "Retry now": each row through ``retry_message`` (its rule, its audit row, delivery queued
    # after commit); a sent, pending or in-flight message is refused with the service's reason.
    retry_delivery = service_action(
        name="retry_delivery",
        description=_("Retry now"),
        service=services.retry_message,
        subject="message",
        rule=RETRY_DELIVERY,
    )

    # "Send held messages": each row through ``release_held_message`` (its rule, its audit row,
    # the e-mail queued after commit); a message that is not held is refused with the reason.
    release_held = service_action(
        name="release_held",
        description=_("Send held messages"),
        service=services.release_held_message,
        subject="message",
        rule=RELEASE_HELD,
    )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceModelAdmin):
    """The saved versions, read-only: they are written by the staff editor
    (``/staff/messages/templates/``), which checks the texts and audits each save."""

    list_display = ["name", "version", "is_active", "created_by", "created_at"]
    list_filter = ["is_active", "name"]
    search_fields = ["name", "subject_en", "subject_ko"]
    list_select_related = ["created_by"]
    readonly_fields = [
        "name",
        "version",
        "subject_en",
        "body_en",
        "subject_ko",
        "body_ko",
        "is_active",
        "created_by",
        "created_at",
    ]
