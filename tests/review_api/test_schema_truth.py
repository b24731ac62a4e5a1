"""The OpenAPI description says what the API really answers: the 404 example, the 503 any
operation can give when the database or the file storage cannot be used, and the headers a
client must read (``ETag`` of a criterion, ``Retry-After`` of a 429 or 503)."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse

from tests.api.conftest import client_for, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation


def test_the_404_example_is_what_a_404_says(schema, client):
    real = client.get("/api/v1/calls/no-such-call/").json()
    operation = schema["paths"]["/api/v1/calls/{slug}/"]["get"]
    examples = operation["responses"]["404"]["content"]["application/json"]["examples"]
    assert [example["value"] for example in examples.values()] == [real]


def test_a_database_outage_answer_is_described_for_every_operation(schema, client):
    client.raise_request_exception = False
    with mock.patch("projects.api.CallViewSet.list", side_effect=OperationalError("gone")):
        real = client.get(reverse("api:call-list"))
    assert real.status_code == 503 and real["Retry-After"]
    for path, method, operation in _operations(schema):
        response = operation["responses"].get("503")
        assert response is not None, (method, path)
        assert "Retry-After" in response.get("headers", {}), (method, path)
        assert "application/json" in response["content"], (method, path)


def test_a_full_disk_on_upload_is_a_described_503(schema, application, applicant):
    with mock.patch(
        "django.core.files.storage.FileSystemStorage._save", side_effect=OSError(28, "full")
    ):
        response = client_for(applicant).post(
            f"{url('application', application)}documents/",
            {"kind": "site_map", "file": SimpleUploadedFile("map.png", PNG, "image/png")},
            format="multipart",
        )
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "storage_unavailable"
    operation = schema["paths"]["/api/v1/applications/{id}/documents/"]["post"]
    assert "503" in operation["responses"]


def test_the_criterion_etag_is_described_where_it_is_sent(schema, kind_staff, planning_track):
    from tests.factories import CriterionFactory

    criterion = CriterionFactory(track=planning_track)
    read = client_for(kind_staff).get(url("staff-criterion", criterion))
    assert read.status_code == 200 and read.has_header("ETag"), (read.status_code, read.headers)
    for path, method, code in (
        ("/api/v1/staff-criteria/{id}/", "get", "200"),
        ("/api/v1/staff-criteria/{id}/", "patch", "200"),
        ("/api/v1/staff-criteria/", "post", "201"),
    ):
        headers = schema["paths"][path][method]["responses"][code].get("headers", {})
        assert "ETag" in headers, (method, path)


def test_throttling_names_its_retry_after_header(schema):
    for path, method, operation in _operations(schema):
        assert "Retry-After" in operation["responses"]["429"].get("headers", {}), (method, path)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
