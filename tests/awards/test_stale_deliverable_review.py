"""A deliverable review names the version it was made on: accepted from a page that showed
version 1, it must not accept version 2, which the reviewer never opened (and which makes a
tranche payable). The page, the API and ``review_deliverable`` refuse it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.audit import audit_events_for
from awards.contractor_selection import CHANGED_SINCE, review_deliverable, submit_deliverable
from awards.models import Deliverable
from core.domain import DomainError
from tests.api.conftest import client_for
from tests.factories import DeliverableFactory
from tests.factories.applications import PDF_BYTES, pdf_upload
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db
V2 = PDF_BYTES.replace(b"%%EOF", b"% second version\n%%EOF")


@pytest.fixture
def deliverable(contracted_project, contractor):
    """An interim report the contractor has sent once (version 1)."""
    deliverable = DeliverableFactory(project=contracted_project, kind=Deliverable.Kind.INTERIM)
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload("v1.pdf"), actor=contractor)
    return deliverable


def _sent_again(deliverable, contractor, second_staff):
    """A colleague returns version 1; the contractor sends version 2 at once."""
    review_deliverable(
        deliverable=deliverable, accept=False, feedback="Add the site survey.", actor=second_staff
    )
    second = SimpleUploadedFile("v2.pdf", V2, content_type="application/pdf")
    submit_deliverable(deliverable=deliverable, uploaded=second, actor=contractor)


def test_accept_from_a_page_showing_version_1_does_not_accept_version_2(
    deliverable, contractor, kind_staff, second_staff
):
    url = reverse("awards:deliverable", args=[deliverable.pk])
    browser = Client()
    browser.force_login(kind_staff)
    stale = form_data(browser.get(url).content.decode(), having="feedback")
    assert stale["version"] == "1"
    _sent_again(deliverable, contractor, second_staff)
    # The first reviewer, still on version 1, accepts.
    stale.update(decision="accept", feedback="Good survey.")
    response = browser.post(url, stale)
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED, (
        f"version 2 was accepted from a form that showed version 1 (answer {response.status_code})"
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Version 2 of this deliverable has been sent since the version 1" in page
    assert "Good survey." in page  # what was typed, kept in its field
    assert deliverable.versions.get(number=2).outcome == Deliverable.Status.SUBMITTED
    assert not audit_events_for(deliverable).filter(new_value="accepted").exists()
    # The form now names version 2: sending it again is a verdict on what the page shows.
    again = form_data(page, having="feedback")
    assert (again["version"], again["feedback"]) == ("2", "Good survey.")
    assert browser.post(url, again).status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.ACCEPTED
    assert deliverable.versions.get(number=2).outcome == Deliverable.Status.ACCEPTED


def test_a_review_without_its_version_is_refused(client, deliverable, kind_staff):
    client.force_login(kind_staff)
    response = client.post(
        reverse("awards:deliverable", args=[deliverable.pk]),
        {"action": "review", "decision": "accept"},
    )
    assert response.status_code == 400 and "This page is out of date" in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED


def test_the_service_refuses_a_verdict_on_an_older_version(
    deliverable, contractor, kind_staff, second_staff
):
    _sent_again(deliverable, contractor, second_staff)
    for accept in (True, False):
        with pytest.raises(DomainError) as refused:
            review_deliverable(
                deliverable=deliverable,
                accept=accept,
                feedback="Fine.",
                actor=kind_staff,
                version=1,
            )
        assert refused.value.code == CHANGED_SINCE
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED
    accepted = review_deliverable(
        deliverable=deliverable, accept=True, feedback="", actor=kind_staff, version=2
    )
    assert accepted.status == Deliverable.Status.ACCEPTED


def test_the_api_names_the_version_reviewed(deliverable, contractor, kind_staff, second_staff):
    staff = client_for(kind_staff)
    detail = reverse("api:deliverable-detail", kwargs={"pk": deliverable.pk})
    accept = reverse("api:deliverable-accept", kwargs={"pk": deliverable.pk})
    seen = staff.get(detail).json()["version"]
    assert seen == 1
    response = staff.post(accept, {}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"version"}
    _sent_again(deliverable, contractor, second_staff)
    response = staff.post(accept, {"version": seen}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, CHANGED_SINCE)
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED
    seen = staff.get(detail).json()["version"]
    response = staff.post(accept, {"version": seen}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("accepted", 2)
