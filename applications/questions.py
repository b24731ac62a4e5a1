"""The questions of a track's form, in one place: what each type accepts, how an answer is
checked and stored, when a question is shown, and how an answer reads.

A question is an ``applications.models.Question`` or the snapshot of one kept on an answer
(``snapshot`` / ``asked``): every function here reads either alike, so an old application is
always read with the words, type and options it was answered with.

Stored values (``Answer.value``, JSON):

- short and long text: a string; number: an int, or a float with the allowed decimals, at most
  ``NUMBER_MAX_DIGITS`` digits (what a float, and a browser's number, hold exactly);
- amount in KRW: an int (won), at most ``NUMBER_MAX_DIGITS`` digits;
- date: ``"YYYY-MM-DD"``; yes/no: ``true`` / ``false``;
- single choice: an option's value; multiple choice: a list of option values;
- country: an ISO 3166 alpha-2 code; city: a ``projects.City`` id;
- table: a list of rows, each ``{column code: value}`` (columns in ``constraints["columns"]``).

An empty answer is ``None`` and is not stored. No answer holds a NUL character (PostgreSQL
refuses it in text and JSON). Messages are in the reader's language.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.bilingual import localized
from core.templatetags.portal_format import krw
from projects.models import City, Country
from projects.selectors import public_cities

SHORT_TEXT = "short_text"
LONG_TEXT = "long_text"
NUMBER = "number"
AMOUNT_KRW = "amount_krw"
DATE = "date"
SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
YES_NO = "yes_no"
COUNTRY = "country"
CITY = "city"
TABLE = "table"

CHOICE_TYPES = (SINGLE_CHOICE, MULTIPLE_CHOICE)
# Types of a table's cells.
CELL_TYPES = (SHORT_TEXT, NUMBER, AMOUNT_KRW)
# Defaults where staff set no limit: a short text is a line, a table fits a page.
SHORT_TEXT_MAX_LENGTH = 500
LONG_TEXT_MAX_LENGTH = 20_000
TABLE_MAX_ROWS = 20
NUMBER_DECIMALS = 2
# The most digits a number or an amount may have, decimals included: a stored float keeps 15
# significant digits exactly, and a browser or an export reads integers exactly up to 2**53.
NUMBER_MAX_DIGITS = 15

# What a question's snapshot keeps (see ``snapshot``).
SNAPSHOT_FIELDS = (
    "code",
    "type",
    "label",
    "label_ko",
    "help_text",
    "help_text_ko",
    "section",
    "section_ko",
    "options",
    "constraints",
)
# What may not change on a question that has answers: the meaning of the stored values.
# The stage too: a concept answer moved to the full proposal would be asked again, or lost.
LOCKED_WHEN_ANSWERED = ("type", "options", "constraints", "code", "stage")

YES_WORDS = ("yes", "true", "1", "on", "y")
NO_WORDS = ("no", "false", "0", "off", "n")


class AnswerInvalid(ValueError):
    """An answer the question does not accept; ``message`` is for the reader."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- Reading a question (live or as answered) --------------------------------------------------


def snapshot(question) -> dict:
    """The question's wording, type, options and constraints as they are now: what an answer
    keeps so that it is read later with the same words."""
    return {name: getattr(question, name) for name in SNAPSHOT_FIELDS}


def asked(snapshot_or_question) -> Any:
    """An object to read a question from, given a ``Question`` or a snapshot (a dict)."""
    if isinstance(snapshot_or_question, dict):
        values = {name: snapshot_or_question.get(name) for name in SNAPSHOT_FIELDS}
        values["options"] = values["options"] or []
        values["constraints"] = values["constraints"] or {}
        for name in ("label", "label_ko", "help_text", "help_text_ko", "section", "section_ko"):
            values[name] = values[name] or ""
        return SimpleNamespace(**values)
    return snapshot_or_question


def label(question, language: str | None = None) -> str:
    return localized(question, "label", language)


def options_of(question, language: str | None = None) -> list[tuple[str, str]]:
    """(value, label in the reader's language) of a choice question's options, in order."""
    return [
        (str(option.get("value")), _option_label(option, language))
        for option in (question.options or [])
        if isinstance(option, dict) and option.get("value") not in (None, "")
    ]


def _option_label(option: dict, language: str | None = None) -> str:
    return localized(SimpleNamespace(**{"label": "", "label_ko": "", **option}), "label", language)


def columns_of(question, language: str | None = None) -> list[dict]:
    """A table's columns: ``code``, ``type`` (a ``CELL_TYPES``) and ``label`` in the reader's
    language."""
    columns = []
    for column in (question.constraints or {}).get("columns") or []:
        if not isinstance(column, dict) or not column.get("code"):
            continue
        columns.append(
            {
                "code": str(column["code"]),
                "type": column.get("type") if column.get("type") in CELL_TYPES else SHORT_TEXT,
                "label": _option_label(column, language) or str(column["code"]),
            }
        )
    return columns


def unit_of(question, language: str | None = None) -> str:
    constraints = question.constraints or {}
    return localized(
        SimpleNamespace(unit=constraints.get("unit") or "", unit_ko=constraints.get("unit_ko")),
        "unit",
        language,
    )


def hints(question) -> list[str]:
    """What the form says of a question's limits, in the reader's language (beside its help)."""
    constraints = question.constraints or {}
    said = []
    if question.type in (SHORT_TEXT, LONG_TEXT):
        said.append(
            _("At most %(limit)s characters.") % {"limit": _number_text(text_limit(question))}
        )
    if question.type == LONG_TEXT and constraints.get("max_words"):
        said.append(_("At most %(limit)s words.") % {"limit": constraints["max_words"]})
    if question.type in (NUMBER, AMOUNT_KRW):
        low, high = constraints.get("min"), constraints.get("max")
        show = krw if question.type == AMOUNT_KRW else _number_text
        if low is not None and high is not None:
            said.append(_("Between %(min)s and %(max)s.") % {"min": show(low), "max": show(high)})
        elif low is not None:
            said.append(_("At least %(min)s.") % {"min": show(low)})
        elif high is not None:
            said.append(_("At most %(max)s.") % {"max": show(high)})
        if question.type == NUMBER and unit_of(question):
            said.append(_("Unit: %(unit)s.") % {"unit": unit_of(question)})
    if question.type == MULTIPLE_CHOICE and constraints.get("max_choices"):
        said.append(_("Choose at most %(max)s.") % {"max": constraints["max_choices"]})
    if question.type == TABLE:
        said.append(
            _("At most %(rows)s rows; leave unused rows empty.")
            % {"rows": constraints.get("max_rows") or TABLE_MAX_ROWS}
        )
    return said


# --- Checking and storing an answer ------------------------------------------------------------


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def normalize(question, raw, *, stored=None, own_cities: Iterable[int | None] = ()) -> Any:
    """The value to store for ``raw`` (what a form or the API sent), ``None`` when it is empty.

    Raises ``AnswerInvalid`` with a message for the reader when the question does not accept
    it. The one check of an answer: the form, the API and the services all call it. A city
    question accepts only the cities it offers (``choosable_cities``): ``stored`` is the
    saved answer, ``own_cities`` the application's own (its site)."""
    if isinstance(raw, str):
        raw = raw.strip()
    if is_empty(raw):
        return None
    if _holds_nul(raw):
        # The wording of Django's ``ProhibitNullCharactersValidator``, which the form's text
        # fields already show.
        raise AnswerInvalid(_("Null characters are not allowed."))
    if question.type == CITY:
        return _city(question, raw, stored=stored, own_cities=own_cities)
    checker = _CHECKERS.get(question.type)
    if checker is None:
        raise AnswerInvalid(_("This question cannot be answered."))
    return checker(question, raw)


def _holds_nul(raw) -> bool:
    """Whether a NUL character is anywhere in ``raw``: a text, a list's items, a row's keys
    and cells."""
    if isinstance(raw, str):
        return "\x00" in raw
    if isinstance(raw, list | tuple):
        return any(_holds_nul(item) for item in raw)
    if isinstance(raw, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in raw.items())
    return False


def text_limit(question) -> int:
    """The most characters a short or long text answer may have: the staff's ``max_length``,
    else ``SHORT_TEXT_MAX_LENGTH`` / ``LONG_TEXT_MAX_LENGTH``. A line break counts as one."""
    default = LONG_TEXT_MAX_LENGTH if question.type == LONG_TEXT else SHORT_TEXT_MAX_LENGTH
    return int((question.constraints or {}).get("max_length") or default)


def _text(question, raw, *, default_max: int):
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise AnswerInvalid(_("Enter text."))
    # A browser sends a textarea's line breaks as CRLF, while it (and every editor) counts one
    # character for each: counted and stored as one, so the limit is the one the reader sees.
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    constraints = question.constraints or {}
    limit = int(constraints.get("max_length") or default_max)
    if len(text) > limit:
        raise AnswerInvalid(
            _("Enter at most %(limit)s characters (you wrote %(count)s).")
            % {"limit": limit, "count": len(text)}
        )
    if question.type == LONG_TEXT and constraints.get("max_words"):
        words = word_count(text)
        if words > int(constraints["max_words"]):
            raise AnswerInvalid(
                _("Enter at most %(limit)s words (you wrote %(count)s).")
                % {"limit": constraints["max_words"], "count": words}
            )
    return text


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of letters or digits, Hangul included."""
    return len(re.findall(r"\w+", text or ""))


def _decimal(raw) -> Decimal:
    if isinstance(raw, bool):
        raise InvalidOperation
    text = str(raw).strip().replace(",", "").replace(" ", "")
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def _digits(value: Decimal) -> tuple[int, int]:
    """(digits, decimal places) of a finite ``value`` as written without trailing zeros: 1250
    is (4, 0), 12.50 is (3, 1), 0.05 is (3, 2), 1e30 is (31, 0). Read from the value's digits,
    not computed, so that no size of exponent can overflow."""
    _sign, digits, exponent = value.as_tuple()
    digits = list(digits)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    places = max(-exponent, 0)
    whole = max(len(digits) + exponent, 1)  # 0.05: the "0" before the point
    return whole + places, places


def _check_digits(value: Decimal, *, decimals: int) -> None:
    """Refuse more than ``decimals`` decimal places, then more than ``NUMBER_MAX_DIGITS``
    digits (a decimal places error first: it says what to change)."""
    count, places = _digits(value)
    if places > max(decimals, 0):
        if decimals <= 0:
            raise AnswerInvalid(_("Enter a whole number."))
        raise AnswerInvalid(
            _("Enter at most %(decimals)s decimal places.") % {"decimals": decimals}
        )
    if count > NUMBER_MAX_DIGITS:
        raise AnswerInvalid(
            _("Enter a number of at most %(digits)s digits.") % {"digits": NUMBER_MAX_DIGITS}
        )


def _in_range(question, value, show) -> None:
    constraints = question.constraints or {}
    low, high = constraints.get("min"), constraints.get("max")
    if low is not None and value < _decimal(low):
        raise AnswerInvalid(_("Enter at least %(min)s.") % {"min": show(low)})
    if high is not None and value > _decimal(high):
        raise AnswerInvalid(_("Enter at most %(max)s.") % {"max": show(high)})


def _number(question, raw):
    try:
        value = _decimal(raw)
    except (InvalidOperation, ValueError):
        raise AnswerInvalid(_("Enter a number, e.g. 1250 or 12.5.")) from None
    _in_range(question, value, _number_text)
    decimals = int((question.constraints or {}).get("decimals", NUMBER_DECIMALS))
    _check_digits(value, decimals=decimals)
    return int(value) if value == value.to_integral_value() else float(value)


def _amount(question, raw):
    try:
        value = _decimal(raw)
    except (InvalidOperation, ValueError):
        raise AnswerInvalid(_("Enter an amount in won, e.g. 400000000.")) from None
    if value != value.to_integral_value() or value < 0:
        raise AnswerInvalid(_("Enter a whole amount of won, without decimals."))
    _in_range(question, value, krw)
    _check_digits(value, decimals=0)
    return int(value)


def _date(question, raw):
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        value = raw
    else:
        try:
            value = datetime.date.fromisoformat(str(raw))
        except ValueError:
            raise AnswerInvalid(_("Enter a date as YYYY-MM-DD.")) from None
    constraints = question.constraints or {}
    if constraints.get("min") and value.isoformat() < str(constraints["min"]):
        raise AnswerInvalid(_("Enter a date on or after %(date)s.") % {"date": constraints["min"]})
    if constraints.get("max") and value.isoformat() > str(constraints["max"]):
        raise AnswerInvalid(_("Enter a date on or before %(date)s.") % {"date": constraints["max"]})
    return value.isoformat()


def _single(question, raw):
    values = [value for value, _label in options_of(question)]
    if str(raw) not in values:
        raise AnswerInvalid(_("Choose one of the options."))
    return str(raw)


def _multiple(question, raw):
    chosen = [raw] if isinstance(raw, str) else raw
    if not isinstance(chosen, list | tuple):
        raise AnswerInvalid(_("Choose among the options."))
    values = [value for value, _label in options_of(question)]
    picked = {str(item) for item in chosen}
    if picked - set(values):
        raise AnswerInvalid(_("Choose among the options."))
    constraints = question.constraints or {}
    low, high = constraints.get("min_choices"), constraints.get("max_choices")
    if low and len(picked) < int(low):
        raise AnswerInvalid(_("Choose at least %(min)s options.") % {"min": low})
    if high and len(picked) > int(high):
        raise AnswerInvalid(_("Choose at most %(max)s options.") % {"max": high})
    return [value for value in values if value in picked] or None


def _yes_no(question, raw):
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise AnswerInvalid(_("Answer yes or no."))


def _country(question, raw):
    code = str(raw).strip().upper()
    if not Country.objects.filter(code=code).exists():
        raise AnswerInvalid(_("Choose a country from the list."))
    return code


def choosable_cities(stored=None, own_cities: Iterable[int | None] = ()) -> QuerySet[City]:
    """The cities a city question offers and accepts: the listed ones
    (``projects.selectors.public_cities``), the saved answer ``stored`` and ``own_cities``
    (the application's site), never a city another organisation only typed into its
    application."""
    own = [*own_cities, *([int(stored)] if str(stored or "").isdigit() else [])]
    return public_cities(including=own)


def _city(question, raw, *, stored=None, own_cities: Iterable[int | None] = ()):
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise AnswerInvalid(_("Choose a city from the list.")) from None
    if isinstance(raw, bool) or not choosable_cities(stored, own_cities).filter(pk=pk).exists():
        raise AnswerInvalid(_("Choose a city from the list."))
    return pk


_CELL_CHECKERS = {SHORT_TEXT: None, NUMBER: _number, AMOUNT_KRW: _amount}


def _table(question, raw):
    if not isinstance(raw, list | tuple):
        raise AnswerInvalid(_("Send the table as a list of rows."))
    columns = columns_of(question)
    if not columns:
        raise AnswerInvalid(_("This question cannot be answered."))
    rows = []
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            raise AnswerInvalid(_("Row %(row)s is not a row of the table.") % {"row": number})
        unknown = set(row) - {column["code"] for column in columns}
        if unknown:
            raise AnswerInvalid(
                _("Row %(row)s has no column %(column)s.")
                % {"row": number, "column": sorted(unknown)[0]}
            )
        cells = {}
        for column in columns:
            cell = row.get(column["code"])
            if isinstance(cell, str):
                cell = cell.strip()
            if is_empty(cell):
                continue
            cell_question = SimpleNamespace(type=column["type"], constraints={})
            try:
                if column["type"] == SHORT_TEXT:
                    cells[column["code"]] = _text(
                        cell_question, cell, default_max=SHORT_TEXT_MAX_LENGTH
                    )
                else:
                    cells[column["code"]] = _CELL_CHECKERS[column["type"]](cell_question, cell)
            except AnswerInvalid as exc:
                raise AnswerInvalid(
                    _("Row %(row)s, %(column)s: %(message)s")
                    % {"row": number, "column": column["label"], "message": exc.message}
                ) from None
        if cells:
            rows.append(cells)
    limit = int((question.constraints or {}).get("max_rows") or TABLE_MAX_ROWS)
    if len(rows) > limit:
        raise AnswerInvalid(_("Fill in at most %(max)s rows.") % {"max": limit})
    return rows or None


_CHECKERS = {
    SHORT_TEXT: lambda q, raw: _text(q, raw, default_max=SHORT_TEXT_MAX_LENGTH),
    LONG_TEXT: lambda q, raw: _text(q, raw, default_max=LONG_TEXT_MAX_LENGTH),
    NUMBER: _number,
    AMOUNT_KRW: _amount,
    DATE: _date,
    SINGLE_CHOICE: _single,
    MULTIPLE_CHOICE: _multiple,
    YES_NO: _yes_no,
    COUNTRY: _country,
    CITY: _city,
    TABLE: _table,
}


# --- Checking a question's design (staff) ------------------------------------------------------


def definition_problems(question) -> dict[str, str]:
    """What is wrong with a question as staff designed it: field → message (empty if fine).

    Choice questions need options with distinct values; a table needs columns; limits must be
    numbers with the minimum below the maximum; a condition names another question by code."""
    problems: dict[str, str] = {}
    constraints = question.constraints or {}
    if not isinstance(constraints, dict):
        return {"constraints": _("The constraints must be an object.")}
    if question.type in CHOICE_TYPES:
        values = [value for value, _label in options_of(question)]
        if not values:
            problems["options"] = _("Give at least one option.")
        elif len(values) != len(set(values)):
            problems["options"] = _("Two options have the same value.")
    if question.type == TABLE:
        codes = [column["code"] for column in columns_of(question)]
        if not codes:
            problems["constraints"] = _("Give the table at least one column.")
        elif len(codes) != len(set(codes)):
            problems["constraints"] = _("Two columns have the same code.")
    for key in ("min", "max", "max_words", "max_length", "max_rows", "min_choices", "max_choices"):
        if constraints.get(key) in (None, ""):
            continue
        try:
            if question.type == DATE and key in ("min", "max"):
                datetime.date.fromisoformat(str(constraints[key]))
            else:
                _decimal(constraints[key])
        except (InvalidOperation, ValueError):
            problems["constraints"] = _("The limit “%(key)s” is not valid.") % {"key": key}
    low, high = constraints.get("min"), constraints.get("max")
    bounded = "constraints" not in problems and low not in (None, "") and high not in (None, "")
    if bounded and (
        str(low) > str(high) if question.type == DATE else _decimal(low) > _decimal(high)
    ):
        problems["constraints"] = _("The minimum is above the maximum.")
    condition = question.condition or {}
    if not isinstance(condition, dict):
        problems["condition"] = _("The condition must be an object.")
    elif condition.get("question") and condition.get("question") == question.code:
        problems["condition"] = _("A question cannot depend on its own answer.")
    return problems


# --- Conditions ------------------------------------------------------------------------------


def _matches(value, expected) -> bool:
    if isinstance(value, list):
        return any(_matches(item, expected) for item in value)
    if isinstance(value, bool):
        wanted = expected if isinstance(expected, bool) else str(expected).lower() in YES_WORDS
        return value == wanted
    return str(value) == str(expected)


def visible_codes(questions, answers: dict[str, Any], *, track_kind: str) -> set[str]:
    """The codes of ``questions`` shown for these ``answers`` (code → stored value) on a track
    of ``track_kind``. A question whose condition names a hidden question is hidden too (its
    answer is dropped on save, so it cannot keep a follow-up open); a condition naming a
    question not on the form hides nothing but the follow-up."""
    by_code = {q.code: q for q in questions}
    decided: dict[str, bool] = {}

    def shown(code: str, seen: frozenset) -> bool:
        if code in decided:
            return decided[code]
        if code in seen:  # a loop of conditions: none of them can be met
            return False
        question = by_code[code]
        condition = question.condition or {}
        result = True
        kinds = condition.get("track_kinds") or []
        if kinds and track_kind not in kinds:
            result = False
        depends = condition.get("question")
        if result and depends:
            result = (
                depends in by_code
                and shown(depends, seen | {code})
                and answers.get(depends) is not None
                and _matches(answers[depends], condition.get("equals"))
            )
        decided[code] = result
        return result

    return {code for code in by_code if shown(code, frozenset())}


def shown_on_track(question, track_kind: str) -> bool:
    """Whether the track's kind lets the question be shown at all (answers aside)."""
    kinds = (question.condition or {}).get("track_kinds") or []
    return not kinds or track_kind in kinds


# --- Reading an answer -------------------------------------------------------------------------


def _number_text(value) -> str:
    try:
        number = _decimal(value)
    except (InvalidOperation, ValueError):
        return str(value)
    return number_format(number, force_grouping=True)


@dataclass
class ShownAnswer:
    """An answer as a reader sees it: the question's words and the answer in text, or a
    table (``columns`` headers and ``rows`` of texts)."""

    code: str
    label: str
    section: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    # Not shown to this reader: the answer may identify the applicant (anonymised review).
    withheld: bool = False


def display_text(question, value, language: str | None = None) -> str:
    """``value`` in words for the reader (a table as "a; b | c; d"), "—" when empty."""
    if is_empty(value):
        return "—"
    kind = question.type
    if kind == YES_NO:
        return str(_("Yes") if value else _("No"))
    if kind == AMOUNT_KRW:
        return krw(value)
    if kind == NUMBER:
        unit = unit_of(question, language)
        return f"{_number_text(value)} {unit}".strip()
    if kind in CHOICE_TYPES:
        labels = dict(options_of(question, language))
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(item), str(item)) for item in chosen)
    if kind == COUNTRY:
        country = Country.objects.filter(code=value).first()
        return country.display_name if country else str(value)
    if kind == CITY:
        city = City.objects.select_related("country").filter(pk=value).first()
        if city is None:
            return str(value)
        return f"{city.display_name} ({city.country.display_name})"
    if kind == TABLE:
        columns = columns_of(question, language)
        return " | ".join(
            "; ".join(_cell_text(column, row.get(column["code"])) for column in columns)
            for row in value
        )
    return str(value)


def _cell_text(column: dict, value) -> str:
    if is_empty(value):
        return ""
    if column["type"] == AMOUNT_KRW:
        return krw(value)
    if column["type"] == NUMBER:
        return _number_text(value)
    return str(value)


def shown_answer(question, value, language: str | None = None) -> ShownAnswer:
    """One answer for a page or a PDF, read with ``question`` (live or as answered)."""
    shown = ShownAnswer(
        code=question.code,
        label=label(question, language),
        section=localized(question, "section", language),
    )
    if question.type == TABLE and not is_empty(value):
        columns = columns_of(question, language)
        shown.columns = [column["label"] for column in columns]
        shown.rows = [
            [_cell_text(column, row.get(column["code"])) for column in columns] for row in value
        ]
    else:
        shown.text = display_text(question, value, language)
    return shown


def export_value(question, value, language: str | None = None):
    """The cell of an export: the amount itself for KRW (a number column), words otherwise."""
    if is_empty(value):
        return None
    if question.type == AMOUNT_KRW:
        return value
    return display_text(question, value, language)


TYPE_HELP = {
    SHORT_TEXT: gettext_lazy("One line of text (max_length)."),
    LONG_TEXT: gettext_lazy("A paragraph (max_words, max_length)."),
    NUMBER: gettext_lazy("A number (min, max, decimals, unit, unit_ko)."),
    AMOUNT_KRW: gettext_lazy("A whole amount in won (min, max)."),
    DATE: gettext_lazy("A date (min, max as YYYY-MM-DD)."),
    SINGLE_CHOICE: gettext_lazy("One of the options."),
    MULTIPLE_CHOICE: gettext_lazy("Several of the options (min_choices, max_choices)."),
    YES_NO: gettext_lazy("Yes or no."),
    COUNTRY: gettext_lazy("A country of the catalogue."),
    CITY: gettext_lazy("A city of the catalogue."),
    TABLE: gettext_lazy("Rows with the given columns (max_rows)."),
}


def copy_questions(*, source, copy, tracks: dict, actor) -> dict:
    """A copier for ``projects.services.copy_call``: the live questions of ``source`` (its
    call-wide ones and each track's) become new, unanswered questions of ``copy`` and of its
    tracks (``tracks`` maps an old track's id to its copy), wording, options, constraints,
    conditions and order included; retired versions stay behind. ``copy_call`` writes the one
    audit row of the copy; this returns how many questions it copied for that row."""
    from applications.models import Question

    kept = ("id", "call", "track", "created_at", "retired_at")
    copied = []
    for question in Question.objects.filter(call=source, retired_at__isnull=True).order_by("pk"):
        if question.track_id is not None and question.track_id not in tracks:
            continue
        values = {
            field.attname: getattr(question, field.attname)
            for field in Question._meta.concrete_fields
            if field.name not in kept
        }
        track = tracks[question.track_id] if question.track_id is not None else None
        copied.append(Question(call=copy, track=track, **values))
    Question.objects.bulk_create(copied)
    return {"questions": len(copied)}
