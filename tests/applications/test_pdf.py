import re

import pytest

from applications.pdf import render_application_summary

pytestmark = [pytest.mark.django_db, pytest.mark.pdf]


def _fonts(pdf: bytes) -> set[str]:
    return {name.decode().split("+", 1)[-1] for name in re.findall(rb"/BaseFont\s*/([^\s/]+)", pdf)}


def test_summary_pdf_korean_uses_bundled_hangul_font(complete_draft):
    complete_draft.title = "클랑 스마트시티 마스터플랜"
    complete_draft.save()
    pdf = render_application_summary(complete_draft, language="ko", uncompressed_pdf=True)
    fonts = _fonts(pdf)
    # Hangul comes from the numbered Noto Sans KR subsets shipped with the project, never from a
    # system font.
    assert any(re.fullmatch(r"KCity-Sans-\d+(-Bold)?", font) for font in fonts), fonts
    assert all(font.startswith("KCity-Sans-") for font in fonts), fonts


def test_summary_pdf_english_has_latin_font_only(complete_draft):
    pdf = render_application_summary(complete_draft, language="en", uncompressed_pdf=True)
    assert _fonts(pdf) <= {"KCity-Sans-latin", "KCity-Sans-latin-Bold", "KCity-Sans-latin-ext"}
