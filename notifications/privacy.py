"""The outbox's personal data: messages (address, subject, body, context).

``notifications`` sits below ``accounts`` and may not import its registry, so this module only
offers the functions; ``AccountsConfig.ready`` registers them with ``accounts.privacy``. A
message older than a year has done its work (delivered, or given up): it is deleted, which is
also why it needs no marker.
"""

from django.db.models import Q

from notifications.models import Message
from notifications.selectors import shown_body

RETENTION_YEARS = 1


def messages_due(cutoff):
    """Messages written before ``cutoff`` and no longer waiting for delivery (or for review)."""
    return Message.objects.filter(created_at__lt=cutoff).exclude(
        status__in=[Message.Status.PENDING, Message.Status.HELD]
    )


def delete_message(message: Message) -> None:
    Message.objects.filter(pk=message.pk).delete()


def messages_to(user):
    """Every message to the person: by account, or by address (an invitation or an
    erasure decision is written to an address, with no account attached)."""
    return Message.objects.filter(Q(recipient=user) | Q(to_email__iexact=user.email))


def export_messages(user) -> list[dict]:
    """The messages ``erase_messages`` would delete, as the outbox shows them: a line that
    carries a personal token (a reset or invitation link) is replaced by a note, so the
    archive, which people store and forward, is no key to an account."""
    return [
        {
            "channel": m.channel,
            "to": m.to_email,
            "template": m.template,
            "subject": m.subject,
            "body": shown_body(m),
            "status": m.status,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            "read_at": m.read_at,
        }
        for m in messages_to(user).order_by("created_at", "pk")
    ]


def erase_messages(user) -> int:
    """Delete every message to the person (by account or by address)."""
    deleted, _by_model = messages_to(user).delete()
    return deleted
