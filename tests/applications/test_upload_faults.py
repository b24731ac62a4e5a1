"""An upload onto a full, read-only or forbidden disk answers on the form, not with a 500.

The storage's ``_save`` is made to fail as the OS would (ENOSPC, EROFS, EACCES), sometimes after
writing part of the file. Each door answers with the error next to the file field (the API: 503
with code ``storage_unavailable``), logs why, and leaves nothing half-saved: no row without a
file, no file without a row, no partial file, and the rest of what the user typed is kept.
"""

import errno
import logging
import os

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError
from django.urls import reverse

from applications import services
from applications.models import Document
from awards.models import Deliverable
from tests.conftest import login
from tests.factories import DeliverableFactory
from tests.factories.applications import pdf_upload

from .conftest import PDF, upload

pytestmark = pytest.mark.django_db

FULL_MESSAGE = (
    "The document could not be stored: the server&#x27;s storage is full. Nothing was saved; "
    "please try again later."
)


def files_under(root) -> list[str]:
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


@pytest.fixture
def failing_storage(monkeypatch):
    """Make every file write fail with ``code``; with ``partial`` write some bytes first."""

    def fail(code: int, *, partial: bool = False):
        real_save = FileSystemStorage._save

        def _save(self, name, content):
            if partial:
                path = self.path(name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as half:
                    half.write(b"%PDF-1.4 half a")
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(FileSystemStorage, "_save", _save)
        return real_save

    return fail


def section_url(application):
    return reverse("applications:section", kwargs={"pk": application.pk, "section": "documents"})


def test_upload_disk_full_answers_on_the_form_and_stores_nothing(
    client, complete_draft, failing_storage, settings, caplog
):
    failing_storage(errno.ENOSPC, partial=True)
    before = set(complete_draft.documents.values_list("pk", flat=True))
    files_before = set(files_under(settings.MEDIA_ROOT))
    assert files_before  # the draft's documents are on disk
    login(client, complete_draft.created_by)
    with caplog.at_level(logging.ERROR, logger="core.uploads"):
        response = client.post(
            section_url(complete_draft), {"kind": "other", "file": upload("annex.pdf", PDF)}
        )
    assert response.status_code == 400
    body = response.content.decode()
    assert f'<p class="error-message" id="id_file-error">{FULL_MESSAGE}' in body
    # What else was typed is kept: the kind chosen is still selected.
    assert '<option value="other" selected>' in body
    assert set(complete_draft.documents.values_list("pk", flat=True)) == before
    # The partly written file is gone too: the files are those there were before.
    assert set(files_under(settings.MEDIA_ROOT)) == files_before
    assert any("ENOSPC" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_upload_read_only_or_forbidden_storage_says_unavailable(
    complete_draft, failing_storage, code
):
    failing_storage(code)
    with pytest.raises(services.DomainError) as raised:
        services.upload_document(
            application=complete_draft,
            kind="other",
            uploaded_file=upload("annex.pdf", PDF),
            actor=complete_draft.created_by,
        )
    assert raised.value.code == "storage_unavailable"
    assert raised.value.field == "file"
    assert "storage is unavailable" in str(raised.value.message)


def test_upload_replacing_a_kind_keeps_the_old_document_when_the_disk_is_full(
    complete_draft, failing_storage
):
    kind = complete_draft.track.required_documents[0]
    old = complete_draft.documents.get(kind=kind)
    old_path = old.file.path
    failing_storage(errno.ENOSPC)
    with pytest.raises(services.DomainError):
        services.upload_document(
            application=complete_draft,
            kind=kind,
            uploaded_file=upload("new.pdf", PDF),
            actor=complete_draft.created_by,
        )
    assert complete_draft.documents.get(kind=kind).pk == old.pk
    assert os.path.exists(old_path)


def test_upload_row_that_cannot_be_written_leaves_no_file(complete_draft, monkeypatch, settings):
    """The other half: the file was stored, the row failed; the file goes too."""
    before = set(files_under(settings.MEDIA_ROOT))

    def broken_save(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Document, "save", broken_save)
    with pytest.raises(IntegrityError):
        services.upload_document(
            application=complete_draft,
            kind="other",
            uploaded_file=upload("annex.pdf", PDF),
            actor=complete_draft.created_by,
        )
    assert set(files_under(settings.MEDIA_ROOT)) == before


def test_upload_api_disk_full_is_503_storage_unavailable(complete_draft, failing_storage):
    from tests.api.conftest import client_for

    failing_storage(errno.ENOSPC)
    response = client_for(complete_draft.created_by).post(
        reverse("api:application-documents", kwargs={"pk": complete_draft.pk}),
        {"kind": "other", "file": upload("annex.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 503
    assert response.json()["code"] == "storage_unavailable"
    assert response.json()["errors"] == {"file": [FULL_MESSAGE.replace("&#x27;", "'")]}


def test_upload_deliverable_disk_full_answers_on_the_form_and_keeps_the_old_file(
    client, contracted_project, contractor, failing_storage
):
    deliverable = DeliverableFactory(project=contracted_project)
    client.force_login(contractor)
    first = client.post(
        reverse("awards:deliverable", args=[deliverable.pk]),
        {"action": "upload", "file": pdf_upload()},
    )
    assert first.status_code == 302
    deliverable.refresh_from_db()
    Deliverable.objects.filter(pk=deliverable.pk).update(status=Deliverable.Status.RETURNED)
    old_name, old_path = deliverable.file.name, deliverable.file.path

    failing_storage(errno.ENOSPC, partial=True)
    response = client.post(
        reverse("awards:deliverable", args=[deliverable.pk]),
        {"action": "upload", "file": pdf_upload()},
    )
    assert response.status_code == 400
    assert FULL_MESSAGE in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.RETURNED
    assert deliverable.file.name == old_name
    assert os.path.exists(old_path)
    assert sorted(os.listdir(os.path.dirname(old_path))) == [os.path.basename(old_path)]
