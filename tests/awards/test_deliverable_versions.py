"""Each submission of a deliverable is kept as a version: returned with comments, sent again,
every version downloadable (by the contractor and the staff who follow the project only) with
the verdict and the feedback it got."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awards.contractor_selection import review_deliverable, submit_deliverable
from awards.models import Deliverable, DeliverableVersion
from core.domain import DomainError
from tests.factories import DeliverableFactory, OrganizationFactory, UserFactory
from tests.factories.applications import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

V2 = PDF_BYTES.replace(b"%%EOF", b"% second version\n%%EOF")


@pytest.fixture
def deliverable(contracted_project):
    return DeliverableFactory(project=contracted_project, kind=Deliverable.Kind.INTERIM)


@pytest.fixture
def returned_then_resent(deliverable, contractor, kind_staff):
    submit_deliverable(
        deliverable=deliverable, uploaded=pdf_upload("interim.pdf"), actor=contractor
    )
    review_deliverable(
        deliverable=deliverable, accept=False, feedback="Add the site survey.", actor=kind_staff
    )
    second = SimpleUploadedFile("interim-v2.pdf", V2, content_type="application/pdf")
    submit_deliverable(deliverable=deliverable, uploaded=second, actor=contractor)
    deliverable.refresh_from_db()
    return deliverable


def _file_url(deliverable, number):
    return reverse("awards:deliverable_version_file", args=[deliverable.pk, number])


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_each_submission_is_a_numbered_version(returned_then_resent, contractor):
    first, second = returned_then_resent.versions.order_by("number")
    assert (first.number, first.original_name, first.outcome, first.feedback) == (
        1,
        "interim.pdf",
        Deliverable.Status.RETURNED,
        "Add the site survey.",
    )
    assert (second.number, second.original_name, second.outcome, second.feedback) == (
        2,
        "interim-v2.pdf",
        Deliverable.Status.SUBMITTED,
        "",
    )
    assert first.submitted_by == second.submitted_by == contractor
    # The deliverable's own file is its latest version's; the first one is still stored.
    assert returned_then_resent.file.name == second.file.name
    assert first.file.storage.exists(first.file.name)
    assert returned_then_resent.status == Deliverable.Status.SUBMITTED


def test_accepting_records_the_verdict_on_the_latest_version(returned_then_resent, kind_staff):
    review_deliverable(deliverable=returned_then_resent, accept=True, feedback="", actor=kind_staff)
    outcomes = list(returned_then_resent.versions.order_by("number").values_list("outcome"))
    assert outcomes == [(Deliverable.Status.RETURNED,), (Deliverable.Status.ACCEPTED,)]


def test_a_refused_file_makes_no_version(deliverable, contractor):
    fake = SimpleUploadedFile("interim.pdf", b"MZ\x90 a program", content_type="application/pdf")
    with pytest.raises(DomainError):
        submit_deliverable(deliverable=deliverable, uploaded=fake, actor=contractor)
    assert not DeliverableVersion.objects.exists()


@pytest.mark.parametrize("who", ["contractor", "kind_staff", "programme_admin"])
def test_every_version_downloads_for_those_who_follow_the_project(
    client, request, returned_then_resent, who
):
    client.force_login(request.getfixturevalue(who))
    first = client.get(_file_url(returned_then_resent, 1))
    second = client.get(_file_url(returned_then_resent, 2))
    assert (first.status_code, second.status_code) == (200, 200)
    assert (_body(first), _body(second)) == (PDF_BYTES, V2)
    assert 'filename="interim.pdf"' in first["Content-Disposition"]
    assert client.get(_file_url(returned_then_resent, 3)).status_code == 404


@pytest.mark.parametrize("who", ["kaia_staff", "applicant", "reviewer", "other_company"])
def test_versions_are_404_to_everyone_else(client, request, returned_then_resent, who):
    if who == "other_company":
        user = UserFactory(organizations=[OrganizationFactory(name="Rival", kind="korean_company")])
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(_file_url(returned_then_resent, 1))
    assert response.status_code == 404
    assert PDF_BYTES not in response.content


def test_deliverable_page_lists_versions_with_feedback(client, returned_then_resent, contractor):
    client.force_login(contractor)
    page = client.get(reverse("awards:deliverable", args=[returned_then_resent.pk]))
    body = page.content.decode()
    assert [v.number for v in page.context["versions"]] == [2, 1]
    assert _file_url(returned_then_resent, 1) in body and _file_url(returned_then_resent, 2) in body
    assert "Add the site survey." in body


def test_resubmitting_through_the_page_adds_a_version(client, deliverable, contractor, kind_staff):
    client.force_login(contractor)
    url = reverse("awards:deliverable", args=[deliverable.pk])
    client.post(url, {"action": "upload", "file": pdf_upload("one.pdf")})
    review_deliverable(deliverable=deliverable, accept=False, feedback="Shorter.", actor=kind_staff)
    response = client.post(url, {"action": "upload", "file": pdf_upload("two.pdf")})
    assert response.status_code == 302
    assert list(deliverable.versions.order_by("number").values_list("original_name")) == [
        ("one.pdf",),
        ("two.pdf",),
    ]


def test_the_api_upload_keeps_versions_too(deliverable, contractor, kind_staff):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(contractor)
    url = reverse("api:deliverable-upload", args=[deliverable.pk])
    response = api.post(url, {"file": pdf_upload("api.pdf")}, format="multipart")
    assert response.status_code == 200, response.content
    assert deliverable.versions.get().original_name == "api.pdf"


def test_deliverable_page_query_count_does_not_grow_with_versions(
    client, deliverable, contractor, kind_staff, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(kind_staff)
    url = reverse("awards:deliverable", args=[deliverable.pk])
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload("1.pdf"), actor=contractor)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(2, 6):
        review_deliverable(
            deliverable=deliverable, accept=False, feedback="Again", actor=kind_staff
        )
        submit_deliverable(
            deliverable=deliverable, uploaded=pdf_upload(f"{n}.pdf"), actor=contractor
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert len(page.context["versions"]) == 5


def test_personal_data_export_holds_every_version_the_contractor_sent(
    returned_then_resent, contractor
):
    """ "Download my data": both versions, each with its file and the feedback it got; a
    deliverable sent before versions were kept counts as its one version."""
    import io
    import json
    import zipfile

    from accounts import privacy

    legacy = DeliverableFactory(
        project=returned_then_resent.project,
        kind=Deliverable.Kind.FINAL,
        submitted_by=contractor,
        original_name="final-2023.pdf",
        file=SimpleUploadedFile("final-2023.pdf", PDF_BYTES),
    )
    bundle = zipfile.ZipFile(
        io.BytesIO(privacy.export_personal_data(user=contractor, actor=contractor))
    )
    rows = json.loads(bundle.read("data.json"))["kinds"]["awards.deliverable"]["rows"]
    sent = sorted((row["file_name"], row["version"], row["feedback"]) for row in rows)
    assert sent == [
        ("final-2023.pdf", 1, ""),
        ("interim-v2.pdf", 2, ""),
        ("interim.pdf", 1, "Add the site survey."),
    ]
    files = sorted(name for name in bundle.namelist() if name.startswith("files/deliverables/"))
    second = f"files/deliverables/{returned_then_resent.pk}-v2-interim-v2.pdf"
    assert files == sorted(
        [
            f"files/deliverables/{legacy.pk}-final-2023.pdf",
            f"files/deliverables/{returned_then_resent.pk}-v1-interim.pdf",
            second,
        ]
    )
    assert bundle.read(second) == V2
