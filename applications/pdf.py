"""The printable application summary (PDF) in the reader's language."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from applications import selectors
from applications.models import Application
from core.pdf import render_pdf


def application_summary_context(application: Application, *, language: str) -> dict:
    """What the summary shows, read in ``language`` (see ``render_application_summary``).

    ``draft_mark`` is set while the application is a draft: pdf/base.html then writes
    "DRAFT — not submitted" across and atop every page, so that a printed or forwarded draft
    cannot be taken for the application the secretariat received. Writes nothing."""
    with translation.override(language):
        return {
            "application": application,
            "visible_status_label": selectors.applicant_visible_status_label(application),
            "sections": selectors.sections_for_application(application),
            "members": list(application.consortium_members.all()),
            "documents": list(application.documents.all()),
            # Read with the questions as they were answered (their snapshot).
            "answer_groups": selectors.shown_answers(application, language),
            "timeline": selectors.applicant_timeline(application),
            "draft_mark": (
                _("DRAFT — not submitted") if application.status == Application.Status.DRAFT else ""
            ),
        }


def render_application_summary(application: Application, *, language: str, **options) -> bytes:
    """The applicant-safe summary: what was submitted, status as the applicant sees it.

    Never reviewer names or scores; the status is ``applicant_visible_status``; a draft is
    marked as such on every page (``application_summary_context``).
    """
    context = application_summary_context(application, language=language)
    return render_pdf("applications/pdf/summary.html", context, language=language, **options)
