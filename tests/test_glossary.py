"""The Korean catalogue follows docs/glossary.md: one Korean term per status, role and thing.

The glossary's tables are read as data (English, context, Korean, check); a "label" row is a
msgid that must be translated exactly so, a "phrase" row a term whose Korean must be in the
translation of every msgid that uses it, and the last table lists Korean words no translation
may use. So "진행 중" beside "접수 중" for an open call, or "직원" for secretariat staff, cannot
come back unnoticed.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_translations import LC, _entries

GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary.md"
# Placeholders and URL paths (``/staff-assignments/``) name no term.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|%[sd]|/[\w\-/]+/")


def _table_rows(text: str, header_start: str) -> list[list[str]]:
    """The cells of every row of the tables whose header row starts with ``header_start``."""
    rows, in_table = [], False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == header_start:
            in_table = True
        elif in_table and not set(cells[0]) <= {"-", ":"}:
            rows.append(cells)
    return rows


def glossary_terms() -> list[tuple[str, str, str, str]]:
    """(English, context, Korean, check) of every term row."""
    rows = _table_rows(GLOSSARY.read_text(encoding="utf-8"), "English")
    return [(english, context, korean, check) for english, context, korean, check, *_ in rows]


def avoided_words() -> list[str]:
    return [row[0] for row in _table_rows(GLOSSARY.read_text(encoding="utf-8"), "Korean")]


def catalogue() -> dict[str, str]:
    """msgid (``context\\x04msgid`` with a context) → Korean, from the .po."""
    text = (LC / "django.po").read_text(encoding="utf-8")
    # A fuzzy entry is not used by gettext (tests/test_translations.py reports it).
    return {
        msgid: msgstr for msgid, msgstr, flags, _plural in _entries(text) if "fuzzy" not in flags
    }


def uses_term(msgid: str, english: str) -> bool:
    """Whether ``msgid`` (its context, placeholders and paths aside) has ``english`` as
    words, its plural included ("programme admins", "reviewers")."""
    text = PLACEHOLDER.sub(" ", msgid.split("\x04")[-1])
    return re.search(rf"\b{re.escape(english)}s?\b", text, re.IGNORECASE) is not None


def label_mismatches(translations: dict, english: str, context: str, korean: str) -> list:
    key = f"{context}\x04{english}" if context else english
    found = translations.get(key)
    return [] if found is None or found == korean else [(key, found)]


def phrase_mismatches(translations: dict, english: str, korean: str) -> list:
    return [
        (msgid, text)
        for msgid, text in translations.items()
        if text
        and uses_term(msgid, english)
        and korean not in text
        and not covered_by_a_longer_term(msgid, text, english)
    ]


def covered_by_a_longer_term(msgid: str, text: str, english: str) -> bool:
    """Whether a longer glossary term holding ``english`` ("guidance for reviewers" holds
    "reviewer") is used in ``msgid`` and translated as the glossary says: its own Korean
    stands for the shorter term there."""
    for longer, _context, korean, check in glossary_terms():
        if longer.lower() == english.lower() or not uses_term(longer, english):
            continue
        used = msgid.split("\x04")[-1] == longer if check == "label" else uses_term(msgid, longer)
        if used and korean in text:
            return True
    return False


def test_glossary_has_the_statuses_and_roles_the_issue_named():
    terms = {(english, context): korean for english, context, korean, _check in glossary_terms()}
    assert terms[("Open", "call status")] == "접수 중"
    assert terms[("In review", "")] == "심사 중"
    assert terms[("Decided", "")] == "선정 완료"
    assert terms[("Closed", "call status")] == "마감"
    assert terms[("secretariat staff", "")] == "사무국 담당자"
    assert terms[("Reviewer", "")] == "평가위원"
    assert "직원" in avoided_words()


@pytest.mark.parametrize(
    ("english", "context", "korean", "check"),
    glossary_terms(),
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_catalogue_uses_the_glossary_term(english, context, korean, check):
    translations = catalogue()
    if check == "label":
        assert label_mismatches(translations, english, context, korean) == []
    else:
        assert check == "phrase", f"unknown check {check!r} in docs/glossary.md"
        assert phrase_mismatches(translations, english, korean) == []


@pytest.mark.parametrize("word", avoided_words())
def test_catalogue_never_uses_an_avoided_word(word):
    assert [msgid for msgid, text in catalogue().items() if word in text] == []


def test_checks_catch_a_wrong_term():
    """The checks themselves: a wrong label and a phrase without the term are reported."""
    wrong = {
        "call status\x04Open": "진행 중",
        "Only staff of this track can ask for clarification.": "이 트랙의 직원만 보완을 요청할 수 있습니다.",
        "%(reviewer)s declined": "%(reviewer)s님이 거절했습니다",
    }
    assert label_mismatches(wrong, "Open", "call status", "접수 중") == [
        ("call status\x04Open", "진행 중")
    ]
    assert len(phrase_mismatches(wrong, "staff", "담당자")) == 1
    # A placeholder named like a term is not the term.
    assert phrase_mismatches(wrong, "reviewer", "평가위원") == []
