"""PDF rendering with WeasyPrint and a Korean-capable font that ships with the project.

The font is Noto Sans KR from ``@fontsource/noto-sans-kr`` (npm, see package.json), copied to
``static/vendor/noto-sans-kr`` by ``scripts/collect_assets.py``. It is handed to WeasyPrint
from those files, so Korean text renders the same on any server whatever fonts the operating
system has. Nothing is fetched from the network while rendering.

Usage: ``render_pdf("applications/pdf/summary.html", {...}, language="ko")``; templates extend
``pdf/base.html`` (letterhead) and are styled by ``static/css/pdf.css``. When WeasyPrint cannot
make the PDF (a font or library missing, the renderer failing) ``render_pdf`` raises
``PdfRenderingError``, which a download view decorated with ``core.views.renders_pdf`` answers
with a 503 page in the reader's language.
"""

import functools
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
# Where the font's CSS and woff2 files live: the collected vendor copy, or npm's original.
FONT_DIRS = (
    BASE_DIR / "static" / "vendor" / "noto-sans-kr",
    BASE_DIR / "node_modules" / "@fontsource" / "noto-sans-kr",
)
PDF_STYLESHEET = BASE_DIR / "static" / "css" / "pdf.css"


class PdfRenderingError(Exception):
    """WeasyPrint could not make the PDF: a fault of the server (fonts, system libraries, the
    renderer), not of the document asked for. The original exception is its ``__cause__``."""


def font_dir() -> Path:
    """The directory holding Noto Sans KR (``400.css``, ``700.css`` and ``files/``)."""
    for candidate in FONT_DIRS:
        if (candidate / "400.css").exists():
            return candidate
    raise FileNotFoundError(
        "Noto Sans KR is missing: run `npm ci && python scripts/collect_assets.py`."
    )


@functools.cache
def font_subsets() -> tuple[tuple[str, str, str, frozenset[int] | None], ...]:
    """(subset, weight, file URI, code points or None for "any") for each Noto Sans KR file."""
    fonts = font_dir()
    subsets = []
    for weight in ("400", "700"):
        css = (fonts / f"{weight}.css").read_text(encoding="utf-8")
        for block in css.split("@font-face")[1:]:
            found = re.search(r"url\(\./files/(noto-sans-kr-([\w-]+?)-\d00-normal\.woff2)\)", block)
            if not found or not (fonts / "files" / found[1]).exists():
                continue
            ranges = re.search(r"unicode-range:\s*([^;]+);", block)
            points = None
            if ranges:
                points = set()
                for part in ranges[1].split(","):
                    low, _, high = part.strip().removeprefix("U+").partition("-")
                    points.update(range(int(low, 16), int(high or low, 16) + 1))
                points = frozenset(points)
            subsets.append((found[2], weight, (fonts / "files" / found[1]).as_uri(), points))
    return tuple(subsets)


def font_css(text: str) -> str:
    """@font-face rules for the Noto Sans KR subsets that ``text`` needs.

    fontsource splits the font into ~120 unicode-range subsets sharing one family name.
    WeasyPrint names embedded PDF fonts after family, weight and size, so subsets sharing a
    family overwrite each other and Hangul comes out as wrong glyphs. With one family per
    subset, all listed in ``font-family``, Pango picks per character the subset that has it
    and each is embedded on its own. Loading only the subsets the text uses keeps rendering
    fast (loading all of them takes seconds).
    """
    used = {ord(char) for char in text}
    rules, families = [], []
    for subset, weight, uri, points in font_subsets():
        if subset not in ("latin", "latin-ext") and points is not None and not used & points:
            continue
        family = f"KCity Sans {subset}"
        if family not in families:
            families.append(family)
        rules.append(
            f"@font-face {{ font-family: '{family}'; font-weight: {weight}; "
            f"font-style: normal; src: url('{uri}') format('woff2'); }}"
        )
    # Latin subsets first so Latin text and digits use them; then the Hangul subsets.
    families.sort(key=lambda name: (not name.endswith(("latin", "latin-ext")), name))
    family_list = ", ".join(f"'{name}'" for name in families)
    rules.append(f"html {{ font-family: {family_list}, sans-serif; }}")
    return "\n".join(rules)


def _local_fetcher():
    """A WeasyPrint fetcher that reads files under the project only: no network, ever."""
    from weasyprint.urls import URLFetcher

    class LocalFileFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(url.removeprefix("file://").split("?")[0]).resolve()
                if BASE_DIR.resolve() not in path.parents:
                    raise ValueError(f"Refusing to read {path} while rendering a PDF.")
            return super().fetch(url, headers)

    return LocalFileFetcher(allowed_protocols={"file", "data"})


def render_pdf(template_name: str, context: dict, *, language: str, **options) -> bytes:
    """Render ``template_name`` with ``context`` in ``language`` and return the PDF bytes.

    The template is ordinary HTML (extend ``pdf/base.html`` for the letterhead); the Korean
    font and ``static/css/pdf.css`` apply to every page. ``options`` go to WeasyPrint's
    ``write_pdf`` (e.g. ``uncompressed_pdf=True`` to inspect the output). Writes nothing.

    Raises ``PdfRenderingError`` when WeasyPrint fails (``OSError`` for a missing font or
    library, or anything else the renderer raises); a template error is the code's and is
    raised as it is.
    """
    with translation.override(language):
        html = render_to_string(template_name, {**context, "pdf_language": language})
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        fetcher = _local_fetcher()
        font_config = FontConfiguration()
        stylesheets = [
            CSS(string=font_css(html), font_config=font_config, url_fetcher=fetcher),
            CSS(filename=str(PDF_STYLESHEET), font_config=font_config, url_fetcher=fetcher),
        ]
        document = HTML(string=html, base_url=str(BASE_DIR), url_fetcher=fetcher)
        return document.write_pdf(stylesheets=stylesheets, font_config=font_config, **options)
    except Exception as exc:
        raise PdfRenderingError(f"WeasyPrint could not render {template_name}: {exc!r}") from exc
