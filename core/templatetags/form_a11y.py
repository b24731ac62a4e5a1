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
    if kept_upload(field):
        described.append(f"{base}-kept")
    attrs = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def kept_upload(field) -> dict | None:
    """The file kept for a file field of a form shown again (``core.kept_uploads``): its
    ``name`` and ``size``; None for other fields and when nothing is kept."""
    kept = getattr(field.field.widget, "kept", None)
    return {"name": kept[1], "size": kept[2]} if kept else None
