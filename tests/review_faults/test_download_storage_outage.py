"""Downloading a stored file while the storage cannot be read: the bucket (MinIO, S3) down, or
the disk failing. The request answered 500 ("a fault in the code") with the storage's
exception; it must answer 503 with ``Retry-After`` (the service is unavailable for a moment),
as a database outage does. A file the storage no longer has is a 404, as the agreement
downloads already answered."""

import errno
import os
import socket

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from core.storage import s3_storage_config
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _download(client, draft):
    document = draft.documents.first()
    login(client, draft.created_by)
    client.raise_request_exception = False
    return client.get(
        reverse("applications:document_download", kwargs={"public_id": document.public_id})
    )


def test_disk_read_error_is_503(client, complete_draft, monkeypatch):
    def _open(self, name, mode="rb"):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(FileSystemStorage, "_open", _open)
    response = _download(client, complete_draft)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_bucket_unreachable_is_503(client, complete_draft, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_config(
            bucket="kcity-documents",
            endpoint_url=f"http://127.0.0.1:{_closed_port()}",
            region="us-east-1",
            access_key="testing",
            secret_key="testing",
        ),
    }
    response = _download(client, complete_draft)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_file_gone_from_storage_is_404(client, complete_draft):
    document = complete_draft.documents.first()
    document.file.storage.delete(document.file.name)
    response = _download(client, complete_draft)
    assert response.status_code == 404


def test_public_event_material_door_is_503_too(client, monkeypatch):
    """Another door (an event's material, public): the same answer, in Korean for a Korean
    reader."""
    from django.core.files.base import ContentFile

    from projects.models import EventMaterial
    from tests.factories.projects import EventFactory

    material = EventMaterial(event=EventFactory(), title="Slides", original_name="slides.pdf")
    material.file.save("slides.pdf", ContentFile(b"%PDF-1.4 slides"), save=True)
    url = reverse("projects:event_material", args=[material.pk])
    assert client.get(url).status_code == 200

    def _open(self, name, mode="rb"):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(FileSystemStorage, "_open", _open)
    client.raise_request_exception = False
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 503
    page = response.content.decode()
    assert "file storage" in page and "파일 저장소" in page


def test_download_my_data_with_the_storage_unreadable_is_503(client, complete_draft, monkeypatch):
    """The "Download my data" ZIP holds the user's documents: a missing file was skipped, any
    other storage error answered 500."""

    def _open(self, name, mode="rb"):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(FileSystemStorage, "_open", _open)
    login(client, complete_draft.created_by)
    client.raise_request_exception = False
    response = client.post(reverse("accounts:my_data_download"))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
