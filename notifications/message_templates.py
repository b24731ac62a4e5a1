"""Staff-edited message templates: which exist, which placeholders each offers, and the safe
subset of the template language their texts may use.

The code templates (``templates/emails/<app>/<name>.txt`` and ``.subject.txt``) are the
defaults and the source of truth for what a template may say: its placeholders are the
context variables the default texts read (the callers' context keys), plus ``site_url`` and
``link`` that ``render_message`` always adds.

A custom text is parsed by a separate, bare template engine (no ``{% load %}`` library, no
file loader) and then walked: it may hold plain text, ``{{ placeholder }}`` with a filter of
``ALLOWED_FILTERS``, and ``{% if %}`` / ``{% elif %}`` / ``{% else %}``. Everything else is
refused: loops (their variables escape the placeholder check and can repeat without bound),
``include`` / ``extends`` (reading other files), ``debug`` (dumping the context), ``load``,
and dotted lookups (``{{ link.__class__ }}``-style walks into Python objects). The texts are
programme admins' own, but a template is code that runs in the outbox worker, so the subset is
enforced, not just documented.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.template import Context, Engine, TemplateSyntaxError, engines
from django.template.base import FilterExpression, Node, TextNode, TokenType, Variable, VariableNode
from django.template.defaulttags import IfNode
from django.templatetags.i18n import BlockTranslateNode
from django.utils.translation import gettext_lazy as _

# Always in the context, whatever the caller stored (``notifications.services.render_message``).
ALWAYS_AVAILABLE = ("site_url", "link")

# Filters that only format a value; none reads anything beyond the value and its argument.
ALLOWED_FILTERS = frozenset(
    {
        "capfirst",
        "default",
        "default_if_none",
        "floatformat",
        "join",
        "krw",
        "krw_compact",
        "length",
        "lower",
        "pluralize",
        "title",
        "truncatechars",
        "truncatewords",
        "upper",
        "yesno",
    }
)
ALLOWED_NODES = (TextNode, VariableNode, IfNode)

# The bare engine of custom texts: the built-in tags and filters plus the portal's number
# formats (in the form that never raises: ``notifications.message_filters``), no other library
# to ``{% load %}`` and no template directory to read.
_SANDBOX = Engine(
    dirs=[],
    app_dirs=False,
    libraries={},
    builtins=["notifications.message_filters"],
    autoescape=False,
    string_if_invalid="",
)


def _default_dirs() -> list[Path]:
    """The project template directories (``TEMPLATES[0]["DIRS"]``), read at call time so a
    test that adds a directory is seen."""
    return [Path(d) for d in engines["django"].engine.dirs]


def template_names() -> list[str]:
    """Every message template that has a code default, e.g. ``applications/submitted``,
    sorted. A name needs both files: the body and the subject."""
    names = set()
    for root in _default_dirs():
        emails = root / "emails"
        for subject in emails.glob("*/*.subject.txt"):
            body = subject.with_name(subject.name.removesuffix(".subject.txt") + ".txt")
            if body.exists():
                names.add(subject.relative_to(emails).as_posix().removesuffix(".subject.txt"))
    return sorted(names)


def default_source(name: str, part: str) -> str:
    """The code template's text: ``part`` is "subject" or "body"."""
    suffix = ".subject.txt" if part == "subject" else ".txt"
    for root in _default_dirs():
        path = root / "emails" / f"{name}{suffix}"
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise LookupError(name)


# -- placeholders ------------------------------------------------------------------------------


def _expression_names(expression) -> Iterator[str]:
    """The context names a ``FilterExpression`` (value and filter arguments) reads."""
    if not isinstance(expression, FilterExpression):
        return
    if isinstance(expression.var, Variable) and expression.var.lookups:
        yield expression.var.lookups[0]
    for _func, args in expression.filters:
        for lookup, arg in args:
            if lookup and isinstance(arg, Variable) and arg.lookups:
                yield arg.lookups[0]


def _condition_expressions(condition) -> Iterator[FilterExpression]:
    """The expressions in an ``{% if %}`` condition (a tree of smartif operators)."""
    if condition is None:
        return
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield value
    for side in ("first", "second"):
        child = getattr(condition, side, None)
        if child is not None:
            yield from _condition_expressions(child)


def _node_expressions(node: Node) -> Iterator[FilterExpression]:
    """The expressions a node reads directly (not in its children)."""
    if isinstance(node, IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            yield from _condition_expressions(condition)
        return
    for value in vars(node).values():
        if isinstance(value, FilterExpression):
            yield value
        elif isinstance(value, list | tuple):
            yield from (v for v in value if isinstance(v, FilterExpression))
        elif isinstance(value, dict):
            yield from (v for v in value.values() if isinstance(v, FilterExpression))


def _used_names(nodelist, bound: frozenset[str] = frozenset()) -> Iterator[str]:
    """Context names read by a parsed default template, without those its own tags bind
    (``blocktranslate with x=…``, ``count n=…``, ``for x in …``)."""
    for node in nodelist:
        for expression in _node_expressions(node):
            yield from (n for n in _expression_names(expression) if n not in bound)
        inner = bound
        if isinstance(node, BlockTranslateNode):
            inner = bound | set(node.extra_context) | {node.countervar or ""}
            for token in [*node.singular, *(node.plural or [])]:
                if token.token_type == TokenType.VAR and token.contents not in inner:
                    yield token.contents
        inner = inner | set(getattr(node, "loopvars", ()) or ())  # {% for x in … %}
        if getattr(node, "extra_context", None) and not isinstance(node, BlockTranslateNode):
            inner = inner | set(node.extra_context)  # {% with %}
        # ``IfNode.nodelist`` is every branch's nodes together.
        for child in node.child_nodelists:
            yield from _used_names(getattr(node, child, None) or [], frozenset(inner))


def placeholders(name: str) -> list[str]:
    """The placeholders a custom text of ``name`` may use, sorted: the variables its code
    template reads, plus ``site_url`` and ``link``."""
    found = set(ALWAYS_AVAILABLE)
    django_engine = engines["django"].engine
    for part in ("subject", "body"):
        parsed = django_engine.from_string(default_source(name, part))
        found.update(_used_names(parsed.nodelist))
    return sorted(found)


# -- the safe subset ---------------------------------------------------------------------------


def _tag_of(node: Node) -> str:
    token = getattr(node, "token", None)
    return token.contents.split()[0] if token is not None and token.contents else "?"


def _walk(nodelist) -> Iterator[Node]:
    for node in nodelist:
        yield node
        if isinstance(node, IfNode):
            for _condition, child in node.conditions_nodelists:
                yield from _walk(child)


def _expression_problem(expression: FilterExpression, allowed: set[str] | None) -> str | None:
    variables = [expression.var] if isinstance(expression.var, Variable) else []
    for func, args in expression.filters:
        filter_name = getattr(func, "_filter_name", func.__name__)
        if filter_name not in ALLOWED_FILTERS:
            return _("The filter “%(filter)s” is not allowed.") % {"filter": filter_name}
        variables += [arg for lookup, arg in args if lookup and isinstance(arg, Variable)]
    for variable in variables:
        if not variable.lookups:
            continue  # a literal: "text", 3
        if len(variable.lookups) > 1 or variable.var.startswith("_"):
            return _("Use placeholders as they are: “%(name)s” is not allowed.") % {
                "name": variable.var
            }
        if allowed is not None and variable.lookups[0] not in allowed:
            return _("“%(name)s” is not a placeholder of this template.") % {
                "name": variable.lookups[0]
            }
    return None


def _secret_problem(
    node: Node, expression: FilterExpression, secrets: frozenset[str], in_subject: bool
) -> str | None:
    """Why ``expression`` may not read a placeholder of ``secrets`` (a personal key), or None.

    The back office hides each body line that holds the key as it is, and shows the subject
    as it is: a key in the subject, reshaped by a filter (``join``, ``upper``,
    ``truncatechars``) or tested by a condition would be readable there. So a key may only be
    a bare ``{{ name }}`` of the body.
    """
    used = [name for name in _expression_names(expression) if name in secrets]
    if not used:
        return None
    if in_subject:
        return _("“%(name)s” carries a personal token and may not be in the subject.") % {
            "name": used[0]
        }
    if not isinstance(node, VariableNode) or expression.filters:
        return _(
            "“%(name)s” carries a personal token: use it only as {{ %(name)s }}, without a "
            "filter or a condition."
        ) % {"name": used[0]}
    return None


def text_problem(
    text: str,
    allowed: set[str] | None,
    *,
    secrets: frozenset[str] = frozenset(),
    in_subject: bool = False,
) -> str | None:
    """Why ``text`` may not be saved as a custom template, or None when it may.

    ``allowed`` is the set of placeholders (None skips that check, as rendering does: a
    placeholder the code template no longer reads renders as nothing). ``secrets``: the
    placeholders that carry a personal key (``notifications.selectors.SENSITIVE_TEMPLATES``),
    allowed only as they are in a body (``_secret_problem``); ``in_subject``: ``text`` is a
    subject. The message is in the active language, for the form field.
    """
    try:
        parsed = _SANDBOX.from_string(text)
    except TemplateSyntaxError as exc:
        return _("The template has a syntax error: %(error)s") % {"error": exc}
    for node in _walk(parsed.nodelist):
        if not isinstance(node, ALLOWED_NODES):
            return _("The tag {%% %(tag)s %%} is not allowed: only {%% if %%} is.") % {
                "tag": _tag_of(node)
            }
        for expression in _node_expressions(node):
            problem = _expression_problem(expression, allowed)
            if problem is None and secrets:
                problem = _secret_problem(node, expression, secrets, in_subject)
            if problem:
                return problem
    return None


def default_is_plain(name: str) -> bool:
    """Whether the code template is only text and placeholders (no condition, loop or filter),
    so that rendering it with each placeholder standing for itself gives an equivalent
    custom text (``default_texts``). A template with conditions would lose them."""
    django_engine = engines["django"].engine
    for part in ("subject", "body"):
        for node in django_engine.from_string(
            default_source(name, part)
        ).nodelist.get_nodes_by_type(Node):
            if isinstance(node, IfNode) or getattr(node, "loopvars", None):
                return False
            if isinstance(node, BlockTranslateNode) and node.counter is not None:
                return False  # singular and plural: a count decides
            if any(expression.filters for expression in _node_expressions(node)):
                return False
    return True


def render_custom(text: str, context: dict) -> str:
    """Render a stored custom text in the sandbox, checking the subset again (a row written
    around the service would otherwise run as it is). Raises ``ValueError`` when refused."""
    problem = text_problem(text, None)
    if problem:
        raise ValueError(str(problem))
    return _SANDBOX.from_string(text).render(Context(context, autoescape=False))
