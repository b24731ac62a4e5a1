"""README.md and docs/*.md stay true to the code: every code name they quote exists.

An examiner starts from README.md and follows its names into the code. Each name in backticks
is resolved by its kind: a file path in the checkout, a dotted Python name (module and
attribute, a model label, a permission, a Celery task or a personal-data kind of
``accounts.privacy``), a URL path (Django's resolver; in a table, a fragment such as
``/withdraw/`` beside a full path is read relative to it), a URL name, a ``manage.py`` command,
a ``make`` target, a setting or environment variable, ``Model.attribute``, an e-mail template
key, ``tests/…py::test_name``, and any other identifier with an underscore (or in CamelCase)
must appear in the code. A name written right after "was" or "formerly" is a former name and
is skipped. Relative Markdown links must point at a file. ``.env.example`` lists every variable
the shared and production settings read (README: "``.env.example`` lists every variable").
"""

import functools
import importlib
import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.urls import Resolver404, get_resolver, resolve

ROOT = Path(settings.BASE_DIR)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The portal's own apps (those whose package sits in the project's folder, as
# ``INSTALLED_APPS`` lists them) and the configuration package above them.
APPS = (
    *(c.name for c in apps.get_app_configs() if Path(c.path).parent == ROOT),
    "kcity",
)
# Modules the docs name without their app ("services.request_clarification" in the section
# about applications): resolved under each app.
SHORT_MODULES = ("privacy", "roles", "services", "selectors", "demo_data", "clarifications")
# Names of other software the docs quote (PostgreSQL settings and functions); not ours.
EXTERNAL_WORDS = {"percentile_cont", "work_mem", "synchronous_commit", "max_connections"}
# Sample values for the placeholders of URL paths in the docs.
SAMPLE = {"code": "2022-PL-001", "slug": "k-city-network-2026", "kind": "ranking"}
URL_ROOT = re.compile(
    r"^/(accounts|api|applications|calls|staff|reviews|notifications|admin|privacy|i18n|"
    r"healthz|readyz|robots\.txt)(/|$)"
)


@functools.cache
def _identifiers() -> frozenset[str]:
    """Every identifier in the code, templates, scripts, tests and deployment files."""
    words: set[str] = set()
    folders = [*APPS, "templates", "static/js", "scripts", "bench", "tests", "deploy"]
    suffixes = {".py", ".html", ".txt", ".js", ".json", ".yml", ".css", ""}
    files = [p for folder in folders for p in (ROOT / folder).rglob("*") if p.is_file()]
    extra = ["Makefile", "Dockerfile", "docker-compose.yml", ".env.example", "pyproject.toml"]
    files += [ROOT / name for name in extra] + [ROOT / ".ci" / "run"]
    for path in files:
        if path.suffix not in suffixes or "vendor" in path.parts or not path.exists():
            continue
        if path.resolve() == Path(__file__).resolve():  # its own wrong names, below
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        words.update(w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return frozenset(words)


@functools.cache
def _python_source() -> str:
    return "\n".join(p.read_text() for app in APPS for p in (ROOT / app).rglob("*.py"))


@functools.cache
def _routes() -> tuple[str, ...]:
    """Every URL pattern, its converters replaced by a sample value."""
    routes = []

    def walk(patterns, prefix):
        for pattern in patterns:
            path = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, path)
            else:
                routes.append(re.sub(r"<[^>]+>", "1", "/" + path.lstrip("^")))

    walk(get_resolver().url_patterns, "")
    return tuple(routes)


@functools.cache
def _url_names() -> frozenset[str]:
    names = set()

    def walk(patterns, namespaces):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                walk(pattern.url_patterns, inner)
            elif pattern.name:
                names.add(":".join([*namespaces, pattern.name]))

    walk(get_resolver().url_patterns, [])
    return frozenset(names)


@functools.cache
def _make_targets() -> frozenset[str]:
    text = (ROOT / "Makefile").read_text()
    lines = re.findall(r"^([a-z][\w -]*):(?!=)", text, re.MULTILINE)
    return frozenset(target for line in lines for target in line.split())


@functools.cache
def _celery_tasks() -> frozenset[str]:
    from kcity.celery import app

    app.loader.import_default_modules()
    return frozenset(app.tasks)


@functools.cache
def _models_by_name() -> dict[str, list]:
    by_name: dict[str, list] = {}
    for model in apps.get_models():
        by_name.setdefault(model.__name__, []).append(model)
    return by_name


def _dotted_exists(name: str) -> bool:
    """``module.attr.attr``: the longest importable module, then attributes."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        try:
            if importlib.util.find_spec(module) is None:
                continue
        except ModuleNotFoundError:
            continue
        if module.startswith("kcity.settings.") and i == len(parts):
            return True  # production.py needs its environment to import
        obj = importlib.import_module(module)
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def _label_exists(name: str) -> bool:
    """A model label, a permission, a Celery task or a personal-data kind: ``app.name``."""
    import rules

    from accounts import privacy

    try:
        apps.get_model(name)
        return True
    except (LookupError, ValueError):
        pass
    app, _, codename = name.partition(".")
    if rules.perm_exists(name) or name in _celery_tasks():
        return True
    if name in {kind.name for kind in privacy.registered_kinds()}:
        return True
    if app in apps.app_configs:
        for model in apps.get_app_config(app).get_models():
            meta = model._meta
            if codename in {f"{a}_{meta.model_name}" for a in meta.default_permissions}:
                return True
            if codename in {c for c, _ in meta.permissions}:
                return True
    return False


def _url_exists(url: str) -> bool:
    url = url.split("?")[0].split("#")[0]
    url = url.replace("<csv|xlsx>", "csv")
    prefix_only = "…" in url
    url = url.split("…")[0]
    url = re.sub(r"[<{]([^>}]+)[>}]", lambda m: SAMPLE.get(m.group(1), "1"), url)
    if not prefix_only:
        try:
            resolve(url)
            return True
        except Resolver404:
            pass
    # "the pages under /staff/applications/": a prefix of some route.
    return url.endswith("/") and any(route.startswith(url) for route in _routes())


def _relative_url_exists(fragment: str, base: str) -> bool:
    """``/withdraw/`` beside ``/api/v1/applications/{id}/submit/``: a sibling at some level."""
    segments = [s for s in base.split("/") if s]
    return any(
        _url_exists("/" + "/".join(segments[: i - 1]) + fragment)
        for i in range(len(segments), 1, -1)
    )


def check(token: str, base: str | None = None) -> tuple[str, bool] | None:
    """(kind, exists) for a quoted name, or None when it is not a name of the code."""
    t = token.strip()
    top = {p.name for p in ROOT.iterdir()}
    if m := re.match(r"^(?:\.venv/bin/python )?manage\.py (\w+)", t):
        return "command", m.group(1) in get_commands()
    if m := re.match(r"^make (\w+)", t):
        return "make target", m.group(1) in _make_targets()
    if "::" in t and t.split("::")[0].endswith(".py"):
        path, _, function = t.partition("::")
        source = (ROOT / path).read_text() if (ROOT / path).exists() else ""
        return "test", re.search(rf"def {re.escape(function)}\b", source) is not None
    email_template = ROOT / "templates" / "emails" / f"{t}.txt"
    if re.match(r"^[a-z]+/[a-z_]+$", t) and t.split("/")[0] in APPS and email_template.exists():
        return "e-mail template", True
    first = t.split("/")[0]
    if "/" in t and first in top and " " not in t and first != "var":
        if "<" in t or "{" in t:
            return None
        if "*" in t:
            return "path", any(ROOT.glob(t))
        return "path", (ROOT / t).exists()
    if t in top:
        return "path", True
    if re.match(r"^[\w.-]+\.(py|md|toml|yml|json|txt|html)$", t):
        # A file name alone: somewhere in the checkout, or a name the code gives a file.
        found = any(ROOT.glob(f"**/{t}")) if not t.startswith("test_") else None
        if found is None:
            found = any((ROOT / "tests").rglob(t))
        return "file", found or t in _python_source()
    if t.startswith("/") and " " not in t:
        if URL_ROOT.match(t) and not (base and base.startswith("/api/") and t == "/cities/"):
            return "URL", _url_exists(t)
        if base:
            return "URL", _relative_url_exists(t, base)
        return None
    if re.match(r"^[a-z_]+:[a-z_]+$", t):
        return "URL name", t in _url_names()
    m = re.match(r"^([a-z_]+)((?:\.[A-Za-z_]\w*)+)(\*|\(.*\))?$", t)
    if m and m.group(1) in (*APPS, *SHORT_MODULES):
        name = m.group(1) + m.group(2)
        if m.group(3) == "*":
            module, _, prefix = name.rpartition(".")
            try:
                names = dir(importlib.import_module(module))
            except ImportError:
                return "dotted name", False
            return "dotted name", any(a.startswith(prefix) for a in names)
        if _dotted_exists(name) or (m.group(1) in APPS and _label_exists(name)):
            return "dotted name", True
        if m.group(1) not in APPS:
            return "dotted name", any(_dotted_exists(f"{app}.{name}") for app in APPS)
        return "dotted name", False
    m = re.match(r"^([A-Z]\w+)\.([A-Za-z_]\w*)(\(.*\))?$", t)
    if m and m.group(1) in _models_by_name():
        attr = m.group(2)
        return "model attribute", any(
            hasattr(model, attr) or attr in {f.name for f in model._meta.get_fields()}
            for model in _models_by_name()[m.group(1)]
        )
    if re.match(r"^(KCITY|CELERY|DJANGO)_[A-Z0-9_]+$", t):
        return "setting", hasattr(settings, t) or t.lower() in _identifiers()
    if re.match(r"^[A-Za-z_]\w*(\(.*\))?$", t):
        name = t.split("(")[0]
        if len(name) < 4:
            return None
        if "_" not in name.strip("_") and not re.match(r"^[A-Z][a-z]+[A-Z]", name):
            return None  # a plain word: a status, a field value, English
        words = _identifiers()
        return "name", (
            name.lower() in words or f"celery_{name.lower()}" in words or name in EXTERNAL_WORDS
        )
    return None


def _references():
    """(where, token, base URL of its line) for every quoted name of every doc."""
    for doc in DOCS:
        lines = doc.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            base = None
            for match in re.finditer(r"`([^`\n]+)`", line):
                token = match.group(1)
                before = (lines[number - 2] if number > 1 else "") + "\n" + line[: match.start()]
                if not re.search(r"\b(was|formerly)\s+$", before):
                    yield f"{doc.relative_to(ROOT)}:{number}", token, base
                if URL_ROOT.match(token) and "/" in token[1:]:
                    base = token.split("?")[0]


def test_every_name_quoted_in_the_docs_exists_in_the_code():
    missing = []
    for where, token, base in _references():
        result = check(token, base)
        if result is not None and not result[1]:
            missing.append(f"{where}: {result[0]} `{token}`")
    assert missing == [], "\n".join(missing)


def test_every_relative_link_in_the_docs_points_at_a_file():
    broken = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", line):
                external = "://" in link or link.startswith("mailto:")
                if not external and not (doc.parent / link).exists():
                    broken.append(f"{doc.relative_to(ROOT)}:{number}: {link}")
    assert broken == []


def test_env_example_lists_every_variable_the_settings_read():
    read = set()
    for name in ("base.py", "production.py"):
        source = (ROOT / "kcity" / "settings" / name).read_text()
        read |= set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    example = (ROOT / ".env.example").read_text()
    assert sorted(v for v in read if not re.search(rf"\b{v}\b", example)) == []


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("accounts.services.no_such_service", "dotted name"),
        ("core/no_such_module.py", "path"),
        ("/accounts/no-such-page/", "URL"),
        ("manage.py no_such_command", "command"),
        ("make no_such_target", "make target"),
        ("KCITY_NO_SUCH_SETTING", "setting"),
        ("staff_awards:no_such_page", "URL name"),
        ("Application.no_such_field", "model attribute"),
        ("no_such_function_anywhere", "name"),
        ("tests/test_rules.py::test_no_such_test", "test"),
    ],
)
def test_a_wrong_name_is_caught(token, kind):
    assert check(token) == (kind, False)


@pytest.mark.parametrize(
    "token",
    [
        "accounts.services.require_verified_email",
        "core/exports.py",
        "/accounts/my-data/",
        "/staff/projects/<code>/",
        "manage.py seed_demo",
        "make run",
        "KCITY_MAX_UPLOAD_SIZE",
        "staff_awards:awards",
        "Application.submitted_at",
        "accounts.apply_retention",
        "applications/submitted",
    ],
)
def test_a_right_name_is_found(token):
    assert check(token)[1] is True
