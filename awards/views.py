"""The award letter for its applicant: one download, asked of the rule
``awards.download_award_letter``, and the PDF response the staff awards page shares."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from awards.models import Award
from awards.services import award_letter_pdf
from core.views import renders_pdf

LETTER_LANGUAGES = ("en", "ko")


def letter_language(request) -> str:
    """``?lang=en|ko``, else the reader's language; anything else is English."""
    language = request.GET.get("lang") or (get_language() or "en")[:2]
    return language if language in LETTER_LANGUAGES else "en"


def award_letter_response(award: Award, *, language: str) -> HttpResponse:
    """The award letter in ``language`` as a PDF attachment named after the application.

    Never cached, like every attachment (``core.middleware.PrivateResponseMiddleware``): the
    letter names the organisation and the amount."""
    pdf = award_letter_pdf(award=award, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"award-letter-{award.application.reference or award.pk}-{language}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_GET
@renders_pdf
def award_letter(request, award_pk: int):
    """The applicant's award letter, in ``?lang=en|ko`` or else the reader's language.

    Anyone the rule refuses gets a 404, as for another organisation's application: an
    outsider learns nothing about which awards exist."""
    award = (
        Award.objects.select_related(
            "application__organization", "application__track", "application__decision"
        )
        .filter(pk=award_pk)
        .first()
    )
    if award is None or not request.user.has_perm("awards.download_award_letter", award):
        raise Http404
    return award_letter_response(award, language=letter_language(request))
