"""Content kept in English and Korean side by side: ``<field>`` and ``<field>_ko``.

The portal's own strings are translated with gettext; what staff type (a call's description, a
criterion's guidance, a project's title) cannot be, so such a model stores the Korean text in a
twin field named ``<field>_ko``. ``localized`` is the one place that picks the twin: the Korean
text for a Korean reader when there is one, the English text otherwise (a Korean page with an
English paragraph beats an empty one). Pages use the ``localized`` template filter
(``core.templatetags.bilingual``), models ``BilingualMixin.display_name``, e-mails
``notifications.services.in_each_language`` (which calls them under each language).
"""

from django.utils.translation import get_language

#: The language whose text lives in the ``_ko`` twin fields.
KOREAN = "ko"


def is_korean(language: str | None = None) -> bool:
    """Whether ``language`` (default: the active one) is Korean (``ko``, ``ko-kr``)."""
    return (language or get_language() or "en").lower().startswith(KOREAN)


def localized(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>_ko`` for a Korean reader when it is not blank, else ``obj.<field>``.

    ``language`` defaults to the active one. A model without the twin field gets its English
    text, so a template may ask for any field.
    """
    if obj is None:
        return ""
    if is_korean(language):
        korean = getattr(obj, f"{field}_{KOREAN}", "")
        if korean and str(korean).strip():
            return korean
    return getattr(obj, field, "") or ""


class BilingualMixin:
    """For a model with ``name`` / ``name_ko`` (and maybe other twins): ``display_name`` and
    ``localized(field)`` in the reader's language, English when the Korean is blank."""

    def localized(self, field: str, language: str | None = None) -> str:
        return localized(self, field, language)

    @property
    def display_name(self) -> str:
        return localized(self, "name")
