"""Where uploaded documents live: a folder on the local disk (the embedded default) or a
private bucket on S3-compatible object storage (MinIO, Amazon S3), through django-storages.

The bucket is configured by ``KCITY_S3_*`` environment variables (``kcity/settings/base.py``,
``.env.example``, docs/deployment.md). Whatever the backend, documents are private: no view
hands out a storage URL; every download is read through the storage by a view that has
checked the permission first (``FileResponse(field_file.open("rb"))``), and the code uses only
the storage-neutral API (``open``, ``save``, ``exists``, ``delete``), never ``.path`` or
``.url``, which a bucket does not have or would turn into a link past the permission check.
"""

from __future__ import annotations

import hashlib

from django.core.files.storage import FileSystemStorage, Storage

try:  # botocore comes with django-storages[s3]; the local disk needs neither.
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - botocore is in the lock
    REMOTE_STORAGE_ERRORS: tuple[type[BaseException], ...] = ()
else:
    #: What an object-storage call may raise when the bucket is unreachable, refuses the
    #: credentials or is out of space (besides ``OSError``, which the local disk raises).
    REMOTE_STORAGE_ERRORS = (BotoCoreError, ClientError)

S3_BACKEND = "storages.backends.s3.S3Storage"

# Chunks of this size when a file is hashed (a bucket object is read once, whole, by
# django-storages, spilling to a temporary file above ``max_memory_size``).
_CHUNK = 1024 * 1024


def s3_storage_config(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    location: str = "",
    addressing_style: str = "path",
    default_acl: str = "private",
    max_memory_size: int = 2_621_440,
) -> dict:
    """The ``STORAGES["default"]`` entry for a private bucket.

    * ``default_acl="private"`` on every object written (empty: send no ACL, for buckets
      whose object ownership setting refuses ACLs); the bucket itself must not be public
      (docs/deployment.md; the compose file's ``createbucket`` service sets it so).
    * ``querystring_auth``: were a URL ever asked for, it would be a signed one that expires
      after five minutes, never a public link. The portal asks for none.
    * ``file_overwrite=False``: a new upload never replaces another file with the same name
      (the same rule as the local disk, ``get_available_name``).
    * ``addressing_style="path"`` and ``endpoint_url`` for MinIO and other S3-compatible
      servers (``http://minio:9000/<bucket>/<key>``); empty credentials leave boto3 its own
      chain (environment, instance role).
    * Short time-outs and three attempts: a bucket that does not answer costs an upload a few
      seconds and a clear message (``core.uploads.StorageUnavailable``), not a minute per try.
    """
    from botocore.config import Config

    client_config = Config(
        s3={"addressing_style": addressing_style or "auto"},
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        # Checksums only where the S3 API requires them: S3-compatible servers (older MinIO
        # releases among them) refuse the CRC headers newer boto3 adds to every upload.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "location": location.strip("/"),
        "client_config": client_config,
        "default_acl": default_acl or None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        "max_memory_size": max_memory_size,
    }
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def is_local(storage: Storage) -> bool:
    """True for a storage on this machine's file system (the embedded default)."""
    # isinstance() sees through the lazy ``default_storage`` (LazyObject proxies __class__).
    return isinstance(storage, FileSystemStorage)


class StorageUnreachable(Exception):
    """A stored file could not be read because the storage fails (the bucket unreachable or
    refusing, a disk error), not because the file is missing. The site's error handler answers
    503 with ``Retry-After``, as for a database outage (``core.api.views.server_error``)."""


def open_stored(field_file):
    """Open ``field_file`` for reading, for a download: the handle; ``Http404`` when the
    storage no longer has the file; ``StorageUnreachable`` when the storage cannot be read.

    Both the disk and django-storages' S3 backend raise ``FileNotFoundError`` for a missing
    file; any other ``OSError`` or bucket error is an outage, which must not read as a 500."""
    from django.http import Http404

    try:
        return field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    except (OSError, *REMOTE_STORAGE_ERRORS) as exc:
        raise StorageUnreachable(f"{type(exc).__name__}: {exc}") from exc


def file_sha256(storage: Storage, name: str) -> str:
    """The SHA-256 of one stored file, read through ``storage`` (disk or bucket alike).
    Raises ``FileNotFoundError`` when it is not there."""
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
