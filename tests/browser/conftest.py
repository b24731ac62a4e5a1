"""Browser tests: Playwright for Python driving Debian's Chromium against the live test server.

The browser is launched by its path (Playwright's own download cannot work offline). Without a
``chromium`` on the PATH these tests fail loudly rather than skip: CI installs it.
"""

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium`.")
    # Playwright's sync API runs an event loop; Django must allow ORM calls from this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context on the live server, the portal's Content-Security-Policy in
    force (axe-core is loaded from the portal's own static files, which it allows)."""
    context = open_context(
        browser, base_url=live_server.url, locale="en-GB", timezone_id="Europe/Berlin"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    close_context(context)


def open_context(browser, **options):
    """``browser.new_context(**options)`` whose requests are followed until answered, for
    ``close_context``."""
    context = browser.new_context(**options)
    in_flight = set()
    context.on("request", lambda request: in_flight.add(request))
    context.on("requestfinished", lambda request: in_flight.discard(request))
    context.on("requestfailed", lambda request: in_flight.discard(request))
    context.kcity_in_flight = in_flight
    return context


def close_context(context, timeout_ms: int = 10_000) -> None:
    """Close a context of ``open_context`` once the live server has answered its requests (for
    at most ``timeout_ms``). A test may end while a request it started is still being served
    (an htmx load behind a click); the test database is emptied right after the test, and
    emptying it beside that request's reads deadlocks on PostgreSQL."""
    in_flight = context.kcity_in_flight
    for _ in range(timeout_ms // 50):
        pages = [page for page in context.pages if not page.is_closed()]
        if not in_flight or not pages:
            break
        pages[0].wait_for_timeout(50)  # lets Playwright deliver the answers' events
    context.close()


def accept_confirmations(page) -> None:
    """Answer "OK" to every confirmation dialog of the page (the ``data-confirm`` buttons)."""
    page.on("dialog", lambda dialog: dialog.accept())


def log_in(page, live_server, user) -> None:
    """Log ``user`` in by handing the browser a session cookie (the log-in form has its own
    tests); any earlier session in the context is dropped first."""
    from django.conf import settings
    from django.test import Client

    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page; the failure names each rule and
    the elements it found."""
    violations = run_axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def run_axe(page) -> list[dict]:
    """Run axe-core (served by the portal itself) on the page; return serious/critical violations.

    The script is loaded from the portal's own static files, which the page's strict
    Content-Security-Policy allows (an inline copy would be blocked).
    """
    from django.conf import settings

    if not (settings.BASE_DIR / "static" / "vendor" / "axe.min.js").exists():
        pytest.fail("static/vendor/axe.min.js is missing: run scripts/collect_assets.py.")
    from playwright.sync_api import Error as PlaywrightError

    # A click may still be loading the next page: wait, and retry once the document is there.
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                page.add_script_tag(url="/static/vendor/axe.min.js")
            result = page.evaluate(
                "async () => await axe.run(document, {resultTypes: ['violations']})"
            )
            break
        except PlaywrightError:
            if attempt == 2:
                raise
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


PHONE = {"width": 390, "height": 844}

# The page's width against the window's, and the widest element that pokes out of the window
# without a scrolling box around it (to name the culprit in the failure).
PAGE_WIDTH = """() => {
    const doc = document.documentElement;
    if (doc.scrollWidth <= window.innerWidth + 1) return null;
    const scrolls = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const o = getComputedStyle(a).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
        }
        return false;
    };
    let culprit = '';
    let widest = window.innerWidth;
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.right > widest + 1 && !scrolls(el)) {
            widest = box.right;
            culprit = el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className
                ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                + ' "' + el.textContent.trim().slice(0, 40) + '"';
        }
    }
    return `page ${doc.scrollWidth}px wide in ${window.innerWidth}px; ${culprit}`;
}"""


def page_too_wide(page) -> str | None:
    """At the phone's width (``PHONE``), what makes the page wider than the screen, or None.

    The page is laid out again at the phone's width and the desktop's afterwards, so a sweep
    that has just checked the page at the desktop's width needs no second visit: the style
    sheet's media queries and the portal's script (``static/js/portal.js`` redoes its one
    width-dependent step on ``resize``) give the layout a page opened on the phone would have.
    """
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        return page.evaluate(PAGE_WIDTH)
    finally:
        page.set_viewport_size(desktop)
