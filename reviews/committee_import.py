"""Inviting a list of experts from a file (the committee page's "Import invitations from a
file"): reading a CSV or Excel (XLSX) file with django-import-export's format classes (tablib
underneath), judging each row by the rules ``invite_reviewer`` asks
(``services.invitation_refusal``), and carrying the rows from the preview to the confirm step
signed in the page (``django.core.signing``), so that any web host can confirm them and nothing
is kept on a server's disk between the two steps.

Reads only: the confirm step calls ``services.invite_reviewers``, which invites all the rows
or none. The file's limits: ``MAX_FILE_SIZE`` bytes, ``MAX_ROWS`` experts.
"""

import csv
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core import signing
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats.base_formats import CSV, XLSX
from tablib import InvalidDimensions

from core.domain import DomainError
from core.uploads import too_large_message
from projects.models import Track
from reviews.services.committee import invitation_refusal, normalised_email

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 1024 * 1024
MAX_ROWS = 500
# An XLSX is a ZIP archive: a 1 MB file can unpack to gigabytes. Refused above this, before
# the workbook is opened.
MAX_XLSX_UNPACKED = 20 * 1024 * 1024
# How long a preview can be confirmed: long enough to read 500 rows, short enough that the
# judgement shown is still the committee's.
PREVIEW_MAX_AGE = 2 * 60 * 60
SIGNING_SALT = "reviews.committee_import"

# Column headers, compared without case, spaces, hyphens or underscores.
EMAIL_HEADERS = {"email", "emailaddress", "이메일", "이메일주소", "전자우편"}
NAME_HEADERS = {"name", "fullname", "이름", "성명"}
CSV_DELIMITERS = (",", ";", "\t")
# Korean Excel saves "CSV" in the Windows code page; "CSV UTF-8" starts with a BOM.
CSV_ENCODINGS = ("utf-8-sig", "cp949")

ACCEPT_ATTRIBUTE = ".csv,.xlsx"

NOT_TABULAR = gettext_lazy(
    "“%(name)s” is not a CSV or Excel (XLSX) file. Upload the list as .csv or .xlsx."
)
BROKEN_XLSX = gettext_lazy(
    "“%(name)s” could not be read as an Excel (XLSX) workbook; it may be damaged. Open it in "
    "Excel and save it again, or save it as CSV."
)
UNREADABLE_CSV = gettext_lazy(
    "“%(name)s” could not be read as a CSV file. In Excel choose “Save as” → “CSV UTF-8”, or "
    "upload the XLSX file."
)
NO_EMAIL_COLUMN = gettext_lazy(
    "No e-mail column was found. The first row must name the columns: “email” (or “e-mail”, "
    "“이메일”) and, if you like, “name” (or “이름”)."
)
NO_ROWS = gettext_lazy(
    "The file lists nobody: put the column names in the first row and one expert per row."
)
TOO_MANY_ROWS = gettext_lazy(
    "The file lists %(count)s experts; at most %(limit)s can be imported at once. Split the "
    "list into several files."
)
ROW_TOO_WIDE = gettext_lazy(
    "A row of “%(name)s” has more cells than its first row. Give every column a name in the "
    "first row, or remove the extra cells."
)
BAD_PAYLOAD = gettext_lazy(
    "This list can no longer be confirmed: it was changed or is more than two hours old. "
    "Upload the file again."
)


@dataclass(frozen=True)
class ImportRow:
    """One expert read from the file. ``line`` is the row's number in the file (the column
    names are row 1; blank rows are skipped and keep no number in a CSV file)."""

    line: int
    email: str
    name: str


@dataclass(frozen=True)
class PreviewRow:
    """What the confirm step would do with one row: ``outcome`` is ``invite``, ``member``,
    ``pending``, ``invalid_email``, ``duplicate`` or another refusal code of
    ``invitation_refusal``; ``message`` says why a row is left out."""

    row: ImportRow
    outcome: str
    message: str = ""

    OUTCOME_LABELS = {
        "invite": gettext_lazy("Will be invited"),
        "member": gettext_lazy("Already on the committee"),
        "pending": gettext_lazy("Already invited"),
        "invalid_email": gettext_lazy("Invalid e-mail address"),
        "duplicate": gettext_lazy("Duplicate in the file"),
    }

    @property
    def will_invite(self) -> bool:
        return self.outcome == "invite"

    @property
    def label(self) -> str:
        return str(self.OUTCOME_LABELS.get(self.outcome, gettext_lazy("Refused")))

    @property
    def badge(self) -> str:
        if self.outcome == "invite":
            return "succeeded"
        if self.outcome in ("member", "pending"):
            return "draft"
        return "failed"


def _refuse(message, **values) -> DomainError:
    return DomainError(message % values if values else message, code="file", field="file")


def _header_key(value) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "").strip().lower()
    for mark in (" ", "-", "_", "."):
        text = text.replace(mark, "")
    return text


def _column(headers, wanted: set[str]) -> int | None:
    for index, header in enumerate(headers):
        if _header_key(header) in wanted:
            return index
    return None


def _cell(row, index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return "" if value is None else str(value).strip()


def _csv_dataset(data: bytes, name: str):
    """The CSV's rows as a tablib dataset, in the first encoding that reads it and with the
    first delimiter whose first row names an e-mail column (else the comma's reading)."""
    for encoding in CSV_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings = []
        for delimiter in CSV_DELIMITERS:
            try:
                dataset = CSV(encoding=encoding).create_dataset(data, delimiter=delimiter)
            except InvalidDimensions as exc:
                readings.append(exc)
                continue
            except csv.Error as exc:
                raise _refuse(UNREADABLE_CSV, name=name) from exc
            if _column(dataset.headers or [], EMAIL_HEADERS) is not None:
                return dataset
            readings.append(dataset)
        if isinstance(readings[0], InvalidDimensions):
            raise _refuse(ROW_TOO_WIDE, name=name) from readings[0]
        return readings[0]
    raise _refuse(UNREADABLE_CSV, name=name)


def _xlsx_dataset(data: bytes, name: str):
    """The first sheet's rows as a tablib dataset, refused as damaged when the workbook
    cannot be opened or would unpack to more than ``MAX_XLSX_UNPACKED`` bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            is_workbook = "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(BROKEN_XLSX, name=name) from exc
    if not is_workbook or unpacked > MAX_XLSX_UNPACKED:
        raise _refuse(BROKEN_XLSX, name=name)
    try:
        return XLSX().create_dataset(data)
    except InvalidDimensions as exc:
        raise _refuse(ROW_TOO_WIDE, name=name) from exc
    except Exception as exc:  # noqa: BLE001 — any failure to parse an untrusted workbook
        logger.info("Committee import: unreadable workbook %r: %r", name, exc)
        raise _refuse(BROKEN_XLSX, name=name) from exc


def read_invitation_file(uploaded) -> list[ImportRow]:
    """The experts listed in an uploaded CSV or XLSX file: its first row names the columns
    (``EMAIL_HEADERS``, ``NAME_HEADERS``, in English or Korean; other columns are ignored),
    each later non-blank row is one expert. Raises ``DomainError(field="file")`` saying what
    is wrong with the file (type, size, encoding, no e-mail column, no rows, too many rows);
    never judges the addresses (``preview_rows`` does)."""
    name = PurePath(uploaded.name or "").name
    size = uploaded.size or 0
    if size == 0:
        raise _refuse(_("The file is empty."))
    if size > MAX_FILE_SIZE:
        raise _refuse(too_large_message(size, MAX_FILE_SIZE))
    uploaded.seek(0)
    data = uploaded.read(MAX_FILE_SIZE + 1)
    extension = PurePath(name).suffix.lower()
    if extension == ".xlsx":
        dataset = _xlsx_dataset(data, name)
    elif extension in (".csv", ".txt") and not data.startswith(b"PK\x03\x04"):
        if b"\x00" in data:
            raise _refuse(UNREADABLE_CSV, name=name)
        dataset = _csv_dataset(data, name)
    else:
        raise _refuse(NOT_TABULAR, name=name)
    headers = list(dataset.headers or []) if dataset is not None else []
    email_column = _column(headers, EMAIL_HEADERS)
    if email_column is None:
        if not any(_header_key(header) for header in headers):
            raise _refuse(NO_ROWS)
        raise _refuse(NO_EMAIL_COLUMN)
    name_column = _column(headers, NAME_HEADERS)
    rows = []
    for index, values in enumerate(dataset, start=2):
        email, person = _cell(values, email_column), _cell(values, name_column)
        if not email and not person and not any(_cell(values, i) for i in range(len(values))):
            continue
        rows.append(ImportRow(line=index, email=email, name=person))
    if not rows:
        raise _refuse(NO_ROWS)
    if len(rows) > MAX_ROWS:
        raise _refuse(TOO_MANY_ROWS, count=len(rows), limit=MAX_ROWS)
    return rows


def preview_rows(track: Track, rows: list[ImportRow]) -> list[PreviewRow]:
    """What inviting ``rows`` to the track's committee would do now, row by row: the
    refusals are ``invitation_refusal``'s (the service's own rules and messages), plus a
    second row for an address already listed. Writes nothing."""
    seen: dict[str, int] = {}
    preview = []
    for row in rows:
        email = normalised_email(row.email)
        if not email:
            preview.append(PreviewRow(row, "invalid_email", _("There is no e-mail address.")))
            continue
        if email in seen:
            message = _("Also on row %(line)s of the file.") % {"line": seen[email]}
            preview.append(PreviewRow(row, "duplicate", message))
            continue
        seen[email] = row.line
        refusal = invitation_refusal(track, email, row.name)
        if refusal is None:
            preview.append(PreviewRow(row, "invite"))
        else:
            preview.append(PreviewRow(row, refusal.code, str(refusal.message)))
    return preview


def sign_preview(*, track: Track, actor, preview: list[PreviewRow]) -> str:
    """The preview's rows and which of them to invite, signed for the confirm step's hidden
    field; it holds only for this track and this user, for ``PREVIEW_MAX_AGE`` seconds."""
    return signing.dumps(
        {
            "track": track.pk,
            "user": actor.pk,
            "rows": [[p.row.line, p.row.email, p.row.name] for p in preview],
            "invite": [p.row.line for p in preview if p.will_invite],
        },
        salt=SIGNING_SALT,
        compress=True,
    )


def unsign_preview(payload: str, *, track: Track, actor) -> tuple[list[ImportRow], set[int]]:
    """The rows and the lines to invite of a payload ``sign_preview`` made for this track and
    user; a ``DomainError`` when it was changed, is too old or was made for someone else."""
    try:
        data = signing.loads(payload or "", salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is one
        raise DomainError(BAD_PAYLOAD, code="bad_payload") from exc
    if data.get("track") != track.pk or data.get("user") != actor.pk:
        raise DomainError(BAD_PAYLOAD, code="bad_payload")
    rows = [
        ImportRow(line=int(line), email=str(email), name=str(name))
        for line, email, name in data["rows"]
    ]
    return rows, {int(line) for line in data["invite"]}


def limits_help() -> str:
    """The file field's help text: formats, columns and limits."""
    return _(
        "CSV or Excel (XLSX), up to %(size)s and %(rows)s experts. The first row names the "
        "columns: “email” (or “이메일”) and “name” (or “이름”); other columns are ignored."
    ) % {"size": filesizeformat(MAX_FILE_SIZE), "rows": MAX_ROWS}
