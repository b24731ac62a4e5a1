"""A deliverable changed by someone else while the page was open: the staff member's feedback or
the contractor's file is not lost to a bare 403; the page says what happened, with the form as
sent. Someone who may never act on it still gets the 403."""

import pytest
from django.urls import reverse

from accounts import roles
from awards.contractor_selection import review_deliverable, submit_deliverable
from tests.factories import DeliverableFactory, UserFactory
from tests.factories.applications import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliverable(contracted_project):
    return DeliverableFactory(project=contracted_project)


def detail(d):
    return reverse("awards:deliverable", args=[d.pk])


def test_review_after_a_colleague_accepted_keeps_the_feedback_and_says_so(
    client, deliverable, contractor, kind_staff, programme_admin
):
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload(), actor=contractor)
    review_deliverable(deliverable=deliverable, accept=True, feedback="", actor=programme_admin)
    client.force_login(kind_staff)
    response = client.post(
        detail(deliverable),
        {"action": "review", "decision": "return", "feedback": "Section 3 lacks the site map."},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Section 3 lacks the site map." in page  # the feedback typed, in its field
    assert "changed while you were reviewing it: it is now “Accepted”" in page
    deliverable.refresh_from_db()
    assert deliverable.status == "accepted" and deliverable.feedback == ""


def test_upload_after_a_colleague_submitted_keeps_the_file_and_says_so(
    client, deliverable, contractor
):
    colleague = UserFactory(
        roles=[roles.CONTRACTOR], organizations=[contractor.organizations.first()]
    )
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload(), actor=colleague)
    client.force_login(contractor)
    response = client.post(
        detail(deliverable), {"action": "upload", "file": pdf_upload("final.pdf")}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed while you were uploading: it is now “Submitted”" in page
    assert "Kept from your last try: <strong>final.pdf</strong>" in page
    assert deliverable.versions.count() == 1


def test_who_may_never_act_still_gets_403(client, deliverable, contractor):
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload(), actor=contractor)
    client.force_login(contractor)  # the contractor never reviews its own deliverable
    response = client.post(detail(deliverable), {"action": "review", "decision": "accept"})
    assert response.status_code == 403
