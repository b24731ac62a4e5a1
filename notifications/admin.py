"""The outbox in the back office: programme admins read messages and can retry a delivery.

Messages are written by ``notifications.services.queue_message`` and delivered by its task:
nobody adds, changes or deletes one here (a deleted message would be a lost notice with no
trace).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ServiceModelAdmin
from notifications import services
from notifications.models import Message

RETRY_DELIVERY = "notifications.retry_delivery"


@admin.register(Message)
class MessageAdmin(ServiceModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "template",
        "recipient",
        "to_email",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["channel", "status", "template", "language"]
    search_fields = ["to_email", "recipient__email", "subject", "template"]
    list_select_related = ["recipient"]
    readonly_fields = [
        "recipient",
        "to_email",
        "channel",
        "template",
        "context",
        "language",
        "subject",
        "body",
        "link",
        "status",
        "attempts",
        "last_error",
        "dedupe_key",
        "created_at",
        "sent_at",
        "read_at",
    ]
    actions = ["retry_delivery"]

    def has_retry_permission(self, request):
        # The rule is published by the accounts app (programme admins), which knows the roles.
        return request.user.has_perm(RETRY_DELIVERY) and self.has_view_permission(request)

    @admin.action(description=_("Queue the e-mail delivery again"), permissions=["retry"])
    def retry_delivery(self, request, queryset):
        ids = list(
            queryset.filter(
                channel=Message.Channel.EMAIL,
                status__in=[Message.Status.PENDING, Message.Status.FAILED],
            ).values_list("pk", flat=True)
        )
        # Delivery stays with the Celery task (idempotent: a sent message is not sent twice).
        services._queue_delivery(ids)
        self.message_user(
            request,
            ngettext("%(count)d message queued.", "%(count)d messages queued.", len(ids))
            % {"count": len(ids)},
            level=messages.SUCCESS,
        )
