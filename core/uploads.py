"""Upload checks for application documents: the content decides the type, not the name; and
storing them (``store_upload``), where a storage failure is an answer on the form.

Allowed: PDF, DOCX, XLSX, PNG and JPEG, up to ``settings.MAX_UPLOAD_SIZE`` bytes. The file's
first bytes are read (and, for DOCX/XLSX, the ZIP's table of contents), and the name's extension
must agree with what the content is: a PNG named ``.pdf`` or a renamed executable is refused.
A caller may narrow both for one kind of document (``formats``: codes of ``ALLOWED``;
``max_size``: bytes, never above the site's limit), as a track's document requirements do.
"""

import errno
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.domain import DomainError
from core.storage import REMOTE_STORAGE_ERRORS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "PDF", "application/pdf", (".pdf",))
DOCX = FileKind(
    "docx",
    "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileKind(
    "xlsx",
    "Excel (XLSX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
PNG = FileKind("png", "PNG", "image/png", (".png",))
JPEG = FileKind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"))
ALLOWED = (PDF, DOCX, XLSX, PNG, JPEG)
ACCEPT_ATTRIBUTE = ",".join(ext for kind in ALLOWED for ext in kind.extensions)
#: The formats by code, for the choice of formats a document requirement allows.
BY_CODE = {kind.code: kind for kind in ALLOWED}
FORMAT_CHOICES = [(kind.code, kind.label) for kind in ALLOWED]


def file_kinds(formats=None) -> tuple[FileKind, ...]:
    """The allowed kinds named by ``formats`` (codes, in the site's order); all when None or
    empty. Unknown codes are ignored (the requirement's own validation refuses them)."""
    if not formats:
        return ALLOWED
    wanted = set(formats)
    return tuple(kind for kind in ALLOWED if kind.code in wanted) or ALLOWED


def allowed_types_label(formats=None) -> str:
    return ", ".join(kind.label for kind in file_kinds(formats))


def accept_attribute(formats=None) -> str:
    """The file input's ``accept`` value (a hint to the browser; the server decides)."""
    return ",".join(ext for kind in file_kinds(formats) for ext in kind.extensions)


def max_upload_size(max_size: int | None = None) -> int:
    """The limit in bytes: ``max_size`` when given and below the site's limit, else the site's."""
    if max_size and max_size < settings.MAX_UPLOAD_SIZE:
        return max_size
    return settings.MAX_UPLOAD_SIZE


def _sniff(head: bytes, uploaded) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        uploaded.seek(0)
        try:
            with zipfile.ZipFile(uploaded) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
    return None


def describe_content(head: bytes) -> str:
    """A short, human name for what a refused file really is (for the error message)."""
    if head.startswith(b"MZ"):
        return _("a Windows program")
    if head.startswith(b"\x7fELF"):
        return _("a program")
    if head.startswith(b"PK\x03\x04"):
        return _("a ZIP archive")
    if head.startswith(b"\x89PNG"):
        return _("a PNG image")
    if head.startswith(b"\xff\xd8\xff"):
        return _("a JPEG image")
    if head.startswith(b"%PDF-"):
        return _("a PDF document")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _("a GIF image")
    return _("of an unknown type")


def too_large_message(size: int, limit: int) -> str:
    return _("The file is %(size)s; the limit is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


class TooLargeUpload(UploadedFile):
    """What ``SizeCappedUploadHandler`` hands on for a file above the site's limit: its name
    and the size received, without its content, so that the form or service refuses it by its
    size (``validate_upload`` checks the size first) and nothing stores an empty file."""

    def __init__(self, *, name: str, size: int, content_type: str | None):
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)


class SizeCappedUploadHandler(FileUploadHandler):
    """The first of ``FILE_UPLOAD_HANDLERS``: a file larger than ``settings.MAX_UPLOAD_SIZE``
    is not written anywhere past the limit — the handlers after it (memory, then a temporary
    file) stop receiving its chunks — and arrives as a ``TooLargeUpload`` that names its
    size. Without it, any request could fill the web host's temporary disk with one file."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_SIZE:
            self.too_large = True
            return None  # the chunk goes no further
        return raw_data

    def file_complete(self, file_size):
        if not self.too_large:
            return None  # the next handler builds the file
        return TooLargeUpload(
            name=self.file_name, size=self.received, content_type=self.content_type
        )


def validate_upload(uploaded, *, formats=None, max_size: int | None = None) -> FileKind:
    """Check one uploaded file; return its kind or raise DomainError(field="file") saying why.

    ``formats`` (codes of ``ALLOWED``) and ``max_size`` (bytes) narrow what the site allows for
    one kind of document; the site's limit always holds."""
    size = uploaded.size or 0
    limit = max_upload_size(max_size)
    if size == 0:
        raise DomainError(_("The file is empty."), code="empty", field="file")
    if size > limit:
        raise DomainError(too_large_message(size, limit), code="too_large", field="file")
    uploaded.seek(0)
    head = uploaded.read(16)
    kind = _sniff(head, uploaded)
    uploaded.seek(0)
    name = uploaded.name or ""
    extension = PurePath(name).suffix.lower()
    if kind is None:
        raise DomainError(
            _(
                "“%(name)s” is %(what)s, not an allowed file. Upload a PDF, DOCX, XLSX, PNG "
                "or JPEG file."
            )
            % {"name": name, "what": describe_content(head)},
            code="type",
            field="file",
        )
    if extension not in kind.extensions:
        raise DomainError(
            _(
                "“%(name)s” is really a %(real)s file, but its name ends in “%(ext)s”. "
                "Upload the original file with its correct name."
            )
            % {"name": name, "real": kind.label, "ext": extension or "—"},
            code="mismatch",
            field="file",
        )
    allowed = file_kinds(formats)
    if kind not in allowed:
        raise DomainError(
            _("“%(name)s” is a %(real)s file; this document must be %(allowed)s.")
            % {
                "name": name,
                "real": kind.label,
                "allowed": " / ".join(k.label for k in allowed),
            },
            code="format",
            field="file",
        )
    return kind


# --- Storing: a full or read-only disk is an answer on the form, not a 500 -------------------

# What the OS says when the storage is out of room (the rest: read-only, no permission, gone).
_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


class StorageUnavailable(DomainError):
    """The uploaded file could not be written (disk full, read-only, no permission). Nothing
    was stored; the user may try again later. Shown next to the file field."""

    code = "storage_unavailable"


def store_upload(field_file, name: str, content) -> str:
    """Write ``content`` to ``field_file``'s storage under the field's generated name and set
    it on the instance (not saved: the caller saves the row in its transaction).

    An ``OSError`` from the storage (ENOSPC, EROFS, EACCES, …), or a bucket that cannot be
    reached or refuses the write (``core.storage.REMOTE_STORAGE_ERRORS``), becomes
    ``StorageUnavailable`` with field "file", after removing whatever part of the file was
    written and logging why, so a failed upload leaves neither a row without a file nor a file
    without a row.
    """
    field, instance, storage = field_file.field, field_file.instance, field_file.storage
    target = storage.get_available_name(
        field.generate_filename(instance, name), max_length=field.max_length
    )
    try:
        stored = storage.save(target, content, max_length=field.max_length)
    except (OSError, *REMOTE_STORAGE_ERRORS) as exc:
        _remove_partial(storage, target)
        code = getattr(exc, "errno", None)
        logger.error(
            "Upload not stored: %s (errno %s) writing %s for %s",
            getattr(exc, "strerror", None) or exc,
            errno.errorcode.get(code, code),
            target,
            instance._meta.label,
        )
        full = code in _FULL
        raise StorageUnavailable(
            _(
                "The document could not be stored: the server's storage is full. Nothing was "
                "saved; please try again later."
            )
            if full
            else _(
                "The document could not be stored: the server's storage is unavailable. "
                "Nothing was saved; please try again later."
            ),
            field="file",
        ) from exc
    setattr(instance, field.attname, stored)
    return stored


def _remove_partial(storage, name: str) -> None:
    """Delete a partly written file; a storage that cannot even do that is only logged."""
    try:
        if storage.exists(name):
            storage.delete(name)
    except (OSError, *REMOTE_STORAGE_ERRORS):
        logger.warning("Could not remove the partly written upload %s", name, exc_info=True)
