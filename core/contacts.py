"""The programme's contact points, read from settings (``KCITY_SECRETARIATS``,
``KCITY_HELPDESK_HOURS``, ``KCITY_LETTER_SIGNATORY``) so that every page and letter names the
same help desks and the deployment, not the code, holds the real addresses."""

from django.conf import settings
from django.utils.translation import get_language


def secretariat_contacts() -> list[dict]:
    """Each secretariat's help desk (key, name, tracks, e-mail, phone, website), in the order
    of the setting."""
    return [{"key": key, **contact} for key, contact in settings.KCITY_SECRETARIATS.items()]


def secretariat_contact(organization_name: str) -> dict | None:
    """The help desk of the secretariat called ``organization_name`` (a track's
    ``secretariat.name``), or None when the settings do not list it."""
    contact = settings.KCITY_SECRETARIATS.get(organization_name)
    return {"key": organization_name, **contact} if contact else None


def helpdesk_hours() -> str:
    return str(settings.KCITY_HELPDESK_HOURS)


def letter_signatory(language: str | None = None) -> dict:
    """The signatory of award letters in ``language`` (default: the active one): name and
    title, the Korean ones where set, falling back to English."""
    language = (language or get_language() or "en")[:2]
    signatory = settings.KCITY_LETTER_SIGNATORY
    if language == "ko":
        return {
            "name": signatory.get("name_ko") or signatory.get("name", ""),
            "title": signatory.get("title_ko") or signatory.get("title", ""),
        }
    return {"name": signatory.get("name", ""), "title": signatory.get("title", "")}
