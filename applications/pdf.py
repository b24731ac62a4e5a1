"""The printable application summary (PDF) in the reader's language."""

from applications import selectors
from applications.models import Application
from core.pdf import render_pdf


def render_application_summary(application: Application, *, language: str, **options) -> bytes:
    """The applicant-safe summary: what was submitted, status as the applicant sees it.

    Never reviewer names or scores; the status is ``applicant_visible_status``.
    """
    from django.utils import translation

    with translation.override(language):
        context = {
            "application": application,
            "visible_status_label": selectors.applicant_visible_status_label(application),
            "sections": selectors.sections_for_track(application.track),
            "members": list(application.consortium_members.all()),
            "documents": list(application.documents.all()),
            "timeline": selectors.applicant_timeline(application),
        }
    return render_pdf("applications/pdf/summary.html", context, language=language, **options)
