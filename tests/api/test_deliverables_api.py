"""Deliverables of funded projects through the API: the contractor uploads, staff of the funding
track accept or return; the same services (audit, outbox) and rules as the deliverable page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roles
from accounts.audit import audit_events_for
from awards.models import Deliverable
from notifications.models import Message
from tests.factories import DeliverableFactory, OrganizationFactory, ProjectFactory, UserFactory
from tests.factories.applications import PDF_BYTES, pdf_upload

from .conftest import client_for, ids, results

pytestmark = pytest.mark.django_db


def url(deliverable=None, action=None):
    if deliverable is None:
        return reverse("api:deliverable-list")
    return reverse(f"api:deliverable-{action or 'detail'}", kwargs={"pk": deliverable.pk})


pdf = pdf_upload


@pytest.fixture
def deliverable(contracted_project):
    return DeliverableFactory(project=contracted_project, title="Inception report")


@pytest.fixture
def submitted(deliverable, contractor):
    response = client_for(contractor).post(
        url(deliverable, "upload"), {"file": pdf()}, format="multipart"
    )
    assert response.status_code == 200, response.content
    deliverable.refresh_from_db()
    return deliverable


@pytest.mark.parametrize("who", ["contractor", "kind_staff", "programme_admin"])
def test_deliverables_listed_for_contractor_and_track_staff(request, who, deliverable):
    client = client_for(request.getfixturevalue(who))
    response = client.get(url(), {"project": deliverable.project.code})
    assert ids(response) == {deliverable.pk}
    assert results(response)[0]["project"] == deliverable.project.code
    assert client.get(url(deliverable)).json()["status"] == "pending"


@pytest.mark.parametrize("who", ["kaia_staff", "applicant", "reviewer"])
def test_deliverables_hidden_from_others(request, who, deliverable):
    client = client_for(request.getfixturevalue(who))
    response = client.get(url())
    assert ids(response) == set()
    assert "Leaky Klang plan" not in response.content.decode()
    assert client.get(url(deliverable)).status_code == 404


def test_deliverable_upload_submits_and_is_audited(submitted, contractor):
    assert submitted.status == "submitted"
    assert (submitted.original_name, submitted.content_type, submitted.size) == (
        "report.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    event = audit_events_for(submitted).get()
    assert (event.old_value, event.new_value, event.actor) == ("pending", "submitted", contractor)


def test_deliverable_upload_not_a_document_is_400(deliverable, contractor):
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_for(contractor).post(
        url(deliverable, "upload"), {"file": fake}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    deliverable.refresh_from_db()
    assert (deliverable.status, bool(deliverable.file)) == ("pending", False)


def test_deliverable_upload_without_file_is_400(deliverable, contractor):
    response = client_for(contractor).post(url(deliverable, "upload"), {}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"file"}


def test_deliverable_upload_by_staff_is_403(deliverable, kind_staff):
    response = client_for(kind_staff).post(
        url(deliverable, "upload"), {"file": pdf()}, format="multipart"
    )
    assert response.status_code == 403
    deliverable.refresh_from_db()
    assert deliverable.status == "pending"


def test_deliverable_upload_by_another_company_is_404(deliverable, role_groups):
    rival = UserFactory(
        roles=[roles.CONTRACTOR],
        organizations=[OrganizationFactory(name="Rival", kind="korean_company", country_code="KR")],
    )
    response = client_for(rival).post(
        url(deliverable, "upload"), {"file": pdf()}, format="multipart"
    )
    assert response.status_code == 404


def test_deliverable_upload_again_after_submission_is_403(submitted, contractor):
    response = client_for(contractor).post(
        url(submitted, "upload"), {"file": pdf("v2.pdf")}, format="multipart"
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.original_name == "report.pdf"


def test_deliverable_accept_by_track_staff_tells_the_contractor(submitted, kind_staff, contractor):
    response = client_for(kind_staff).post(
        url(submitted, "accept"), {"feedback": "Thorough.", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["feedback"]) == ("accepted", "Thorough.")
    event = audit_events_for(submitted).get(new_value="accepted")
    assert (event.actor, event.detail) == (kind_staff, {"feedback": "Thorough."})
    message = Message.objects.get(template="results/deliverable_reviewed", channel="email")
    assert (message.recipient, message.context["status"]) == (contractor, "accepted")


def test_deliverable_return_needs_feedback(submitted, kind_staff):
    client = client_for(kind_staff)
    response = client.post(url(submitted, "return"), {"version": 1}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"feedback"}
    response = client.post(url(submitted, "return"), {"feedback": " ", "version": 1}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"feedback"}
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert not Message.objects.exists()


def test_deliverable_return_then_upload_again(submitted, kind_staff, contractor):
    response = client_for(kind_staff).post(
        url(submitted, "return"), {"feedback": "Add the site survey.", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "returned"
    assert Message.objects.filter(
        recipient=contractor, template="results/deliverable_reviewed", context__status="returned"
    ).exists()
    again = client_for(contractor).post(
        url(submitted, "upload"), {"file": pdf("v2.pdf")}, format="multipart"
    )
    assert again.json()["status"] == "submitted"


def test_deliverable_accept_by_contractor_is_403(submitted, contractor):
    response = client_for(contractor).post(url(submitted, "accept"), {}, format="json")
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_deliverable_accept_pending_is_403(deliverable, kind_staff):
    response = client_for(kind_staff).post(url(deliverable, "accept"), {}, format="json")
    assert response.status_code == 403
    deliverable.refresh_from_db()
    assert deliverable.status == "pending"


def test_deliverable_accept_by_other_track_staff_is_404(submitted, kaia_staff):
    response = client_for(kaia_staff).post(url(submitted, "accept"), {}, format="json")
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Deliverable.Status.SUBMITTED


def test_deliverable_list_query_count_does_not_grow(
    contracted_project, contractor, django_assert_max_num_queries
):
    client = client_for(contractor)
    DeliverableFactory(project=contracted_project)
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url()))) == 1
    for kind in ("interim_report", "final_report", "training", "other"):
        DeliverableFactory(
            project=ProjectFactory(contractor=contracted_project.contractor), kind=kind
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url()))) == 5
