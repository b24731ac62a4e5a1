"""Formatting helpers for pages and e-mails: KRW amounts and choice labels."""

from django import template
from django.apps import apps
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def krw(value) -> str:
    """KRW with thousands separators; in Korean, as 억/만 원 where that reads naturally."""
    if value in (None, ""):
        return ""
    amount = int(value)
    if (get_language() or "en").startswith("ko"):
        eok, rest = divmod(amount, 100_000_000)
        man, won = divmod(rest, 10_000)
        parts = []
        if eok:
            parts.append(f"{eok:,}억")
        if man:
            parts.append(f"{man:,}만")
        if won or not parts:
            parts.append(f"{won:,}")
        return " ".join(parts) + " 원"
    return _("KRW %(amount)s") % {"amount": f"{amount:,}"}


@register.filter
def choice_label(value, field_path: str) -> str:
    """The translated label of a stored choice, e.g. ``status|choice_label:"applications.Application.status"``."""
    app_label, model_name, field_name = field_path.split(".")
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    return str(dict(field.flatchoices).get(value, value))
