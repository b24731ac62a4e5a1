"""Every page of every role fits a phone: at 390 px wide, in English and in Korean, no page is
wider than the screen (a table or chart may scroll inside its own box; the page itself may
not), so nothing is cut off or needs a sideways scroll of the whole page.

The pages and data are the accessibility sweep's (``pages_for``, ``portal``), so a page added
there is checked here too."""

import pytest
from django.conf import settings

from tests.browser.conftest import log_in
from tests.browser.test_accessibility_sweep import ROLES, pages_for
from tests.browser.test_accessibility_sweep import portal as portal  # noqa: PLC0414 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_fits_a_phone(role, browser, live_server, portal):  # noqa: F811
    d, users = portal
    user = users.get(role)
    problems = []
    for language in ("en", "ko"):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            if user is not None:
                log_in(page, live_server, user)
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            for url in pages_for(role, d):
                response = page.goto(url)
                status = response.status if response is not None else None
                if status is None or status >= 500:
                    problems.append((language, url, f"HTTP {status}"))
                    continue
                too_wide = page.evaluate(PAGE_WIDTH)
                if too_wide:
                    problems.append((language, url, too_wide))
        finally:
            context.close()
    assert problems == [], "\n".join(map(repr, problems))


def test_the_check_names_a_page_wider_than_the_phone(browser):
    """The check itself: a page with a box wider than the screen is reported, with the box; the
    same box inside a scrolling wrapper is not."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content(
            '<main><p>Fits</p><div class="wide" style="width:800px">Budget</div></main>'
        )
        assert 'div.wide "Budget"' in page.evaluate(PAGE_WIDTH)
        page.set_content(
            '<main><div style="overflow-x:auto"><table style="width:800px"><tr><td>KRW</td>'
            "</tr></table></div></main>"
        )
        assert page.evaluate(PAGE_WIDTH) is None
    finally:
        context.close()
