"""Deleting a stored file when the row that held it is gone, without losing the deletion.

A service that replaces or erases a file calls ``delete_after_commit(name)`` inside its
transaction. That writes a ``PendingFileDeletion`` row in the same transaction (gone with it if
the change rolls back) and, once the change commits, tries the storage at once. A storage that
fails (a bucket down, a disk error) is logged, never raised: the change has committed, so the
request must not answer 500 for it, and the other after-commit work still runs. The row stays,
and ``delete_pending_files`` (hourly, from beat) tries again; so does it for a process killed
between the commit and the deletion.

Only the default storage: every uploaded file of the portal lives there (``core.storage``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import PendingFileDeletion

logger = logging.getLogger(__name__)

# A row younger than this is left to its own after-commit attempt.
RETRY_AFTER = timedelta(minutes=10)
# Rows tried per run: the oldest first.
BATCH = 500


def delete_after_commit(name: str) -> None:
    """Delete the stored file ``name`` once the current transaction commits; never lost."""
    if not name:
        return
    pending = PendingFileDeletion.objects.create(name=name)
    transaction.on_commit(lambda: _delete(pending.pk, name))


def _delete(pk: int, name: str) -> bool:
    """Delete one file and then its row; False (row kept, error noted) if the storage failed."""
    try:
        default_storage.delete(name)  # a file already gone is no error
    except Exception as exc:  # noqa: BLE001 - any storage failure: retried later
        logger.warning("Could not delete stored file %s; retried later: %s", name, exc)
        PendingFileDeletion.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:500]
        )
        return False
    PendingFileDeletion.objects.filter(pk=pk).delete()
    return True


def delete_pending_files(*, now=None) -> int:
    """Try again the deletions left behind; returns how many files were deleted."""
    now = now or timezone.now()
    rows = PendingFileDeletion.objects.filter(created_at__lte=now - RETRY_AFTER).values_list(
        "pk", "name"
    )[:BATCH]
    return sum(_delete(pk, name) for pk, name in rows)
