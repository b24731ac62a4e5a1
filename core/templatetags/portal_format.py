"""Formatting helpers for pages and e-mails: KRW amounts and choice labels."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.apps import apps
from django.utils.html import format_html
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


# Compact units, largest first: (size in won, English unit, Korean unit). Korean counts in
# 조/억/만 (10^12, 10^8, 10^4), English in thousand millions and millions.
_ENGLISH_UNITS = ((1_000_000_000_000, "tn"), (1_000_000_000, "bn"), (1_000_000, "M"))
_KOREAN_UNITS = ((1_000_000_000_000, "조"), (100_000_000, "억"), (10_000, "만"))


def _short_number(amount: int, unit: int) -> tuple[Decimal, str]:
    """``amount / unit`` with three significant figures at most (2 decimals under 10, one
    under 100, none above), trailing zeros dropped: 3.4, 4.56, 12.5, 450, 1,234."""
    value = Decimal(amount) / Decimal(unit)
    places = 2 if value < 10 else 1 if value < 100 else 0
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return value, text


def krw_compact_text(amount: int, *, korean: bool) -> str:
    """A KRW amount short enough for a figure tile: ``34억 원`` / ``4.5억 원`` / ``4,500만 원``
    in Korean, ``KRW 3.4 bn`` / ``KRW 450 M`` in English. Amounts under the smallest unit are
    written in full; a negative amount (an overspent budget) gets a minus sign. Rounds half up, so read it with the full amount beside it
    (``krw_tile``)."""
    if amount < 0:
        return "−" + krw_compact_text(-amount, korean=korean)
    units = _KOREAN_UNITS if korean else _ENGLISH_UNITS
    if amount < units[-1][0]:
        return f"{amount:,} 원" if korean else _("KRW %(amount)s") % {"amount": f"{amount:,}"}
    for index, (size, name) in enumerate(units):
        if amount < size:
            continue
        value, text = _short_number(amount, size)
        # Rounding may reach the next unit up (999,999,999 → "1,000 M"): say "1 bn" instead.
        if index and value * size >= units[index - 1][0]:
            size, name = units[index - 1]
            value, text = _short_number(amount, size)
        # A no-break space keeps the number with its unit when a narrow tile wraps the line.
        if korean:
            return f"{text}{name}\u00a0원"
        return _("KRW %(amount)s") % {"amount": f"{text}\u00a0{name}"}
    raise AssertionError("unreachable: the smallest unit is handled above")


@register.filter
def krw_compact(value) -> str:
    """The compact form of ``krw`` in the active language (see ``krw_compact_text``)."""
    if value in (None, ""):
        return ""
    return krw_compact_text(int(value), korean=(get_language() or "en").startswith("ko"))


@register.filter
def krw_tile(value) -> str:
    """A KRW amount for a figure tile: the compact form shown (with the full amount as its
    tooltip) and the full amount for screen readers, so a tile never needs the width of
    "KRW 3,400,000,000" and nobody loses the exact figure."""
    if value in (None, ""):
        return ""
    full = krw(value)
    return format_html(
        '<span class="amount-compact" title="{}" aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span>',
        full,
        krw_compact(value),
        full,
    )


@register.filter
def choice_label(value, field_path: str) -> str:
    """The translated label of a stored choice, e.g. ``status|choice_label:"applications.Application.status"``."""
    app_label, model_name, field_name = field_path.split(".")
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    return str(dict(field.flatchoices).get(value, value))
