"""Fill locale/ko/LC_MESSAGES/django.po from locale/ko_translations.json (msgid → Korean).

Entries with a context are keyed ``"<context>\u0004<msgid>"``, as gettext does.

Run after ``makemessages -l ko``; prints the msgids that still need a translation. The
translations themselves are written by hand in the JSON file; this only copies them over.
Needs ``polib`` (a maintenance tool, not a runtime dependency).
"""

import json
import re
import sys
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
PO = HERE / "ko" / "LC_MESSAGES" / "django.po"
TRANSLATIONS = HERE / "ko_translations.json"


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text))


def main() -> int:
    translations = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    po = polib.pofile(str(PO))
    po.metadata["Language"] = "ko"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Project-Id-Version"] = "K-City Network Portal"
    po.metadata["Language-Team"] = "Korean"
    po.metadata["Last-Translator"] = "K-City Network Portal team"
    po.metadata_is_fuzzy = False  # a fuzzy header would make msgfmt ignore Plural-Forms
    missing, bad = [], []
    for entry in po:
        key = f"{entry.msgctxt}\u0004{entry.msgid}" if entry.msgctxt else entry.msgid
        korean = translations.get(key)
        if korean is None:
            missing.append(key)
            continue
        wanted = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        if placeholders(korean) - wanted or (wanted - placeholders(korean)) - {"%(counter)s"}:
            bad.append((entry.msgid, korean))
        if entry.msgid_plural:
            entry.msgstr_plural = {0: korean}
        else:
            entry.msgstr = korean
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    for msgid in missing:
        print("MISSING:", repr(msgid))
    for msgid, korean in bad:
        print("PLACEHOLDERS DIFFER:", repr(msgid), "→", repr(korean))
    return 1 if missing or bad else 0


if __name__ == "__main__":
    sys.exit(main())
