"""The browser fixtures of ``tests/browser`` (Debian's Chromium through Playwright) for this
review's page checks."""

from tests.browser.conftest import browser, page  # noqa: F401
