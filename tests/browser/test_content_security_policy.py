"""The back office and the API docs work in a real browser under their Content-Security-Policy:
no violation is reported while they load and are used, and Swagger UI draws the operations."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_violations(page) -> list[str]:
    """Every CSP violation the page reports, as the browser's console messages."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_back_office_pages_raise_no_policy_violation(page, live_server):
    root = UserFactory(email="root@molit.go.kr", is_staff=True, is_superuser=True)
    violations = _watch_violations(page)
    page.goto("/admin/login/")
    log_in(page, live_server, root)
    opened = []
    for url in (
        "/admin/",
        "/admin/projects/track/",
        "/admin/projects/call/add/",
        "/admin/reviews/assignment/",
        "/admin/reviews/criterion/add/",
        "/admin/accounts/auditevent/",
        "/admin/accounts/user/add/",
    ):
        response = page.goto(url)
        assert response.status in (200, 403), url  # 403: a model nobody adds here
        page.wait_for_load_state("load")
        opened += [url] if response.status == 200 else []
    assert len(opened) >= 4, opened
    # The change form's related-object buttons, the date widgets and the filters are scripts.
    page.goto("/admin/projects/call/add/")
    page.wait_for_selector(".datetimeshortcuts", state="attached")
    assert violations == []


def test_api_docs_draw_the_operations_without_policy_violation(page):
    violations = _watch_violations(page)
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    assert violations == []
