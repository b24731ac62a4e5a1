"""Private responses stay out of caches and search engines (core.middleware.PrivateResponseMiddleware)
and /robots.txt keeps crawlers out of the private addresses (core.views.robots_txt).

Every response to a signed-in user and every attachment is sent with Cache-Control no-store
(so neither a shared cache nor the Back button after log-out shows it again) and X-Robots-Tag
noindex; a view that marks a public asset keeps it cacheable, and public pages seen anonymously
are left as they were."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awards.contractor_selection import submit_deliverable
from core.middleware import NOINDEX, PRIVATE_PATH_PREFIXES
from projects import services as project_services
from projects.models import Call, DocumentRequirement
from tests.api.conftest import client_for
from tests.factories import (
    CallFactory,
    DeliverableFactory,
    DocumentFactory,
    EventFactory,
    TrackFactory,
)
from tests.factories.applications import PDF_BYTES, pdf_upload
from tests.factories.results import ensure_email_templates
from tests.results.test_views import build_track
from tests.reviews.review_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


def _never_cached(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store", "no-cache"} <= directives


# --- Never cached ------------------------------------------------------------------------------


@pytest.mark.parametrize("export_kind", ["rankings", "applications", "awards"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_results_exports_are_never_cached(client, planning_track, kind_staff, export_kind, fmt):
    build_track(planning_track, 2)
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_results:export", args=[planning_track.pk, export_kind, fmt])
    )
    assert response.status_code == 200
    assert _never_cached(response), response.get("Cache-Control")
    assert response["X-Robots-Tag"] == NOINDEX


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_execution_export_is_never_cached(client, programme_admin, fmt):
    client.force_login(programme_admin)
    response = client.get(reverse("staff_reporting:execution_export", args=[fmt]))
    assert response.status_code == 200
    assert _never_cached(response), response.get("Cache-Control")


def test_deliverable_file_is_never_cached(client, contracted_project, contractor):
    deliverable = DeliverableFactory(project=contracted_project)
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload(), actor=contractor)
    client.force_login(contractor)
    response = client.get(reverse("awards:deliverable_file", args=[deliverable.pk]))
    assert response.status_code == 200
    assert _never_cached(response), response.get("Cache-Control")


def test_reviewer_and_applicant_doors_to_a_document_are_both_never_cached(
    client, assignment, assigned_reviewer
):
    document = DocumentFactory(application=assignment.application)
    client.force_login(assigned_reviewer)
    reviewer_door = client.get(
        reverse(
            "reviews:document_download",
            kwargs={"pk": assignment.pk, "document": document.public_id},
        )
    )
    client.force_login(assignment.application.created_by)
    applicant_door = client.get(
        reverse("applications:document_download", args=[document.public_id])
    )
    assert reviewer_door.status_code == applicant_door.status_code == 200
    assert _never_cached(reviewer_door) and _never_cached(applicant_door)


@pytest.mark.pdf
def test_applicant_summary_pdf_is_never_cached(client, applicant, application):
    client.force_login(applicant)
    response = client.get(reverse("applications:summary_pdf", args=[application.pk]))
    assert response.status_code == 200
    assert _never_cached(response), response.get("Cache-Control")


def test_private_staff_page_is_not_kept_for_the_back_button(client, planning_track, kind_staff):
    build_track(planning_track, 1)
    client.force_login(kind_staff)
    response = client.get(reverse("staff_results:board", args=[planning_track.pk]) + "?reveal=1")
    assert response.status_code == 200
    assert _never_cached(response), response.get("Cache-Control")
    assert response["X-Robots-Tag"] == NOINDEX


def test_an_api_answer_to_a_token_is_never_cached(applicant, application):
    response = client_for(applicant).get("/api/v1/applications/")
    assert response.status_code == 200
    assert _never_cached(response), response.get("Cache-Control")
    anonymous = client_for(None).get("/api/v1/calls/")
    assert "no-store" not in anonymous.get("Cache-Control", "")


def test_a_public_page_seen_signed_in_is_never_cached(client, applicant):
    client.force_login(applicant)
    response = client.get(reverse("projects:call_list"))
    assert response.status_code == 200
    assert _never_cached(response)


def test_public_pages_seen_anonymously_stay_cacheable_and_indexable(client, open_call):
    for url in (reverse("home"), reverse("projects:call_list"), reverse("projects:portfolio")):
        response = client.get(url)
        assert response.status_code == 200
        assert "Cache-Control" not in response, url
        assert "X-Robots-Tag" not in response, url


def test_a_public_event_material_stays_cacheable_for_everyone(client, kind_staff):
    event = EventFactory()
    material = project_services.add_event_material(
        event=event, actor=kind_staff, title="Slides", uploaded=pdf_upload("slides.pdf")
    )
    url = reverse("projects:event_material", args=[material.pk])
    anonymous = client.get(url)
    client.force_login(kind_staff)
    signed_in = client.get(url)
    for response in (anonymous, signed_in):
        assert response.status_code == 200
        assert response["Cache-Control"] == "public"
        assert "X-Robots-Tag" not in response


def test_a_call_template_is_public_once_the_call_is_and_private_before(
    client, planning_track, kind, kind_staff
):
    def template_url(track):
        requirement = project_services.save_document_requirement(
            requirement=DocumentRequirement(track=track, kind="budget_sheet", name="Budget"),
            actor=kind_staff,
            template=SimpleUploadedFile("budget.pdf", PDF_BYTES, "application/pdf"),
        )
        return reverse(
            "projects:document_template", kwargs={"slug": track.call.slug, "pk": requirement.pk}
        )

    published = client.get(template_url(planning_track))
    assert published.status_code == 200 and published["Cache-Control"] == "public"
    draft_call = CallFactory(status=Call.Status.DRAFT, slug="next-year")
    draft_track = TrackFactory(call=draft_call, secretariat=kind, code="PL")
    client.force_login(kind_staff)
    draft = client.get(template_url(draft_track))
    assert draft.status_code == 200 and _never_cached(draft)


def test_anonymous_pages_under_private_addresses_are_not_indexed(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == NOINDEX


# --- robots.txt ---------------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_private_areas(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for prefix in ("/admin/", "/staff/", "/accounts/", "/reviews/", "/api/", "/applications/"):
        assert f"Disallow: {prefix}" in lines
    assert {line.removeprefix("Disallow: ") for line in lines[1:]} == set(PRIVATE_PATH_PREFIXES)
    # The public pages stay open to crawlers.
    assert not any(
        reverse(name).startswith(prefix)
        for name in ("projects:call_list", "projects:portfolio", "projects:events", "home")
        for prefix in PRIVATE_PATH_PREFIXES
    )
