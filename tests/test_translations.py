"""The Korean catalogue: every extracted message translated, and the compiled file in step.

``makemessages`` itself needs GNU gettext and rewrites files, so the suite does not run it;
these tests catch the two ways the committed catalogue goes wrong: an entry left empty or fuzzy
after ``makemessages``, and a ``.po`` edited without recompiling the ``.mo``.
"""

import gettext
import re
from pathlib import Path

from django.conf import settings

LC = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"


def _entries(text: str):
    """(msgid, msgstr or msgstr[0], flags, plural?) for every entry of a .po file but the header;
    an entry with a context has gettext's key ``context\x04msgid``."""
    for block in re.split(r"\n\s*\n", text):
        flags = " ".join(re.findall(r"^#,(.*)$", block, re.M))
        msgid = _string(block, "msgid")
        if not msgid:
            continue
        context = _string(block, "msgctxt")
        if context:
            msgid = f"{context}\x04{msgid}"
        plural = "msgid_plural" in block
        msgstr = _string(block, r"msgstr\[0\]" if plural else "msgstr")
        yield msgid, msgstr, flags, plural


def _string(block: str, keyword: str) -> str:
    match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block, re.M)
    if not match:
        return ""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
    return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")


def test_every_korean_entry_is_translated_and_not_fuzzy():
    text = (LC / "django.po").read_text(encoding="utf-8")
    entries = list(_entries(text))
    assert len(entries) > 1000
    untranslated = [msgid for msgid, msgstr, _, _ in entries if not msgstr]
    fuzzy = [msgid for msgid, _, flags, _ in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file():
    text = (LC / "django.po").read_text(encoding="utf-8")
    with (LC / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for msgid, msgstr, _, plural in _entries(text)
        if (compiled.ngettext(msgid, msgid, 1) if plural else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == []
