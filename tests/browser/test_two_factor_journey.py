"""A secretariat officer's first and second log-in in Chromium: the password alone opens
neither the staff pages nor the back office; the officer sets up an authenticator app from the
QR page (the secret read as text), saves the recovery codes, and gives a code next time. Each
page passes axe-core under the portal's strict Content-Security-Policy."""

import base64

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts import roles
from tests.browser.conftest import assert_accessible
from tests.factories import OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "officer@kind.or.kr"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def officer(db):
    roles.ensure_role_groups()
    kind = OrganizationFactory(name="KIND", kind="korean_agency", country_code="KR")
    return UserFactory(
        email=EMAIL, roles=[roles.SECRETARIAT_STAFF], is_staff=True, organizations=[kind]
    )


def code_from_secret(secret_text: str, *, steps_ahead: int = 0) -> str:
    key = base64.b32decode(secret_text.replace(" ", ""))
    totp = TOTP(key)
    totp.drift = steps_ahead
    return f"{totp.token():06d}"


def log_in(page, next_path="/staff/"):
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_officer_sets_up_the_app_then_gives_a_code_at_the_next_log_in(page, live_server, officer):
    csp_errors = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    # First log-in: the password leads to the set-up page, not to the staff pages. Its QR code
    # is drawn without anything the Content-Security-Policy blocks (checked before axe-core
    # runs: axe itself copies the style sheets inline).
    log_in(page)
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the secret key")).to_be_visible()
    page.wait_for_load_state("load")
    assert csp_errors == []
    assert_accessible(page)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()

    secret = page.get_by_label("Cannot scan it?").input_value()
    wrong = f"{(int(code_from_secret(secret)) + 1) % 1_000_000:06d}"
    page.get_by_label("Code from the app").fill(wrong)
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_text("That code is not right.").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Code from the app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", name="Two-step verification is on")).to_be_visible()
    assert page.locator("ol code").count() == 10
    assert_accessible(page)
    # On to the page that asked for the second factor (the back office, the last one tried).
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Programme administration")).to_be_visible()
    page.goto("/staff/")
    expect(page).to_have_url(f"{live_server.url}/staff/")

    # Second log-in, in a fresh browser session: a code from the app (the next step's, as the
    # first one is used up).
    page.context.clear_cookies()
    log_in(page)
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code").fill(code_from_secret(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}/staff/")
