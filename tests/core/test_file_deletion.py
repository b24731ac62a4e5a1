"""A stored file is deleted after the change that dropped its row commits, and a failed or
cut-short deletion is retried (core.file_deletion): never before the commit, never lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core import file_deletion
from core.models import PendingFileDeletion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return default_storage.save("tests/deleted-later.pdf", ContentFile(b"%PDF-1.4 x"))


def test_deleted_once_the_change_commits(stored):
    with transaction.atomic():
        file_deletion.delete_after_commit(stored)
        assert default_storage.exists(stored)  # not before the commit
    assert not default_storage.exists(stored)
    assert not PendingFileDeletion.objects.exists()


def test_a_rolled_back_change_deletes_nothing(stored):
    with pytest.raises(RuntimeError), transaction.atomic():
        file_deletion.delete_after_commit(stored)
        raise RuntimeError("the change is refused")
    assert default_storage.exists(stored)
    assert not PendingFileDeletion.objects.exists()


def test_a_storage_failure_is_kept_and_retried_not_raised(stored):
    """A bucket down when the change commits: the change stands (no exception reaches the
    request, later after-commit work still runs), the row waits for the hourly retry."""
    ran_after = []
    with (
        mock.patch.object(default_storage, "delete", side_effect=OSError("bucket down")),
        transaction.atomic(),
    ):
        file_deletion.delete_after_commit(stored)
        transaction.on_commit(lambda: ran_after.append(True))
    assert ran_after == [True]
    [row] = PendingFileDeletion.objects.all()
    assert (row.name, row.attempts, row.last_error) == (stored, 1, "bucket down")
    # Too recent for the retry; then retried and done.
    assert file_deletion.delete_pending_files() == 0
    later = timezone.now() + file_deletion.RETRY_AFTER + timedelta(seconds=1)
    assert file_deletion.delete_pending_files(now=later) == 1
    assert not default_storage.exists(stored)
    assert not PendingFileDeletion.objects.exists()


def test_a_process_killed_after_the_commit_leaves_the_row_for_the_retry(stored):
    """The after-commit attempt never ran (the process died): the row is there to finish it."""
    with mock.patch.object(transaction, "on_commit"), transaction.atomic():
        file_deletion.delete_after_commit(stored)
    assert default_storage.exists(stored)
    later = timezone.now() + file_deletion.RETRY_AFTER + timedelta(seconds=1)
    assert file_deletion.delete_pending_files(now=later) == 1
    assert not default_storage.exists(stored)


def test_removing_a_document_goes_through_it(applicant, planning_track, settings, tmp_path):
    from applications import services
    from tests.factories import ApplicationFactory, DocumentFactory

    settings.MEDIA_ROOT = str(tmp_path)
    draft = ApplicationFactory(
        track=planning_track, organization=applicant.organizations.get(), created_by=applicant
    )
    document = DocumentFactory(application=draft)
    name = document.file.name
    assert default_storage.exists(name)
    with mock.patch.object(default_storage, "delete", side_effect=OSError("bucket down")):
        services.remove_document(document=document, actor=applicant)
    assert PendingFileDeletion.objects.filter(name=name).exists()
