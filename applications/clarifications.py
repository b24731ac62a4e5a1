"""What a clarification changed: the reopened sections as they were when staff asked, and as
the applicant sent them back.

``request_clarification`` stores ``snapshot`` of the sections it reopens in the request's
``before``; ``answer_clarification`` stores the same sections again in ``after``. ``changes``
compares the two (an open request with the application as it is now: the changes so far),
for the staff member screening the answer and for the applicant's own status page.

A snapshot keeps stored values, not text: a field's value as the database has it (a foreign
key as its id), an answer with the question as it was answered, the consortium's members and
the documents' names. They are put into words when shown, in the reader's language.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from applications import questions as q
from applications.models import Application, ClarificationRequest, ConsortiumMember
from applications.selectors import SECTION_FIELDS, SECTION_LABELS, SECTIONS, stored_answers
from core.templatetags.portal_format import krw
from projects.selectors import document_requirements

MONEY_FIELDS = frozenset({"budget_requested", "co_financing"})
# Texts at least this long are shown word by word, what was taken out and what was put in.
WORD_DIFF_MIN_LENGTH = 80


def snapshot(application: Application, sections) -> dict:
    """The stored content of ``sections`` of ``application`` (JSON-serialisable)."""
    sections = set(sections)
    taken: dict = {"fields": {}}
    for section, names in SECTION_FIELDS.items():
        if section in sections:
            for name in names:
                value = Application._meta.get_field(name).value_from_object(application)
                taken["fields"][name] = None if value is None else _json(value)
    if "questions" in sections:
        taken["answers"] = {
            answer.question.code: {
                "question": answer.question_snapshot or q.snapshot(answer.question),
                "value": answer.value,
            }
            for answer in stored_answers(application)
        }
    if "consortium" in sections:
        taken["consortium"] = [
            {"name": m.name, "role": m.role, "kind": m.kind, "country_code": m.country_code}
            for m in application.consortium_members.order_by("pk")
        ]
    if "documents" in sections:
        taken["documents"] = [
            {"id": str(d.public_id), "kind": d.kind, "name": d.original_name, "size": d.size}
            for d in application.documents.order_by("kind", "pk")
        ]
    return taken


def without_personal_data(taken: dict, fields, *, documents: bool = True) -> dict:
    """``taken`` (a snapshot) with the personal ``fields`` emptied and, with ``documents``,
    the documents' list left out (their names may name people)."""
    if not taken:
        return taken
    kept = {**taken, "fields": dict(taken.get("fields", {}))}
    for name in fields:
        if name in kept["fields"]:
            kept["fields"][name] = ""
    if documents:
        kept.pop("documents", None)
    return kept


def _json(value):
    if isinstance(value, (bool, int, str)):
        return value
    return str(value)  # a Decimal, kept exactly


@dataclass(frozen=True)
class Change:
    """One item of a reopened section that is not what it was: its words before and after
    (``"—"`` for nothing), and for a long text the words taken out and put in."""

    section: str
    label: str
    before: str
    after: str
    words: tuple[tuple[str, str], ...] = field(default=())

    @property
    def section_label(self) -> str:
        return str(SECTION_LABELS.get(self.section, self.section))

    @property
    def before_pieces(self) -> tuple[tuple[str, str], ...]:
        """The text before with what was taken out marked (a long text; else empty)."""
        return tuple(piece for piece in self.words if piece[0] != "added")

    @property
    def after_pieces(self) -> tuple[tuple[str, str], ...]:
        """The text after with what was put in marked (a long text; else empty)."""
        return tuple(piece for piece in self.words if piece[0] != "removed")


@dataclass(frozen=True)
class Round:
    """One clarification request and what the applicant changed in answering it."""

    request: ClarificationRequest
    changes: list[Change]


def history(application: Application, language: str | None = None) -> list[Round]:
    """Every clarification request of ``application``, oldest first, each with its changes
    (an open one's so far)."""
    requests = application.clarification_requests.select_related(
        "requested_by", "answered_by"
    ).order_by("created_at", "pk")
    return [Round(request, changes(request, language)) for request in requests]


def changes(request: ClarificationRequest, language: str | None = None) -> list[Change]:
    """What the applicant changed in the sections ``request`` reopened, in the form's order.

    Against what they sent back (``after``), or for an open request against the application
    as it is now. Empty for a request from before the portal kept snapshots."""
    if not request.before:
        return []
    after = request.after
    if not after:
        if request.status != ClarificationRequest.Status.OPEN:
            return []  # cancelled: nothing was sent back
        after = snapshot(request.application, request.sections)
    before = request.before
    found: list[Change] = []
    for section, _label in SECTIONS:
        if section in SECTION_FIELDS:
            found += _field_changes(section, before.get("fields", {}), after.get("fields", {}))
        elif section == "questions" and "answers" in before:
            found += _answer_changes(before["answers"], after.get("answers", {}), language)
        elif section == "consortium" and "consortium" in before:
            found += _member_changes(before["consortium"], after.get("consortium", []))
        elif section == "documents" and "documents" in before:
            found += _document_changes(
                request.application, before["documents"], after.get("documents", [])
            )
    return found


def _change(section: str, label, before: str, after: str) -> Change:
    words = ()
    if before != "—" and after != "—" and max(len(before), len(after)) >= WORD_DIFF_MIN_LENGTH:
        words = word_diff(before, after)
    return Change(section, str(label), before, after, words)


def _field_changes(section: str, before: dict, after: dict) -> list[Change]:
    found = []
    for name in SECTION_FIELDS[section]:
        if name not in before or before.get(name) == after.get(name):
            continue
        model_field = Application._meta.get_field(name)
        found.append(
            _change(
                section,
                capfirst(model_field.verbose_name),
                field_text(name, before.get(name)),
                field_text(name, after.get(name)),
            )
        )
    return found


def field_text(name: str, value) -> str:
    """A stored value of the application's field ``name`` in words, ``"—"`` when empty."""
    if value in (None, ""):
        return "—"
    model_field = Application._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        related = model_field.related_model.objects.filter(pk=value).first()
        return related.display_name if related is not None else f"#{value}"
    if isinstance(model_field, models.BooleanField):
        return str(_("Yes") if value else _("No"))
    if name in MONEY_FIELDS:
        return krw(int(value))
    if isinstance(model_field, (models.DecimalField, models.IntegerField)):
        return number_format(value, force_grouping=True)
    return str(value)


def _answer_changes(before: dict, after: dict, language) -> list[Change]:
    found = []
    for code in [*before, *(c for c in after if c not in before)]:
        old, new = before.get(code), after.get(code)
        if old is not None and new is not None and old["value"] == new["value"]:
            continue
        asked = q.asked((new or old)["question"])
        found.append(
            _change(
                "questions",
                q.label(asked, language),
                q.display_text(q.asked(old["question"]), old["value"], language) if old else "—",
                q.display_text(q.asked(new["question"]), new["value"], language) if new else "—",
            )
        )
    return found


def _member_text(member: dict) -> str:
    role = dict(ConsortiumMember.Role.choices).get(member["role"], member["role"])
    country = f", {member['country_code']}" if member.get("country_code") else ""
    return f"{member['name']} ({role}{country})"


def _member_changes(before: list, after: list) -> list[Change]:
    old = [_member_text(m) for m in before]
    new = [_member_text(m) for m in after]
    label = _("Consortium member")
    removed = [t for t in old if t not in new]
    added = [t for t in new if t not in old]
    return [_change("consortium", label, t, "—") for t in removed] + [
        _change("consortium", label, "—", t) for t in added
    ]


def _document_changes(application, before: list, after: list) -> list[Change]:
    labels = {r.kind: r.display_name for r in document_requirements(application.track)}
    found = []
    for kind in dict.fromkeys([d["kind"] for d in before] + [d["kind"] for d in after]):
        old = [d for d in before if d["kind"] == kind]
        new = [d for d in after if d["kind"] == kind]
        if [d["id"] for d in old] == [d["id"] for d in new]:
            continue
        found.append(
            Change(
                "documents",
                str(labels.get(kind, kind)),
                ", ".join(d["name"] for d in old) or "—",
                ", ".join(d["name"] for d in new) or "—",
            )
        )
    return found


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """``after`` against ``before`` word by word: ``("same" | "removed" | "added", text)``
    pieces, in reading order (what was taken out before what was put in its place)."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(("added", "".join(new[j1:j2])))
    return tuple(pieces)
