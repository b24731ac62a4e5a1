"""Deliverables: contractor upload (content-checked), staff accept/return, reminders,
permissions and query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.contractor_selection import (
    remind_deliverables,
    review_deliverable,
    submit_deliverable,
)
from awards.tasks import task_remind_deliverables
from core.domain import DomainError
from notifications.models import Message
from tests.factories import (
    DeliverableFactory,
    OrganizationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.factories.applications import PDF_BYTES, pdf_upload

pdf = pdf_upload


@pytest.fixture
def deliverable(contracted_project):
    return DeliverableFactory(project=contracted_project)


def detail(d):
    return reverse("awards:deliverable", args=[d.pk])


def test_submit_deliverable_by_contractor(deliverable, contractor):
    d = submit_deliverable(deliverable=deliverable, uploaded=pdf(), actor=contractor)
    assert d.status == "submitted" and d.original_name == "report.pdf" and d.size == len(PDF_BYTES)
    assert d.content_type == "application/pdf"


def test_submit_deliverable_disguised_file_refused(deliverable, contractor):
    fake = SimpleUploadedFile(
        "report.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
    )
    with pytest.raises(DomainError) as exc:
        submit_deliverable(deliverable=deliverable, uploaded=fake, actor=contractor)
    assert exc.value.field == "file"
    deliverable.refresh_from_db()
    assert deliverable.status == "pending" and not deliverable.file


def test_submit_deliverable_by_other_company_refused(deliverable, role_groups):
    other = UserFactory(
        organizations=[OrganizationFactory(name="Rival", kind="korean_company", country_code="KR")]
    )
    with pytest.raises(DomainError):
        submit_deliverable(deliverable=deliverable, uploaded=pdf(), actor=other)


def test_review_return_needs_feedback_then_accept(deliverable, contractor, kind_staff):
    submit_deliverable(deliverable=deliverable, uploaded=pdf(), actor=contractor)
    with pytest.raises(DomainError) as exc:
        review_deliverable(deliverable=deliverable, accept=False, feedback=" ", actor=kind_staff)
    assert exc.value.field == "feedback"
    d = review_deliverable(
        deliverable=deliverable, accept=False, feedback="Add the site survey", actor=kind_staff
    )
    assert d.status == "returned"
    assert Message.objects.filter(
        recipient=contractor, template="results/deliverable_reviewed"
    ).exists()
    submit_deliverable(deliverable=d, uploaded=pdf("v2.pdf"), actor=contractor)
    d = review_deliverable(deliverable=d, accept=True, feedback="", actor=kind_staff)
    assert d.status == "accepted"


def test_review_by_other_secretariat_refused(deliverable, contractor, kaia_staff):
    submit_deliverable(deliverable=deliverable, uploaded=pdf(), actor=contractor)
    with pytest.raises(DomainError):
        review_deliverable(deliverable=deliverable, accept=True, feedback="", actor=kaia_staff)


def test_remind_deliverables_due_soon_and_overdue_once(contracted_project, contractor):
    today = timezone.localdate()
    soon = DeliverableFactory(project=contracted_project, due_on=today + datetime.timedelta(days=5))
    late = DeliverableFactory(
        project=contracted_project, kind="interim_report", due_on=today - datetime.timedelta(days=3)
    )
    DeliverableFactory(
        project=contracted_project, kind="final_report", due_on=today + datetime.timedelta(days=90)
    )
    assert remind_deliverables(today=today) == 4  # two deliverables × e-mail and in-app
    assert remind_deliverables(today=today) == 0  # idempotent the same day
    templates = set(Message.objects.values_list("template", "context__code"))
    assert templates == {
        ("results/deliverable_due", contracted_project.code),
        ("results/deliverable_overdue", contracted_project.code),
    }
    assert soon.pk != late.pk
    # A week later the overdue one is reminded again, the due one is now overdue too.
    assert remind_deliverables(today=today + datetime.timedelta(days=7)) == 4


def test_task_remind_deliverables_runs(contracted_project, contractor):
    DeliverableFactory(project=contracted_project, due_on=timezone.localdate())
    assert task_remind_deliverables() == 2


def test_deliverable_pages_allowed(client, deliverable, contractor, kind_staff, programme_admin):
    for user in (contractor, kind_staff, programme_admin):
        client.force_login(user)
        assert client.get(reverse("awards:deliverables")).status_code == 200
        assert client.get(detail(deliverable)).status_code == 200


def test_deliverable_pages_denied_without_leak(
    client, deliverable, kaia_staff, applicant, reviewer
):
    for user in (kaia_staff, applicant, reviewer):
        client.force_login(user)
        listing = client.get(reverse("awards:deliverables"))
        assert b"Leaky Klang plan" not in listing.content
        assert client.get(detail(deliverable)).status_code == 404


def test_deliverable_upload_form_bad_file(client, deliverable, contractor):
    client.force_login(contractor)
    bad = SimpleUploadedFile("report.pdf", b"\x00\x01garbage", content_type="application/pdf")
    response = client.post(detail(deliverable), {"action": "upload", "file": bad})
    assert response.status_code == 400
    assert "not an allowed file" in response.content.decode()
    response = client.post(detail(deliverable), {"action": "upload"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_deliverable_upload_and_review_through_pages(client, deliverable, contractor, kind_staff):
    client.force_login(contractor)
    assert client.post(detail(deliverable), {"action": "upload", "file": pdf()}).status_code == 302
    # The contractor cannot accept its own deliverable.
    assert (
        client.post(detail(deliverable), {"action": "review", "decision": "accept"}).status_code
        == 403
    )
    client.force_login(kind_staff)
    response = client.post(
        detail(deliverable),
        {"action": "review", "decision": "return", "feedback": "", "version": "1"},
    )
    assert response.status_code == 400
    review = {"action": "review", "decision": "accept", "version": "1"}  # the version shown
    assert client.post(detail(deliverable), review).status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.status == "accepted"
    file = client.get(reverse("awards:deliverable_file", args=[deliverable.pk]))
    assert file.status_code == 200 and b"".join(file.streaming_content) == PDF_BYTES


def test_deliverable_list_query_count_independent_of_rows(client, contracted_project, contractor):
    DeliverableFactory(project=contracted_project)
    client.force_login(contractor)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("awards:deliverables"))
    for kind in ("interim_report", "final_report", "training", "other"):
        DeliverableFactory(
            project=ProjectFactory(contractor=contracted_project.contractor), kind=kind
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("awards:deliverables"))
    assert len(one.captured_queries) == len(many.captured_queries)
