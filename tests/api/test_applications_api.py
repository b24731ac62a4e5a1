"""Applications through the API: who sees what, and every write through the services."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications import selectors
from applications.models import Application, ClarificationRequest, Document
from results.models import Decision
from tests.factories import (
    ApplicationFactory,
    AssignmentFactory,
    ConflictDeclarationFactory,
    DocumentFactory,
    InterestDeclarationFactory,
    SubmittedApplicationFactory,
)
from tests.factories.applications import PDF_BYTES

from .conftest import client_for, ids, results

pytestmark = pytest.mark.django_db
S = Application.Status


def detail(application, action=None):
    if action:
        return reverse(f"api:application-{action}", kwargs={"pk": application.pk})
    return reverse("api:application-detail", kwargs={"pk": application.pk})


@pytest.fixture
def verified_applicant(applicant):
    applicant.email_verified_at = timezone.now()
    applicant.save()
    return applicant


@pytest.fixture
def others(other_applicant, planning_track, demonstration_track):
    """Another organisation's draft and submitted application, and a submitted one on DM."""
    org = other_applicant.organizations.first()
    return {
        "draft": ApplicationFactory(track=planning_track, organization=org),
        "submitted": SubmittedApplicationFactory(track=planning_track, organization=org),
        "demonstration": SubmittedApplicationFactory(track=demonstration_track, organization=org),
    }


# --- Visibility -----------------------------------------------------------------------------


def test_application_list_applicant_sees_own_organisation_only(applicant, application, others):
    assert ids(client_for(applicant).get(reverse("api:application-list"))) == {application.pk}


def test_application_detail_other_organisation_is_404(applicant, others):
    response = client_for(applicant).get(detail(others["submitted"]))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert others["submitted"].title not in response.content.decode()


def test_application_list_track_staff_sees_submitted_of_own_track(kind_staff, application, others):
    listed = ids(client_for(kind_staff).get(reverse("api:application-list")))
    assert listed == {others["submitted"].pk}


def test_application_list_other_track_staff_sees_nothing_of_planning(
    kaia_staff, application, others
):
    listed = ids(client_for(kaia_staff).get(reverse("api:application-list")))
    assert listed == {others["demonstration"].pk}
    response = client_for(kaia_staff).get(detail(others["submitted"]))
    assert response.status_code == 404


def test_application_list_programme_admin_sees_all_submitted(programme_admin, application, others):
    listed = ids(client_for(programme_admin).get(reverse("api:application-list")))
    assert listed == {others["submitted"].pk, others["demonstration"].pk}


def test_application_list_anonymous_is_401(api_client, application):
    response = api_client.get(reverse("api:application-list"))
    assert response.status_code == 401
    assert application.title not in response.content.decode()


def test_application_list_reviewer_sees_assigned_after_declaring(reviewer, others):
    assigned = others["submitted"]
    AssignmentFactory(application=assigned, reviewer=reviewer, status="invited")
    client = client_for(reviewer)
    assert ids(client.get(reverse("api:application-list"))) == set()
    ConflictDeclarationFactory(reviewer=reviewer, application=assigned)
    # The yearly declaration of interests is needed too (reviews.rules).
    assert ids(client.get(reverse("api:application-list"))) == set()
    InterestDeclarationFactory(reviewer=reviewer)
    assert ids(client.get(reverse("api:application-list"))) == {assigned.pk}


def test_application_list_reviewer_with_conflict_sees_nothing(reviewer, others):
    assigned = others["submitted"]
    AssignmentFactory(application=assigned, reviewer=reviewer, status="conflict")
    ConflictDeclarationFactory(
        reviewer=reviewer, application=assigned, has_conflict=True, kind="personal"
    )
    client = client_for(reviewer)
    assert ids(client.get(reverse("api:application-list"))) == set()
    assert client.get(detail(assigned)).status_code == 404


def test_application_filters_by_track_and_country(kind_staff, planning_track, others):
    response = client_for(kind_staff).get(
        reverse("api:application-list"), {"track": planning_track.pk, "country": "my"}
    )
    assert ids(response) == {others["submitted"].pk}
    response = client_for(kind_staff).get(reverse("api:application-list"), {"country": "KG"})
    assert ids(response) == set()


def test_application_bad_filter_is_400(applicant):
    response = client_for(applicant).get(reverse("api:application-list"), {"status": "bogus"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


# --- Unreleased decisions -------------------------------------------------------------------


@pytest.fixture
def selected(applicant, planning_track):
    return SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        status=S.SELECTED,
        decided_at=timezone.now(),
    )


def test_application_unreleased_decision_shows_under_review_to_applicant(applicant, selected):
    client = client_for(applicant)
    body = client.get(detail(selected)).json()
    assert body["status"] == "under_review"
    assert body["decided_at"] is None
    assert ids(client.get(reverse("api:application-list"), {"status": "selected"})) == set()
    assert ids(client.get(reverse("api:application-list"), {"status": "under_review"})) == {
        selected.pk
    }


def test_application_unreleased_decision_shows_real_status_to_staff(kind_staff, selected):
    client = client_for(kind_staff)
    assert client.get(detail(selected)).json()["status"] == "selected"
    assert ids(client.get(reverse("api:application-list"), {"status": "selected"})) == {selected.pk}


def test_application_released_decision_shows_to_applicant(applicant, selected):
    selected.call.decisions_released_at = timezone.now() - datetime.timedelta(minutes=1)
    selected.call.save()
    body = client_for(applicant).get(detail(selected)).json()
    assert body["status"] == "selected"
    assert body["decided_at"] is not None


@pytest.mark.parametrize("released", ["not", "by_call", "by_decision"])
def test_visible_status_expression_matches_the_selector(applicant, planning_track, released):
    org = applicant.organizations.first()
    past = timezone.now() - datetime.timedelta(hours=1)
    for status in S.values:
        if status == S.DRAFT:
            ApplicationFactory(track=planning_track, organization=org)
        else:
            app = SubmittedApplicationFactory(track=planning_track, organization=org, status=status)
            if released == "by_decision":
                Decision.objects.create(
                    application=app,
                    track=planning_track,
                    outcome="rejected",
                    confirmed_at=past,
                    released_at=past,
                )
    if released == "by_call":
        planning_track.call.decisions_released_at = past
        planning_track.call.save()
    rows = Application.objects.select_related("call", "decision").annotate(
        visible=selectors.applicant_visible_status_expression(),
        staff_sees=selectors.applicant_visible_status_expression(
            real_status_track_ids={planning_track.pk}
        ),
    )
    assert rows.count() == len(S.values)
    hidden = 0
    for row in rows:
        assert row.visible == selectors.applicant_visible_status(row), row.status
        assert row.staff_sees == row.status
        hidden += row.visible != row.status
    assert hidden == (len(selectors.UNRELEASED_STATUSES) if released == "not" else 0)


# --- Drafts ---------------------------------------------------------------------------------


def test_application_create_draft(verified_applicant, planning_track):
    org = verified_applicant.organizations.first()
    response = client_for(verified_applicant).post(
        reverse("api:application-list"),
        {"track": planning_track.pk, "organization": org.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["organization"]["id"] == org.pk
    assert Application.objects.get(pk=body["id"]).created_by == verified_applicant


def test_application_create_unverified_email_is_400(applicant, planning_track):
    response = client_for(applicant).post(
        reverse("api:application-list"),
        {"track": planning_track.pk, "organization": applicant.organizations.first().pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unverified"
    assert not Application.objects.exists()


def test_application_create_for_another_organisation_is_403(
    verified_applicant, other_applicant, planning_track
):
    response = client_for(verified_applicant).post(
        reverse("api:application-list"),
        {"track": planning_track.pk, "organization": other_applicant.organizations.first().pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Application.objects.exists()


def test_application_create_bad_input_is_400(verified_applicant):
    response = client_for(verified_applicant).post(
        reverse("api:application-list"), {"track": "x"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"track", "organization"}


def test_application_patch_draft(applicant, application):
    response = client_for(applicant).patch(
        detail(application),
        {"title": "Klang smart city master plan", "budget_requested": 450_000_000},
        format="json",
    )
    assert response.status_code == 200, response.content
    application.refresh_from_db()
    assert application.title == "Klang smart city master plan"
    assert application.budget_requested == 450_000_000


def test_application_patch_bad_input_is_400_and_changes_nothing(applicant, application):
    title = application.title
    response = client_for(applicant).patch(
        detail(application),
        {"title": "New", "budget_requested": "lots", "country": "ZZ"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"budget_requested", "country"}
    application.refresh_from_db()
    assert application.title == title


def test_application_patch_submitted_is_403(applicant, planning_track):
    submitted = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first()
    )
    response = client_for(applicant).patch(detail(submitted), {"title": "x"}, format="json")
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.title != "x"


def test_application_patch_by_staff_is_403(kind_staff, others):
    response = client_for(kind_staff).patch(detail(others["submitted"]), {"title": "x"})
    assert response.status_code == 403


def test_application_put_is_not_offered(applicant, application):
    response = client_for(applicant).put(detail(application), {"title": "x"}, format="json")
    assert response.status_code == 405


# --- Documents ------------------------------------------------------------------------------


def test_application_upload_document(applicant, application):
    upload = SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf")
    response = client_for(applicant).post(
        detail(application, "documents"),
        {"kind": "letter_of_intent", "file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    assert application.documents.count() == 1


def test_application_upload_document_not_a_document_is_400(applicant, application):
    upload = SimpleUploadedFile(
        "letter.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = client_for(applicant).post(
        detail(application, "documents"),
        {"kind": "letter_of_intent", "file": upload},
        format="multipart",
    )
    assert response.status_code == 400
    assert application.documents.count() == 0


def test_application_upload_document_above_the_limit_is_400_by_its_size(
    applicant, application, settings
):
    """The upload handler stops at the limit (core.uploads.SizeCappedUploadHandler); the API
    answers by the size received, and nothing is stored."""
    settings.MAX_UPLOAD_SIZE = 1_000
    upload = SimpleUploadedFile(
        "letter.pdf", PDF_BYTES + b"0" * 5_000, content_type="application/pdf"
    )
    response = client_for(applicant).post(
        detail(application, "documents"),
        {"kind": "letter_of_intent", "file": upload},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "the limit is 1000" in str(response.json()["errors"]["file"])
    assert application.documents.count() == 0


def test_application_upload_document_missing_fields_is_400(applicant, application):
    response = client_for(applicant).post(
        detail(application, "documents"), {"kind": "nonsense"}, format="multipart"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "file"}


def test_application_documents_list_and_remove(applicant, application):
    document = DocumentFactory(application=application)
    client = client_for(applicant)
    listed = client.get(detail(application, "documents")).json()
    assert [d["id"] for d in listed] == [str(document.public_id)]
    response = client.delete(
        reverse(
            "api:application-document",
            kwargs={"pk": application.pk, "document_id": document.public_id},
        )
    )
    assert response.status_code == 204
    assert not Document.objects.exists()


def test_application_documents_of_other_organisation_is_404(applicant, others):
    DocumentFactory(application=others["submitted"])
    response = client_for(applicant).get(detail(others["submitted"], "documents"))
    assert response.status_code == 404


# --- Submit and withdraw --------------------------------------------------------------------


def _complete(application):
    DocumentFactory(application=application, kind="letter_of_intent")
    DocumentFactory(application=application, kind="concept_paper")
    return application


def test_application_submit_incomplete_is_400(applicant, application):
    response = client_for(applicant).post(detail(application, "submit"))
    assert response.status_code == 400
    assert response.json()["code"] == "incomplete"
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_application_submit_complete_and_repeat(applicant, application):
    _complete(application)
    client = client_for(applicant)
    response = client.post(detail(application, "submit"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["reference"]
    # A repeat (a retry after a lost answer) says "already submitted" and changes nothing.
    again = client.post(detail(application, "submit"))
    assert again.status_code == 409
    assert again.json()["code"] == "already_submitted"
    assert again.json()["status"] == "submitted"
    assert again.json()["reference"] == response.json()["reference"]
    application.refresh_from_db()
    assert application.reference == response.json()["reference"]


def test_application_submit_by_staff_of_the_track_is_403(kind_staff, others):
    response = client_for(kind_staff).post(detail(others["submitted"], "submit"))
    assert response.status_code == 403


def test_application_withdraw_needs_reason(applicant, application):
    response = client_for(applicant).post(detail(application, "withdraw"), {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_application_withdraw(applicant, application):
    response = client_for(applicant).post(
        detail(application, "withdraw"), {"reason": "The site changed."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_application_withdraw_other_organisation_is_404(applicant, others):
    response = client_for(applicant).post(
        detail(others["submitted"], "withdraw"), {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    others["submitted"].refresh_from_db()
    assert others["submitted"].status == S.SUBMITTED


# --- Clarification --------------------------------------------------------------------------


def test_application_request_clarification_by_track_staff(kind_staff, others):
    response = client_for(kind_staff).post(
        detail(others["submitted"], "request-clarification"),
        {"message": "Please attach the site map.", "sections": ["documents"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    others["submitted"].refresh_from_db()
    assert others["submitted"].status == S.CLARIFICATION


def test_application_request_clarification_bad_input_is_400(kind_staff, others):
    response = client_for(kind_staff).post(
        detail(others["submitted"], "request-clarification"),
        {"message": "", "sections": []},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"message", "sections"}


def test_application_request_clarification_by_applicant_is_403(other_applicant, others):
    response = client_for(other_applicant).post(
        detail(others["submitted"], "request-clarification"),
        {"message": "x", "sections": ["documents"]},
        format="json",
    )
    assert response.status_code == 403
    assert not ClarificationRequest.objects.exists()


def test_application_request_clarification_other_track_staff_is_404(kaia_staff, others):
    response = client_for(kaia_staff).post(
        detail(others["submitted"], "request-clarification"),
        {"message": "x", "sections": ["documents"]},
        format="json",
    )
    assert response.status_code == 404


def test_application_answer_clarification(kind_staff, other_applicant, others):
    submitted = others["submitted"]
    _complete(submitted)
    client_for(kind_staff).post(
        detail(submitted, "request-clarification"),
        {"message": "Please attach the site map.", "sections": ["documents"]},
        format="json",
    )
    client = client_for(other_applicant)
    bad = client.post(detail(submitted, "answer-clarification"), {"response": ""}, format="json")
    assert bad.status_code == 400
    response = client.post(
        detail(submitted, "answer-clarification"), {"response": "Attached."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"


# --- Query counts ---------------------------------------------------------------------------


def test_application_list_query_count_does_not_grow_for_applicant(
    applicant, planning_track, django_assert_max_num_queries
):
    org = applicant.organizations.first()
    client = client_for(applicant)
    DocumentFactory(application=ApplicationFactory(track=planning_track, organization=org))
    with django_assert_max_num_queries(12) as one:
        assert len(results(client.get(reverse("api:application-list")))) == 1
    for _ in range(5):
        DocumentFactory(application=ApplicationFactory(track=planning_track, organization=org))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(reverse("api:application-list")))) == 6


def test_application_list_query_count_does_not_grow_for_staff(
    kind_staff, planning_track, django_assert_max_num_queries
):
    client = client_for(kind_staff)
    SubmittedApplicationFactory(track=planning_track)
    with django_assert_max_num_queries(12) as one:
        assert len(results(client.get(reverse("api:application-list")))) == 1
    SubmittedApplicationFactory.create_batch(5, track=planning_track)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(reverse("api:application-list")))) == 6


def test_application_upload_document_by_track_staff_is_403(kind_staff, others):
    upload = SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf")
    response = client_for(kind_staff).post(
        detail(others["submitted"], "documents"),
        {"kind": "site_map", "file": upload},
        format="multipart",
    )
    assert response.status_code == 403
    assert not others["submitted"].documents.exists()


def test_application_documents_query_count_does_not_grow(
    applicant, application, django_assert_max_num_queries
):
    client = client_for(applicant)
    DocumentFactory(application=application, kind="other")
    with django_assert_max_num_queries(12) as one:
        assert len(client.get(detail(application, "documents")).json()) == 1
    for _ in range(4):
        DocumentFactory(application=application, kind="other")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(detail(application, "documents")).json()) == 5


@pytest.mark.parametrize("value", ["99999999999999999999", "-7.69e+243", "1.5"])
def test_application_track_filter_out_of_range_is_400(applicant, value):
    response = client_for(applicant).get(reverse("api:application-list"), {"track": value})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"track"}


def test_application_request_clarification_unknown_section_is_named_by_index(kind_staff, others):
    response = client_for(kind_staff).post(
        detail(others["submitted"], "request-clarification"),
        {"message": "Please attach the site map.", "sections": ["documents", "garden"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"sections.1": ['"garden" is not a valid choice.']}
    others["submitted"].refresh_from_db()
    assert others["submitted"].status == S.SUBMITTED
