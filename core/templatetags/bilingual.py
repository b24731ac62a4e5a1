"""``{{ call|localized:"description" }}``: a content field in the reader's language.

The filter is ``core.bilingual.localized`` for templates: ``<field>_ko`` on a Korean page when
it is filled in, the English ``<field>`` otherwise.
"""

from django import template

from core.bilingual import localized as localized_field

register = template.Library()


@register.filter
def localized(obj, field: str) -> str:
    return localized_field(obj, field)
