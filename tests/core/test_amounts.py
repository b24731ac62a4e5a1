"""Compact KRW amounts for figure tiles (core.templatetags.portal_format): 억/만 in Korean,
bn/M in English, the boundaries between units, and the full amount kept beside the short one."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.templatetags.portal_format import krw_compact, krw_compact_text, krw_tile

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "korean", "english"),
    [
        (0, "0 원", "KRW 0"),
        (9_999, "9,999 원", "KRW 9,999"),
        (10_000, f"1만{NBSP}원", "KRW 10,000"),
        (999_999, f"100만{NBSP}원", "KRW 999,999"),
        (1_000_000, f"100만{NBSP}원", f"KRW 1{NBSP}M"),
        (45_000_000, f"4,500만{NBSP}원", f"KRW 45{NBSP}M"),
        (99_999_999, f"1억{NBSP}원", f"KRW 100{NBSP}M"),
        (100_000_000, f"1억{NBSP}원", f"KRW 100{NBSP}M"),
        (450_000_000, f"4.5억{NBSP}원", f"KRW 450{NBSP}M"),
        (456_700_000, f"4.57억{NBSP}원", f"KRW 457{NBSP}M"),
        (999_999_999, f"10억{NBSP}원", f"KRW 1{NBSP}bn"),
        (1_000_000_000, f"10억{NBSP}원", f"KRW 1{NBSP}bn"),
        (3_400_000_000, f"34억{NBSP}원", f"KRW 3.4{NBSP}bn"),
        (12_345_678_901, f"123억{NBSP}원", f"KRW 12.3{NBSP}bn"),
        (999_999_999_999, f"1조{NBSP}원", f"KRW 1{NBSP}tn"),
        (2_500_000_000_000, f"2.5조{NBSP}원", f"KRW 2.5{NBSP}tn"),
        (-50_000_000, f"−5,000만{NBSP}원", f"−KRW 50{NBSP}M"),
    ],
)
def test_krw_compact_text_in_both_languages(amount, korean, english):
    assert krw_compact_text(amount, korean=True) == korean
    assert krw_compact_text(amount, korean=False) == english


def test_krw_compact_rounds_half_up_to_three_significant_figures():
    assert krw_compact_text(3_455_000_000, korean=False) == f"KRW 3.46{NBSP}bn"
    assert krw_compact_text(3_454_999_999, korean=False) == f"KRW 3.45{NBSP}bn"
    assert krw_compact_text(12_350_000_000, korean=True) == f"124억{NBSP}원"


def test_krw_compact_filter_follows_the_active_language():
    with translation.override("ko"):
        assert krw_compact(3_400_000_000) == f"34억{NBSP}원"
    with translation.override("en"):
        assert krw_compact("3400000000") == f"KRW 3.4{NBSP}bn"
        assert krw_compact(None) == "" and krw_compact("") == ""


def test_krw_tile_shows_the_compact_amount_and_keeps_the_full_one():
    with translation.override("en"):
        html = krw_tile(3_400_000_000)
    assert (
        f'<span class="amount-compact" title="KRW 3,400,000,000" aria-hidden="true">'
        f"KRW 3.4{NBSP}bn</span>"
    ) in html
    assert '<span class="visually-hidden">KRW 3,400,000,000</span>' in html
    with translation.override("ko"):
        html = krw_tile(450_000_000)
    # The full Korean amount is the existing long form (krw): 4억 5,000만 원.
    assert f'title="4억 5,000만 원" aria-hidden="true">4.5억{NBSP}원</span>' in html
    assert '<span class="visually-hidden">4억 5,000만 원</span>' in html
    assert krw_tile(None) == ""


def test_krw_tile_in_a_template_is_not_escaped_twice():
    with translation.override("en"):
        html = Template("{% load portal_format %}{{ v|krw_tile }}").render(
            Context({"v": 450_000_000})
        )
    assert html.startswith('<span class="amount-compact"') and "&lt;" not in html
