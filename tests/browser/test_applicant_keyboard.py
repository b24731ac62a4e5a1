"""Keyboard use: skip link first, the sign-up form usable without a mouse, errors reachable."""

import pytest
from playwright.sync_api import expect

from accounts import roles
from accounts.models import User
from tests.browser.conftest import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_applicant_keyboard_skip_link_and_signup_errors(page, live_server):
    roles.ensure_role_groups()
    page.goto("/accounts/signup/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Fill the form by keyboard only, with a mismatched password.
    page.get_by_label("Full name").focus()
    page.keyboard.type("Aminah Rahman")
    page.keyboard.press("Tab")
    page.keyboard.type("aminah@klang.gov.my")
    page.keyboard.press("Tab")
    page.keyboard.type("smart-city-2026!")
    page.keyboard.press("Tab")
    page.keyboard.type("smart-city-2027!")
    # The privacy notice's box, ticked with the space bar; then back to submit with Enter.
    page.get_by_label("I have read the privacy notice", exact=False).focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("I have read the privacy notice", exact=False)).to_be_checked()
    page.locator("#id_password2").focus()
    page.keyboard.press("Enter")

    # The error summary links to the field; following it lands on the input.
    summary_link = page.locator(".error-summary a", has_text="The two passwords do not match.")
    expect(summary_link).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Aminah Rahman")
    summary_link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_password2")).to_be_focused()
    assert page.locator("#id_password2").get_attribute("aria-describedby") == "id_password2-error"
    assert run_axe(page) == []
    assert not User.objects.exists()
