"""The applicant's summary PDF says DRAFT on every page while the application is a draft, and
nothing of the kind once it is submitted."""

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from applications.models import Application
from applications.pdf import application_summary_context, render_application_summary

pytestmark = pytest.mark.django_db

MARK = '<div class="draft-watermark" aria-hidden="true">DRAFT — not submitted</div>'
BANNER = '<div class="draft-banner">DRAFT — not submitted</div>'


def _mark_submitted(application, status) -> None:
    application.status = status
    application.reference = "2026-PL-001"
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "reference", "submitted_at"])


def _html(application, language="en") -> str:
    context = application_summary_context(application, language=language)
    with translation.override(language):
        return render_to_string(
            "applications/pdf/summary.html", {**context, "pdf_language": language}
        )


def test_draft_summary_is_marked_draft(complete_draft):
    assert complete_draft.status == Application.Status.DRAFT
    html = _html(complete_draft)
    assert MARK in html and BANNER in html
    assert '<body class="is-draft">' in html


@pytest.mark.parametrize(
    "status",
    [Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW, Application.Status.SELECTED],
)
def test_summary_past_the_draft_is_not_marked(complete_draft, status):
    _mark_submitted(complete_draft, status)
    html = _html(complete_draft)
    assert "draft-watermark" not in html and "DRAFT" not in html
    assert "<body>" in html


def test_draft_mark_follows_the_summary_language(complete_draft):
    context = application_summary_context(complete_draft, language="ko")
    # Lazy: the mark is translated when the PDF template renders, in the PDF's language.
    with translation.override("en"):
        assert str(context["draft_mark"]) == "DRAFT — not submitted"
    assert context["draft_mark"] != ""


def test_draft_style_sheet_repeats_the_mark_on_every_page():
    from core.pdf import PDF_STYLESHEET

    css = PDF_STYLESHEET.read_text()
    for rule in (".draft-watermark", ".draft-banner"):
        block = css[css.index(rule) : css.index("}", css.index(rule))]
        assert "position: fixed" in block, rule


@pytest.mark.pdf
def test_draft_and_submitted_summaries_render(complete_draft):
    draft = render_application_summary(complete_draft, language="en")
    _mark_submitted(complete_draft, Application.Status.SUBMITTED)
    submitted = render_application_summary(complete_draft, language="en")
    assert draft.startswith(b"%PDF") and submitted.startswith(b"%PDF")
