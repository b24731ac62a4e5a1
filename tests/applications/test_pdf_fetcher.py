import pytest

from core.pdf import _local_fetcher, font_css


def test_pdf_fetcher_refuses_network():
    with pytest.raises(ValueError):
        _local_fetcher().fetch("https://fonts.example.org/font.woff2")


def test_pdf_fetcher_refuses_files_outside_project():
    with pytest.raises(ValueError):
        _local_fetcher().fetch("file:///etc/passwd")


def test_font_css_loads_only_needed_hangul_subsets():
    latin_only = font_css("Hello")
    korean = font_css("안녕하세요")
    assert "KCity Sans latin" in latin_only
    # Of ~250 subset files only a handful are loaded for short texts.
    assert latin_only.count("@font-face") < 12
    assert latin_only.count("@font-face") < korean.count("@font-face") < 30
