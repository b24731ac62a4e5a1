"""docs/api.md's endpoint table names every route of the API router (``kcity/api/v1.py``),
and every method it lists for a route is one the route answers. Before, the table lacked a
dozen routes (the ``/calls/`` list, detail reads, ``other-reviews``, the track's questions, the
consortium endpoints) and listed ``POST`` for ``/me/``, which answers ``GET`` only.

Paths are compared with every parameter written ``{id}``. A cell may shorten a path after the
first: ``/withdraw/`` beside ``/api/v1/applications/{id}/submit/`` is its sibling, ``/cities/``
beside ``/api/v1/countries/`` too (the deepest sibling that is a route)."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver

from kcity.api import v1

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"
PREFIX = "/api/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _normalised(route: str) -> str:
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "{id}", route)  # a router's regex group
    route = re.sub(r"<(?:\w+:)?\w+>", "{id}", route)  # a path() converter
    route = re.sub(r"\{\w+\}", "{id}", route)  # a doc's {slug}, {year}, {member_id}
    return route.replace("^", "").replace("$", "")


def _allowed(pattern: URLPattern) -> set[str]:
    view = pattern.callback
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    offered = {name.upper() for name in cls.http_method_names}
    actions = getattr(view, "actions", None)
    if actions is not None:
        methods = {method.upper() for method in actions}
    else:
        methods = {name.upper() for name in cls.http_method_names if hasattr(cls, name)}
    if "GET" in methods:
        methods.add("HEAD")
    return (methods & offered) | {"OPTIONS"}


def routes() -> dict[str, set[str]]:
    """Every route of the API (its ``{id}`` form under /api/v1/) and the methods it answers;
    the format-suffix twins (``.json``) left out."""
    found: dict[str, set[str]] = {}
    for pattern in v1.urlpatterns:
        assert not isinstance(pattern, URLResolver), pattern
        route = str(pattern.pattern)
        if "format" in route:
            continue
        found[PREFIX + _normalised(route)] = _allowed(pattern)
    return found


def table() -> list[tuple[list[str], set[str]]]:
    """The rows of the "Endpoints" table: their paths as written and their methods."""
    text = DOC.read_text()
    section = text.split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        paths = re.findall(r"`(/[^`]*)`", cells[0])
        methods = {word for word in re.findall(r"\b[A-Z]+\b", cells[1]) if word in METHODS}
        rows.append((paths, methods))
    return rows


def resolved(paths: list[str], known: set[str]) -> list[str]:
    """The cell's paths in full, each in its ``{id}`` form (unknown ones as written)."""
    full = []
    base = None
    for written in paths:
        path = _normalised(written)
        if path.startswith(PREFIX) or base is None:
            base = path
            full.append(path)
            continue
        segments = [s for s in base.split("/") if s]
        candidates = ["/" + "/".join(segments[: i - 1]) + path for i in range(len(segments), 1, -1)]
        full.append(next((c for c in candidates if c in known), path))
    return full


def test_every_route_of_the_router_is_in_the_table():
    known = routes()
    documented = {path for paths, _methods in table() for path in resolved(paths, set(known))}
    missing = sorted(set(known) - documented)
    assert not missing, f"routes missing from docs/api.md's endpoint table: {missing}"


def test_every_path_of_the_table_is_a_route():
    known = routes()
    unknown = sorted(
        path
        for paths, _methods in table()
        for path in resolved(paths, set(known))
        if path not in known
    )
    assert not unknown, f"docs/api.md lists paths the API does not have: {unknown}"


def test_every_method_of_the_table_is_one_its_routes_answer():
    known = routes()
    wrong = []
    for paths, methods in table():
        assert methods, f"a row without methods: {paths}"
        for path in resolved(paths, set(known)):
            refused = methods - known.get(path, set())
            if refused:
                wrong.append((path, sorted(refused)))
    assert not wrong, f"docs/api.md lists methods the route does not answer: {wrong}"
