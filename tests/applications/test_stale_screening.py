"""Screening from a page opened before a colleague screened: the second decision must not
reverse the first, nor send the applicant a second, contradictory e-mail. The page, the bulk
forms and the API say the status they showed (``expected_status``); the service refuses a
change made since (``core.concurrency.StaleEdit``), and bulk screening reports it by name."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from applications import services as application_services
from applications.models import Application
from core.concurrency import StaleEdit
from notifications.models import Message
from tests.api.conftest import client_for, url
from tests.factories import SubmittedApplicationFactory
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def submitted(applicant, planning_track):
    return SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
        reference="2026-PL-011",
    )


def _opened(user, url, having, **kw):
    browser = Client()
    browser.force_login(user)
    page = browser.get(url)
    assert page.status_code == 200
    return browser, form_data(page.content.decode(), having=having, **kw)


def _emails(applicant) -> list[str]:
    return list(
        Message.objects.filter(recipient=applicant, channel="email").values_list(
            "template", flat=True
        )
    )


def test_second_screening_from_a_stale_page_does_not_reverse_the_first(
    kind_staff, second_staff, applicant, submitted
):
    url = reverse("staff_applications:screen", kwargs={"pk": submitted.pk})
    browser, stale = _opened(kind_staff, url, "reason")
    # A colleague screens it eligible first; the applicant is told.
    application_services.screen_application(
        application=submitted, eligible=True, actor=second_staff
    )
    # A, on the page opened before, marks it ineligible.
    stale.update(decision="ineligible", reason="No letter of intent.")
    response = browser.post(url, stale)
    submitted.refresh_from_db()
    told = _emails(applicant)
    assert submitted.status == "eligible" and told == ["applications/status_changed"], (
        f"the stale screening reversed the colleague's decision (answer {response.status_code}, "
        f"status {submitted.status}, applicant e-mailed {told})"
    )


def test_the_stale_screening_page_answers_409_and_says_what_happened(
    kind_staff, second_staff, applicant, submitted
):
    url = reverse("staff_applications:screen", kwargs={"pk": submitted.pk})
    browser, stale = _opened(kind_staff, url, "reason")
    application_services.screen_application(
        application=submitted, eligible=True, actor=second_staff
    )
    stale.update(decision="ineligible", reason="No letter of intent.")
    response = browser.post(url, stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else screened or moved this application since you opened the page" in page
    assert "No letter of intent." in page  # the reason typed is kept
    # The page now shows (and its form carries) "Eligible": a correction made knowingly goes.
    again = form_data(page, having="reason")
    assert again["seen_version"] == S.ELIGIBLE
    assert browser.post(url, again).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.INELIGIBLE


def test_the_service_checks_only_when_told_what_was_shown(kind_staff, second_staff, submitted):
    application_services.screen_application(
        application=submitted, eligible=True, actor=second_staff
    )
    with pytest.raises(StaleEdit):
        application_services.screen_application(
            application=submitted,
            eligible=False,
            reason="No letter of intent.",
            actor=kind_staff,
            expected_status=S.SUBMITTED,
        )
    submitted.refresh_from_db()
    assert submitted.status == S.ELIGIBLE
    # Other callers (the admin's action, a script) say nothing and are not checked.
    application_services.screen_application(
        application=submitted, eligible=False, reason="No letter of intent.", actor=kind_staff
    )
    submitted.refresh_from_db()
    assert submitted.status == S.INELIGIBLE


def test_bulk_screening_from_a_stale_list_skips_and_reports_what_changed(
    kind_staff, second_staff, applicant, submitted, planning_track
):
    other = SubmittedApplicationFactory(track=planning_track, reference="2026-PL-012")
    url = reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk})
    browser, stale = _opened(kind_staff, url, "decision")
    application_services.screen_application(
        application=submitted, eligible=True, actor=second_staff
    )
    stale.update(
        applications=[str(submitted.pk), str(other.pk)],
        decision="ineligible",
        reason="Budget above the ceiling.",
    )
    response = browser.post(url, stale)
    assert response.status_code == 302
    submitted.refresh_from_db()
    other.refresh_from_db()
    assert (submitted.status, other.status) == (S.ELIGIBLE, S.INELIGIBLE)
    assert _emails(applicant) == ["applications/status_changed"]
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said[0] == "1 application(s) screened."
    assert said[1].startswith("2026-PL-011: Someone else screened or moved this application")


def test_bulk_action_from_a_stale_track_list_skips_and_reports_what_changed(
    kind_staff, second_staff, applicant, submitted, planning_track
):
    other = SubmittedApplicationFactory(track=planning_track, reference="2026-PL-012")
    url = reverse("staff_applications:track_applications", args=[planning_track.pk])
    browser, stale = _opened(kind_staff, url, "action")
    assert stale[f"shown_status_{submitted.pk}"] == S.SUBMITTED
    application_services.screen_application(
        application=submitted, eligible=True, actor=second_staff
    )
    stale.update(
        applications=[str(submitted.pk), str(other.pk)],
        action="ineligible",
        reason="Budget above the ceiling.",
    )
    response = browser.post(url, stale)
    assert response.status_code == 302
    submitted.refresh_from_db()
    other.refresh_from_db()
    assert (submitted.status, other.status) == (S.ELIGIBLE, S.INELIGIBLE)
    assert _emails(applicant) == ["applications/status_changed"]
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said[0] == "Done for 1 application(s): 2026-PL-012."
    assert said[1].startswith("Not done for 2026-PL-011: Someone else screened")


def test_the_api_answers_409_to_a_screening_of_a_status_changed_since(
    kind_staff, second_staff, submitted
):
    application_services.screen_application(
        application=submitted, eligible=True, actor=second_staff
    )
    response = client_for(kind_staff).post(
        url("application", submitted, "screen"),
        {"eligible": False, "reason": "No letter of intent.", "expected_status": "submitted"},
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "changed_meanwhile"
    submitted.refresh_from_db()
    assert submitted.status == S.ELIGIBLE
