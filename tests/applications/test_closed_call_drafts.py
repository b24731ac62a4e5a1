"""A draft once its call has closed: it can no longer be submitted, and so no longer be changed.

Every section's save is refused with the submission's own words (code ``deadline``, the closing
time in Korea time, ``stages.deadline_refusal``), whether or not the beat job has closed the call
yet; the section pages say so and show the form read-only; the API answers 409 with the code. A
section reopened for clarification stays editable after the deadline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services, stages
from applications.models import Document
from core.domain import DomainError
from tests.api.conftest import client_for
from tests.conftest import login
from tests.factories.applications import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_draft(complete_draft):
    """The complete draft, its call's closing time just passed (the beat job has not run)."""
    call = complete_draft.call
    call.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    call.save(update_fields=["closes_at"])
    return complete_draft


def _refusal(action) -> DomainError:
    with pytest.raises(DomainError) as refused:
        action()
    return refused.value


def test_a_draft_section_is_not_saved_after_the_call_closed(closed_draft):
    refused = _refusal(
        lambda: services.save_application_section(
            application=closed_draft,
            section="project",
            data={"summary": "Typed after the deadline."},
            actor=closed_draft.created_by,
        )
    )
    assert refused.code == "deadline"
    assert stages.korea_time(closed_draft.call.closes_at) in str(refused.message)
    closed_draft.refresh_from_db()
    assert closed_draft.summary != "Typed after the deadline."


def test_the_save_and_the_submission_are_refused_in_the_same_words(closed_draft):
    actor = closed_draft.created_by
    saved = _refusal(
        lambda: services.save_application_section(
            application=closed_draft, section="project", data={"title": "x"}, actor=actor
        )
    )
    uploaded = _refusal(
        lambda: services.upload_document(
            application=closed_draft,
            kind=Document.Kind.LETTER_OF_INTENT,
            uploaded_file=pdf_upload(),
            actor=actor,
        )
    )
    submitted = _refusal(lambda: services.submit_application(application=closed_draft, actor=actor))
    assert str(saved.message) == str(uploaded.message) == str(submitted.message)
    assert "(Korea time); applications can no longer be changed or submitted." in str(saved.message)


def test_a_draft_of_a_call_closed_by_its_status_is_not_saved(complete_draft):
    """Closed by the beat job or by staff: the same refusal."""
    complete_draft.call.status = "closed"
    complete_draft.call.save(update_fields=["status"])
    refused = _refusal(
        lambda: services.save_application_section(
            application=complete_draft,
            section="project",
            data={"title": "x"},
            actor=complete_draft.created_by,
        )
    )
    assert refused.code == "deadline"


def test_the_section_page_says_the_call_closed_and_is_read_only(client, closed_draft):
    login(client, closed_draft.created_by)
    url = reverse("applications:section", args=[closed_draft.pk, "project"])
    body = client.get(url).content.decode()
    assert "applications can no longer be changed or submitted." in body
    assert stages.korea_time(closed_draft.call.closes_at) in body
    assert "Save and continue" not in body
    assert 'name="summary"' in body and "disabled" in body.split('name="summary"')[1][:200]

    refused = client.post(url, {"title": "T", "summary": "Typed after the deadline.", "save": "1"})
    assert refused.status_code == 409
    assert "applications can no longer be changed or submitted." in refused.content.decode()
    closed_draft.refresh_from_db()
    assert closed_draft.summary != "Typed after the deadline."


def test_the_documents_page_says_the_call_closed(client, closed_draft):
    login(client, closed_draft.created_by)
    body = client.get(
        reverse("applications:section", args=[closed_draft.pk, "documents"])
    ).content.decode()
    assert "applications can no longer be changed or submitted." in body
    assert "Upload or replace a document" not in body


def test_the_api_answers_409_deadline_to_a_change_after_the_call_closed(closed_draft):
    response = client_for(closed_draft.created_by).patch(
        reverse("api:application-detail", kwargs={"pk": closed_draft.pk}),
        {"summary": "Typed after the deadline."},
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "deadline"


def test_the_api_removing_a_document_after_the_call_closed_answers_a_documented_409(
    closed_draft,
):
    """The 409 of ``deadline`` is in the operation's description (core.api.schema: every
    write documents 409), not only the PATCH's own."""
    document = closed_draft.documents.first()
    client = client_for(closed_draft.created_by)
    response = client.delete(
        reverse(
            "api:application-document",
            kwargs={"pk": closed_draft.pk, "document_id": str(document.public_id)},
        )
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "deadline"
    assert closed_draft.documents.filter(pk=document.pk).exists()
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/applications/{id}/documents/{document_id}/"]["delete"]
    assert "409" in operation["responses"]


def test_a_section_reopened_for_clarification_is_saved_after_the_call_closed(
    complete_draft, kind_staff
):
    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    services.request_clarification(
        application=complete_draft, actor=kind_staff, message="Clearer.", sections=["project"]
    )
    call = complete_draft.call
    call.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    call.status = "closed"
    call.save(update_fields=["closes_at", "status"])
    services.save_application_section(
        application=complete_draft,
        section="project",
        data={"summary": "A clearer summary."},
        actor=complete_draft.created_by,
    )
    complete_draft.refresh_from_db()
    assert complete_draft.summary == "A clearer summary."
