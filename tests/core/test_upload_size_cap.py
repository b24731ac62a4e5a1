"""A file above the site's limit is not written past it and is refused by its size
(core.uploads.SizeCappedUploadHandler): at the form, next to its field, and at the services
for the API; the file input carries the limit for the page's script."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from core.uploads import TooLargeUpload
from projects.models import EventMaterial
from tests.factories import EventFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def big_pdf(size: int, name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + b"0" * (size - len(PDF)), content_type="application/pdf")


def test_a_file_above_the_limit_arrives_without_its_content(settings):
    settings.MAX_UPLOAD_SIZE = 100_000
    request = RequestFactory().post("/", {"title": "T", "file": big_pdf(300_000)})
    upload = request.FILES["file"]
    assert isinstance(upload, TooLargeUpload)
    assert (upload.name, upload.size, upload.read()) == ("scan.pdf", 300_000, b"")
    assert request.POST["title"] == "T"


def test_a_file_within_the_limit_is_received_whole(settings):
    settings.MAX_UPLOAD_SIZE = 100_000
    request = RequestFactory().post("/", {"file": big_pdf(90_000)})
    upload = request.FILES["file"]
    assert not isinstance(upload, TooLargeUpload)
    assert upload.size == 90_000 and len(upload.read()) == 90_000


@pytest.fixture
def event(db):
    return EventFactory()


def test_the_form_refuses_it_next_to_its_field_and_keeps_nothing(
    client, event, kind_staff, settings
):
    settings.MAX_UPLOAD_SIZE = 100_000
    client.force_login(kind_staff)
    url = reverse("staff_events:event", args=[event.pk])
    response = client.post(url, {"action": "material", "title": "", "file": big_pdf(300_000)})
    assert response.status_code == 400
    form = response.context["material_form"]
    assert form.errors["file"] == ["The file is 293.0\xa0KB; the limit is 97.7\xa0KB."]
    assert "title" in form.errors
    assert form.fields["file"].widget.kept is None
    assert not EventMaterial.objects.exists()


def test_the_service_refuses_it_when_the_rest_of_the_form_is_right(
    client, event, kind_staff, settings
):
    settings.MAX_UPLOAD_SIZE = 100_000
    client.force_login(kind_staff)
    url = reverse("staff_events:event", args=[event.pk])
    response = client.post(url, {"action": "material", "title": "Slides", "file": big_pdf(300_000)})
    assert response.status_code == 400
    assert "the limit is 97.7\xa0KB" in response.content.decode()
    assert not EventMaterial.objects.exists()


def test_the_file_input_carries_the_limit_in_the_users_language(
    client, event, kind_staff, settings
):
    settings.MAX_UPLOAD_SIZE = 20 * 1024 * 1024
    client.force_login(kind_staff)
    page = client.get(reverse("staff_events:event", args=[event.pk])).content.decode()
    assert f'data-max-size="{20 * 1024 * 1024}"' in page
    assert "This file is larger than 20.0\xa0MB, the most the portal accepts." in page
    client.cookies["django_language"] = "ko"
    page = client.get(
        reverse("staff_events:event", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "This file is larger than" not in page


def test_a_request_with_many_files_is_refused_before_any_is_stored(client, db):
    """Every form takes one or two files; Django's default let a request carry 100 of the
    site's largest (2 GB of temporary files, anonymously): five at most, 400 beyond."""
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 5
    files = {f"file{n}": SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(6)}
    response = client.post(reverse("accounts:login"), {"username": "x", **files})
    assert response.status_code == 400
