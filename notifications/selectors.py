from notifications.models import Message


def notices_for_user(user, *, unread_only: bool = False):
    """The user's in-app notices, newest first."""
    if not user.is_authenticated:
        return Message.objects.none()
    qs = Message.objects.filter(recipient=user, channel=Message.Channel.IN_APP)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at")
