"""What was typed in a form is not thrown away by a stray click, and a double click sends a
form once (static/js/portal.js: warnBeforeLosingInput, sendFormsOnce)."""

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _typed_in_profile(page, live_server, user):
    log_in(page, live_server, user)
    page.goto("/accounts/profile/")
    field = page.locator("form.form input[type=text]").first
    field.fill("")
    field.press_sequentially("Unsaved name")
    return field


def test_leaving_a_form_with_typed_text_asks_first(page, live_server, kind_staff):
    field = _typed_in_profile(page, live_server, kind_staff)
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.locator("a.brand").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith("/accounts/profile/")  # stayed
    assert field.input_value() == "Unsaved name"  # and kept what was typed

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("a.brand").click()
    assert not page.url.endswith("/accounts/profile/")


def test_sending_another_form_of_the_page_still_asks(page, live_server, kind_staff):
    """Typing in the profile, then switching the language (a form of its own in the header):
    the typed text would be lost, so the page asks; choosing the language alone does not."""
    _typed_in_profile(page, live_server, kind_staff)
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.select_option("#language-select", "ko")
    page.locator("form.lang-switch button[type=submit]").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith("/accounts/profile/")


def test_sending_the_form_does_not_ask_and_an_untouched_form_leaves_freely(
    page, live_server, kind_staff
):
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    _typed_in_profile(page, live_server, kind_staff)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    page.goto("/accounts/profile/")
    page.select_option("#language-select", "ko")  # the language form does not count
    with page.expect_navigation():
        page.locator("a.brand").click()
    assert asked == []


def test_a_second_click_while_the_answer_is_awaited_sends_nothing(page, live_server, kind_staff):
    """The first request is stopped on its way (as if the answer were slow to come: the page
    stays); a second click on the button then sends nothing, where it would send the form
    again."""
    _typed_in_profile(page, live_server, kind_staff)
    posts = []

    def stop(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.url)
        route.abort("aborted")

    page.route("**/accounts/profile/", stop)
    button = page.locator("form.form button[type=submit]")
    button.click()
    page.wait_for_timeout(300)
    button.click()
    page.wait_for_timeout(300)
    assert posts == [f"{live_server.url}/accounts/profile/"]
    assert page.url.endswith("/accounts/profile/")


def test_a_file_above_the_limit_is_refused_as_soon_as_it_is_chosen(
    page, live_server, kind_staff, settings
):
    from django.urls import reverse

    from tests.factories import EventFactory

    settings.MAX_UPLOAD_SIZE = 2_000
    event = EventFactory()
    log_in(page, live_server, kind_staff)
    page.goto(reverse("staff_events:event", args=[event.pk]))
    file_input = page.locator("input[type=file]")
    big = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * 5_000}
    file_input.set_input_files(big)
    alert = page.get_by_role("alert")
    assert "This file is larger than 2.0" in alert.inner_text()
    assert file_input.evaluate("input => input.files.length") == 0
    assert file_input.get_attribute("aria-invalid") == "true"
    assert alert.get_attribute("id") in file_input.get_attribute("aria-describedby")
    small = {**big, "buffer": b"%PDF-" + b"0" * 500}
    file_input.set_input_files(small)
    assert page.get_by_role("alert").count() == 0
    assert file_input.evaluate("input => input.files.length") == 1
    assert file_input.get_attribute("aria-invalid") is None


def test_a_section_saved_by_itself_leaves_without_asking(
    page, live_server, applicant, planning_track
):
    """The application's sections save themselves (htmx, after a change): once the page says
    saved, and nothing was typed since, a link leaves at once; typing again asks again."""
    from django.urls import reverse

    from tests.factories import ApplicationFactory

    draft = ApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )
    log_in(page, live_server, applicant)
    page.goto(reverse("applications:section", args=[draft.pk, "project"]))
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    title = page.locator("#id_title")
    title.fill("")
    title.press_sequentially("A new title")
    with page.expect_response(lambda r: r.request.method == "POST"):
        title.press("Tab")  # the change that starts the autosave
    page.get_by_text("Saved automatically").wait_for()
    title.focus()
    title.press("End")
    title.press_sequentially(" again")  # typed after the save
    page.locator("a.brand").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    with page.expect_response(lambda r: r.request.method == "POST"):
        title.press("Tab")
    page.wait_for_timeout(300)
    with page.expect_navigation():
        page.locator("a.brand").click()
    assert asked == ["beforeunload"]  # not asked a second time
    draft.refresh_from_db()
    assert draft.title == "A new title again"


def test_the_log_in_form_never_asks(page, live_server):
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.goto("/accounts/login/")
    page.locator("main input[type=email], main input[name=username]").first.press_sequentially(
        "someone@example.org"
    )
    with page.expect_navigation():
        page.locator("a.brand").click()
    assert asked == []
