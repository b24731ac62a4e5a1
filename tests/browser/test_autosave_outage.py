"""An application section's autosave when the server cannot save (its database down: 503, or
the network gone): the status line must stop saying "Saved automatically at …" and say the
latest change is not saved, so the applicant does not leave believing it is kept."""

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _section(page, live_server, applicant, planning_track):
    draft = ApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )
    log_in(page, live_server, applicant)
    page.goto(reverse("applications:section", args=[draft.pk, "project"]))
    page.on("dialog", lambda dialog: dialog.dismiss())
    title = page.locator("#id_title")
    title.fill("")
    title.press_sequentially("A first title")
    with page.expect_response(lambda r: r.request.method == "POST"):
        title.press("Tab")
    page.get_by_text("Saved automatically").wait_for()
    return draft, title


def _type_again(page, title, text):
    title.focus()
    title.press("End")
    title.press_sequentially(text)
    title.press("Tab")
    page.wait_for_timeout(1500)  # the autosave waits 800 ms after the change


@pytest.mark.parametrize("failure", ["503", "network"])
def test_a_failed_autosave_says_not_saved(page, live_server, applicant, planning_track, failure):
    draft, title = _section(page, live_server, applicant, planning_track)
    section_url = reverse("applications:section", args=[draft.pk, "project"])

    def refuse(route):
        if route.request.method != "POST":
            return route.continue_()
        if failure == "network":
            return route.abort("connectionrefused")
        return route.fulfill(
            status=503,
            headers={"Retry-After": "60", "Content-Type": "text/html; charset=utf-8"},
            body="<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1>",
        )

    page.route(f"**{section_url}", refuse)
    _type_again(page, title, " and more")
    status = page.locator("#autosave-status")
    text = status.inner_text()
    assert "Saved automatically" not in text
    assert "Not saved" in text
    assert status.get_attribute("role") == "alert"
    draft.refresh_from_db()
    assert draft.title == "A first title"

    # The server answers again: the next change is saved and said so.
    page.unroute(f"**{section_url}")
    _type_again(page, title, " now")
    page.get_by_text("Saved automatically").wait_for()
    draft.refresh_from_db()
    assert draft.title == "A first title and more now"
