"""A reviewer or staff member typing a long text is not logged out for being idle, and one
whose session has ended all the same is told so before sending the form.

The idle time is shortened to 15 s here, so the page says every 5 s that the user is there."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from accounts import sessions
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def short_idle(settings):
    settings.KCITY_SESSION_IDLE_TIMEOUT_STAFF = 15
    return sessions.alive_every  # 5 s


def _age_browser_session(page, seconds: int) -> None:
    """Move the browser's session ``seconds`` into the past, as if nothing had reached the
    server for that long."""
    key = next(
        c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    )
    store = SessionStore(session_key=key)
    store[sessions.SEEN_AT_KEY] = int(time.time()) - seconds
    store.save()


def test_typing_keeps_the_session_and_an_ended_one_is_announced(
    page, live_server, kind_staff, short_idle
):
    log_in(page, live_server, kind_staff)
    page.goto("/accounts/profile/")
    field = page.locator("form input[type=text], form textarea").first
    page.wait_for_timeout(5_500)  # past the first interval since the page was loaded
    with page.expect_response("**/accounts/session/alive/") as alive:
        field.press_sequentially("abc")
    assert alive.value.status == 204
    assert page.get_by_role("alert").count() == 0

    _age_browser_session(page, 60)  # idle for longer than the 15 s allowed
    page.wait_for_timeout(5_500)
    with page.expect_response("**/accounts/session/alive/") as ended:
        field.press_sequentially("def")
    assert ended.value.status == 401
    expect(page.get_by_role("alert")).to_contain_text("You have been logged out")
    assert "abcdef" in field.input_value()  # what was typed is still there


def test_a_server_fault_is_not_taken_for_a_log_out(page, live_server, kind_staff, short_idle):
    """With the database down the signal is answered 503, which says nothing about the
    session: the page asks again later and does not tell the user they were logged out."""
    log_in(page, live_server, kind_staff)
    page.goto("/accounts/profile/")
    page.route("**/accounts/session/alive/", lambda route: route.fulfill(status=503))
    field = page.locator("form input[type=text], form textarea").first
    page.wait_for_timeout(5_500)
    with page.expect_response("**/accounts/session/alive/") as answer:
        field.press_sequentially("abc")
    assert answer.value.status == 503
    page.wait_for_timeout(300)
    assert page.get_by_role("alert").count() == 0
