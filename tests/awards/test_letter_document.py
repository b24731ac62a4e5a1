"""The award letter as an official document: a stable document number, the programme's
emblem, the signatory of the settings, the secretariat's contact, the date in KST, a
bilingual letterhead; a letter of an award not approved yet is marked as a draft."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from awards.models import Award
from awards.services import (
    award_letter_context,
    award_letter_number,
    award_letter_pdf,
    transition_award,
)
from core.pdf import render_pdf
from tests.factories import SubmittedApplicationFactory

pytestmark = pytest.mark.django_db

SIGNATORY = {
    "name": "Kim Min-ji",
    "name_ko": "김민지",
    "title": "Director, Global Smart City Cooperation",
    "title_ko": "글로벌스마트도시협력과장",
}


@pytest.fixture
def award(planning_track, settings):
    settings.KCITY_LETTER_SIGNATORY = SIGNATORY
    application = SubmittedApplicationFactory(track=planning_track, reference="2026-PL-007")
    return Award.objects.create(application=application, amount=450_000_000)


def _html(award, language="en") -> str:
    with translation.override(language):
        context = award_letter_context(award=award, language=language)
        return render_to_string("pdf/award_letter.html", {**context, "pdf_language": language})


def test_letter_number_is_derived_from_the_application_reference(award, programme_admin):
    assert award_letter_number(award) == "KCN-AL-2026-PL-007"
    # The same number whatever happens to the award afterwards, in either language.
    award = transition_award(award=award, to=Award.Status.APPROVED, actor=programme_admin)
    assert award_letter_number(award) == "KCN-AL-2026-PL-007"
    for language in ("en", "ko"):
        assert '<td class="letter-number">KCN-AL-2026-PL-007</td>' in _html(award, language)


def test_letter_number_of_an_award_without_reference_uses_the_award_id(award):
    award.application.reference = None
    award.application.save(update_fields=["reference"])
    award.refresh_from_db()
    assert award_letter_number(award) == f"KCN-AL-{award.pk:06d}"


@pytest.mark.parametrize(
    ("language", "name", "title"),
    [
        ("en", "Kim Min-ji", "Director, Global Smart City Cooperation"),
        ("ko", "김민지", "글로벌스마트도시협력과장"),
    ],
)
def test_letter_is_signed_by_the_signatory_of_the_settings(award, language, name, title):
    html = _html(award, language)
    assert f'<strong class="signatory-name">{name}</strong>' in html
    assert f'<span class="signatory-title">{title}</span>' in html


def test_letter_without_a_signatory_name_shows_the_title_only(award, settings):
    settings.KCITY_LETTER_SIGNATORY = {"name": "", "title": "Programme Director"}
    html = _html(award)
    assert "signatory-name" not in html
    assert '<span class="signatory-title">Programme Director</span>' in html


def test_letter_carries_the_emblem_and_a_bilingual_letterhead(award):
    html = _html(award, "en")
    assert html.count('src="static/img/kcity-emblem.svg"') == 2  # letterhead and signature
    assert "K-City Network" in html and "케이시티 네트워크" in html
    assert "대한민국 국토교통부" in html


def test_letter_names_the_track_secretariat_help_desk(award, settings):
    settings.KCITY_SECRETARIATS = {
        "KIND": {
            "name": "KIND help desk",
            "tracks": "Smart City Planning",
            "email": "kcity@kind.test",
            "phone": "+82 2 123 4567",
            "website": "https://kind.test",
        }
    }
    html = _html(award)
    contact = html[html.index('<div class="letter-contact">') :]
    assert "KIND help desk" in contact and "kcity@kind.test" in contact
    assert "+82 2 123 4567" in contact
    assert "Please quote the document number KCN-AL-2026-PL-007" in contact


def test_letter_is_dated_in_korea_standard_time(award):
    context = award_letter_context(award=award)
    html = _html(award)
    assert f'<p class="date">{context["letter_date"]:%Y-%m-%d}</p> (Korea Standard Time)' in html


def test_letter_of_an_award_not_approved_yet_is_marked_draft(award, programme_admin):
    assert '<div class="draft-watermark" aria-hidden="true">DRAFT — not approved</div>' in _html(
        award
    )
    award = transition_award(award=award, to=Award.Status.APPROVED, actor=programme_admin)
    html = _html(award)
    assert "draft-watermark" not in html and "DRAFT" not in html


@pytest.mark.pdf
def test_letter_pdf_carries_its_number_in_the_document_title(award):
    assert award_letter_pdf(award=award, language="en").startswith(b"%PDF")
    context = award_letter_context(award=award, language="en")
    pdf = render_pdf("pdf/award_letter.html", context, language="en", uncompressed_pdf=True)
    # The document's title (its Info dictionary; the outline has /Title entries too).
    titles = [
        bytes.fromhex(raw[1:-1].decode()).decode("utf-16") if raw[:1] == b"<" else raw.decode()
        for raw in re.findall(rb"/Title\s*(\([^)]*\)|<[0-9A-Fa-f]+>)", pdf)
    ]
    assert any("KCN-AL-2026-PL-007" in title for title in titles), titles
