"""Reads of the outbox: a user's notices, and what staff may see of a message."""

from dataclasses import dataclass

from django.db.models import Count, Max, Min
from django.utils.translation import gettext_lazy as _

from notifications import message_templates
from notifications.models import Message, MessageTemplate

# Templates whose link is a personal key to an account (opening it verifies an address,
# resets a password or joins an organisation or a committee as whoever holds it), with the
# context entries that carry the token besides the message's ``link``. ``queue_message``
# marks their messages ``sensitive``; the back office never shows those parts.
SENSITIVE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "accounts/verify_email": ("verify_path",),
    "accounts/email_change_confirm": ("confirm_path",),
    "accounts/invitation": ("accept_path",),
    "accounts/password_reset": ("token", "uid"),
    "reviews/invitation": (),
}
HIDDEN_LINK = _("[link hidden: contains a personal token]")


def notices_for_user(user, *, unread_only: bool = False):
    """The user's in-app notices, newest first."""
    if not user.is_authenticated:
        return Message.objects.none()
    qs = Message.objects.filter(recipient=user, channel=Message.Channel.IN_APP).exclude(
        # Not shown before staff release it, nor ever once they discarded it.
        status__in=[Message.Status.HELD, Message.Status.DISCARDED]
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at")


def is_sensitive_template(template: str) -> bool:
    """Whether messages of ``template`` carry a personal token."""
    return template in SENSITIVE_TEMPLATES


def sensitive_placeholders(template: str) -> tuple[str, ...]:
    """The placeholders of ``template`` that carry its personal token (the link and the
    context entries above), none for a template without one: a custom text may use them only
    as they are in its body (``notifications.services.template_errors``), where ``shown_body``
    hides them."""
    if not is_sensitive_template(template):
        return ()
    return ("link", *SENSITIVE_TEMPLATES[template])


def _is_sensitive(message: Message) -> bool:
    # The template list too: rows written before the flag existed, or by hand, are covered.
    return message.sensitive or is_sensitive_template(message.template)


def _secrets(message: Message) -> list[str]:
    keys = SENSITIVE_TEMPLATES.get(message.template, ())
    values = [message.link, *(str(message.context.get(key) or "") for key in keys)]
    return [value for value in values if value]


def shown_body(message: Message) -> str:
    """The body as staff may read it: for a message with a personal token, every line that
    carries the token or any address is replaced by a note. The same for every user,
    superusers included: nobody needs the key to someone else's account to run the outbox."""
    if not _is_sensitive(message):
        return message.body
    secrets = _secrets(message)
    return "\n".join(
        str(HIDDEN_LINK) if "://" in line or any(s in line for s in secrets) else line
        for line in message.body.splitlines()
    )


def shown_link(message: Message) -> str:
    """The message's link as staff may read it (hidden when it carries a token)."""
    return str(HIDDEN_LINK) if _is_sensitive(message) and message.link else message.link


def shown_context(message: Message) -> dict:
    """The stored template context as staff may read it (token entries hidden)."""
    if not _is_sensitive(message):
        return message.context
    secrets = _secrets(message)
    hidden = set(SENSITIVE_TEMPLATES.get(message.template, ()))
    return {
        key: str(HIDDEN_LINK) if key in hidden or str(value) in secrets else value
        for key, value in message.context.items()
    }


# -- message templates -------------------------------------------------------------------------


def active_template(name: str) -> MessageTemplate | None:
    """The version of ``name`` staff put in use, or None when the code template is used."""
    return MessageTemplate.objects.filter(name=name, is_active=True).first()


@dataclass(frozen=True)
class TemplateRow:
    """One message template on the staff list: customised or default, and its last change."""

    name: str
    active: MessageTemplate | None
    versions: int
    last_change: object  # datetime of the newest version, None when never edited

    @property
    def is_custom(self) -> bool:
        return self.active is not None


def message_template_rows() -> list[TemplateRow]:
    """Every template with a code default, with its version in use and history size (two
    queries, whatever the number of templates and versions)."""
    stats = {
        row["name"]: row
        for row in MessageTemplate.objects.values("name")
        .annotate(n=Count("id"), last=Max("created_at"))
        .order_by()
    }
    active = {
        t.name: t
        for t in MessageTemplate.objects.filter(is_active=True).select_related("created_by")
    }
    return [
        TemplateRow(
            name=name,
            active=active.get(name),
            versions=stats.get(name, {}).get("n", 0),
            last_change=stats.get(name, {}).get("last"),
        )
        for name in message_templates.template_names()
    ]


def template_versions(name: str):
    """Every saved version of ``name``, newest first, with who saved it."""
    return MessageTemplate.objects.filter(name=name).select_related("created_by")


def latest_message_of_template(name: str) -> Message | None:
    """The most recent outbox message written from ``name`` (an e-mail when there is one):
    the real data a draft is previewed with."""
    messages = Message.objects.filter(template=name).order_by("-created_at", "-pk")
    return (
        messages.filter(channel=Message.Channel.EMAIL).first()
        or messages.filter(channel=Message.Channel.IN_APP).first()
    )


# -- messages held for review ------------------------------------------------------------------


def held_messages(*, batch: str | None = None):
    """Messages held for review (of one batch), oldest first, with their recipient."""
    qs = Message.objects.filter(status=Message.Status.HELD).select_related("recipient")
    if batch:
        qs = qs.filter(held_batch=batch)
    return qs.order_by("held_batch", "created_at", "pk")


def held_batches() -> list[dict]:
    """Each review batch with held messages: its name, count and oldest message."""
    return list(
        Message.objects.filter(status=Message.Status.HELD)
        .values("held_batch")
        .annotate(count=Count("id"), oldest=Min("created_at"))
        .order_by("held_batch")
    )
