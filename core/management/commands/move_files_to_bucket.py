"""``manage.py move_files_to_bucket [--dry-run] [--source DIR]``: copy the documents stored on
the local disk into the bucket the portal is configured for (``KCITY_S3_BUCKET``), verifying
every copy (docs/deployment.md, "Moving documents into the bucket").

Every file a ``FileField`` on the default storage names (application documents, deliverables,
document templates: whatever model has one) is read from the disk folder, written under the
same name into the bucket, read back and compared by SHA-256; a copy that does not match is
deleted again and counted as failed. A file already in the bucket with the same SHA-256 is
skipped, so the command can be run again until everything is there. An object that exists
with *different* content is never overwritten: it is reported and counted as failed. The
files on disk are left where they are; remove them once the portal runs on the bucket.

Exit status 1 when any file failed; files that are neither on disk nor in the bucket are
listed as missing (they were lost before the move) without failing the run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.template.defaultfilters import filesizeformat

from core.storage import file_sha256, is_local

COPIED = "copied"
WOULD_COPY = "would copy"
PRESENT = "already in the bucket"
MISSING = "missing"
FAILED = "failed"


def stored_file_names() -> list[str]:
    """Every file name that a ``FileField`` on the default storage holds, once each, sorted."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.FileField) or field.storage is not default_storage:
                continue
            names.update(
                model._default_manager.exclude(**{field.name: ""})
                .exclude(**{f"{field.name}__isnull": True})
                .values_list(field.name, flat=True)
                .distinct()
                .iterator()
            )
    return sorted(names)


class Command(BaseCommand):
    help = (
        "Copy every stored document from the local disk into the configured bucket, "
        "verifying each copy by SHA-256; files already there are skipped (--dry-run: only say "
        "what would be copied)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Compare and report; write nothing to the bucket.",
        )
        parser.add_argument(
            "--source",
            type=Path,
            default=None,
            help="The folder the files are in (default: MEDIA_ROOT).",
        )

    def handle(self, *args, dry_run=False, source=None, **options):
        if is_local(default_storage):
            raise CommandError(
                "Documents are stored on the local disk: configure the bucket first "
                "(KCITY_S3_BUCKET and the other KCITY_S3_* variables, docs/deployment.md)."
            )
        disk = FileSystemStorage(location=str(source or settings.MEDIA_ROOT))
        counts: Counter[str] = Counter()
        copied_bytes = 0
        problems: list[str] = []
        for name in stored_file_names():
            outcome, detail, size = self._move(name, disk, default_storage, dry_run=dry_run)
            counts[outcome] += 1
            copied_bytes += size
            if outcome in (FAILED, MISSING):
                problems.append(f"{outcome}: {name}{f' ({detail})' if detail else ''}")
            elif options["verbosity"] >= 2:
                self.stdout.write(f"{outcome}: {name}")
        for line in problems:
            self.stderr.write(line)
        first = WOULD_COPY if dry_run else COPIED
        total = sum(counts.values())
        self.stdout.write(
            f"{first} {counts[first]} ({filesizeformat(copied_bytes)}), {PRESENT} "
            f"{counts[PRESENT]}, {MISSING} {counts[MISSING]}, {FAILED} {counts[FAILED]} "
            f"(of {total} files)"
        )
        if counts[FAILED]:
            raise CommandError(f"{counts[FAILED]} file(s) could not be copied and verified.")

    def _move(self, name: str, disk, bucket, *, dry_run: bool) -> tuple[str, str, int]:
        """Copy one file; returns (outcome, why, bytes copied)."""
        on_disk = disk.exists(name)
        local_sha = file_sha256(disk, name) if on_disk else None
        if bucket.exists(name):
            if local_sha is None or file_sha256(bucket, name) == local_sha:
                return PRESENT, "", 0
            return FAILED, "the bucket holds different content under this name", 0
        if local_sha is None:
            return MISSING, f"not in {disk.location} nor in the bucket", 0
        size = disk.size(name)
        if dry_run:
            return WOULD_COPY, "", size
        with disk.open(name, "rb") as handle:
            stored = bucket.save(name, File(handle, name=name))
        if stored != name:  # another writer took the name meanwhile: leave theirs alone
            bucket.delete(stored)
            return FAILED, f"stored as {stored}", 0
        if file_sha256(bucket, name) != local_sha:
            bucket.delete(name)
            return FAILED, "the copy's SHA-256 differs; deleted again", 0
        return COPIED, "", size
