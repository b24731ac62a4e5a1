"""Render form widgets tied to their help and error text for screen readers."""

from django import template

register = template.Library()


@register.filter
def accessible_widget(field):
    """The field's widget with ``aria-describedby`` (help and error text) and ``aria-invalid``."""
    base = field.id_for_label or field.auto_id
    described = []
    if field.help_text:
        described.append(f"{base}-help")
    if field.errors:
        described.append(f"{base}-error")
    attrs = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
