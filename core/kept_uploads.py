"""A file chosen on a form that is shown again is kept, not lost.

A browser never fills a file input again: when a form with a file comes back with an error on
another field (a missing title, a date, an amount above the budget line) or with a service's
refusal, the user had to choose the file again, and often did not notice. Every form of the
portal with a file field mixes in ``KeepsUploads``:

* when the form is shown again with errors, each file that passed its own field's checks is
  stored under ``kept-uploads/`` on the default storage (the local disk or the bucket) and the
  form carries a signed token for it (a hidden input beside the file input); the page says
  "kept from your last try: <name> (<size>)";
* on the next try, a file input left empty takes the kept file back from the token, and the
  field checks it again as if it had just been uploaded; a file chosen again replaces it;
* only a file that passes the site's upload checks (``core.uploads.validate_upload``) is kept,
  and at most ``MAX_KEPT_PER_USER`` per user at a time: a form posted with an error again and
  again must not fill the storage;
* the token names the user it was made for and lasts ``KEPT_FOR``: nobody else can use it,
  and a token changed by hand is refused like an empty input. ``purge_kept_uploads`` (beat,
  hourly) deletes kept files older than that.

Keeping is a courtesy: when the storage cannot take the file (a full disk, the bucket down)
the form is shown as before, without it, and nothing else changes.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import secrets

from django import forms
from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.domain import DomainError
from core.storage import REMOTE_STORAGE_ERRORS
from core.uploads import TooLargeUpload, too_large_message, validate_upload

logger = logging.getLogger(__name__)

KEPT_FOLDER = "kept-uploads"
#: How long a kept file can be taken back; ``purge_kept_uploads`` deletes it afterwards.
KEPT_FOR = datetime.timedelta(hours=24)
#: Files kept for one user at a time (a form has a few file fields; twenty is many tries).
MAX_KEPT_PER_USER = 20
_SALT = "core.kept_uploads"
_STORAGE_ERRORS = (OSError, *REMOTE_STORAGE_ERRORS)


class KeptFile(UploadedFile):
    """A kept file taken back from its token: checked and stored by the services like a new
    upload; ``token`` spares storing it a second time if the form is shown once more."""

    def __init__(self, file, *, name: str, size: int, content_type: str, token: str):
        super().__init__(file, name=name, content_type=content_type, size=size, charset=None)
        self.token = token


def keep(uploaded, *, owner_id: int) -> str | None:
    """Store ``uploaded`` for ``owner_id`` and return its token; None if the storage failed or
    the user already has ``MAX_KEPT_PER_USER`` files kept (a courtesy, not storage for
    anyone who posts a form with an error again and again)."""
    if isinstance(uploaded, KeptFile):
        return uploaded.token
    try:
        if kept_count(owner_id) >= MAX_KEPT_PER_USER:
            logger.warning(
                "User %s has %s files kept already; not keeping another.",
                owner_id,
                MAX_KEPT_PER_USER,
            )
            return None
        uploaded.seek(0)
        path = default_storage.save(f"{KEPT_FOLDER}/{owner_id}-{secrets.token_hex(16)}", uploaded)
    except _STORAGE_ERRORS:
        logger.warning("An uploaded file could not be kept for the form shown again", exc_info=True)
        return None
    finally:
        with contextlib.suppress(OSError, ValueError):  # a closed file: nobody reads it again
            uploaded.seek(0)
    return signing.dumps(
        {
            "path": path,
            "name": uploaded.name,
            "size": uploaded.size,
            "type": uploaded.content_type or "application/octet-stream",
            "owner": owner_id,
        },
        salt=_SALT,
        compress=True,
    )


def take_back(token: str, *, owner_id: int | None) -> KeptFile | None:
    """The file a token names, for the user it was made for; None for anyone else, a token
    changed or older than ``KEPT_FOR``, or a file no longer there."""
    if not token or owner_id is None:
        return None
    try:
        kept = signing.loads(token, salt=_SALT, max_age=KEPT_FOR)
    except signing.BadSignature:  # also SignatureExpired
        return None
    path = kept.get("path", "")
    if kept.get("owner") != owner_id or not path.startswith(f"{KEPT_FOLDER}/"):
        return None
    try:
        handle = default_storage.open(path, "rb")
    except _STORAGE_ERRORS:
        return None
    return KeptFile(
        handle, name=kept["name"], size=kept["size"], content_type=kept["type"], token=token
    )


def kept_count(owner_id: int) -> int:
    """How many files are kept for ``owner_id`` (their names start with the owner's id)."""
    try:
        _folders, names = default_storage.listdir(KEPT_FOLDER)
    except FileNotFoundError:
        return 0
    prefix = f"{owner_id}-"
    return sum(1 for name in names if name.startswith(prefix))


def purge_kept_uploads(*, now: datetime.datetime | None = None) -> int:
    """Delete the kept files older than ``KEPT_FOR``; return how many."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    try:
        _folders, names = default_storage.listdir(KEPT_FOLDER)
    except FileNotFoundError:
        return 0  # nothing was ever kept
    deleted = 0
    for name in names:
        path = f"{KEPT_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except FileNotFoundError:
            continue  # deleted meanwhile
    return deleted


class KeptFileInput(forms.ClearableFileInput):
    """A file input that can take back a kept file: ``<name>-kept`` carries its token."""

    owner_id: int | None = None
    #: (token, name, size) of the file kept for the form shown again, set by ``KeepsUploads``.
    kept: tuple[str, str, int] | None = None

    @staticmethod
    def kept_input_name(name: str) -> str:
        return f"{name}-kept"

    def value_from_datadict(self, data, files, name):
        upload = super().value_from_datadict(data, files, name)
        if upload or upload is False:  # a new file, or "clear" ticked
            return upload
        token = data.get(self.kept_input_name(name), "")
        # Asked more than once per request (cleaning, ``has_changed``, rendering): the file is
        # opened once.
        taken = getattr(self, "_taken", None)
        if taken is None or taken[0] != token:
            taken = self._taken = (token, take_back(token, owner_id=self.owner_id))
        return taken[1]

    def value_omitted_from_data(self, data, files, name):
        return super().value_omitted_from_data(data, files, name) and (
            self.kept_input_name(name) not in data
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # For the page's script, which refuses a file above the site's limit as soon as it is
        # chosen, before it is sent (static/js/portal.js, checkFileSizes).
        context["widget"]["attrs"].update(
            {
                "data-max-size": str(settings.MAX_UPLOAD_SIZE),
                "data-too-large": _(
                    "This file is larger than %(limit)s, the most the portal accepts. Choose a "
                    "smaller file."
                )
                % {"limit": filesizeformat(settings.MAX_UPLOAD_SIZE)},
            }
        )
        return context

    def use_required_attribute(self, initial):
        return super().use_required_attribute(initial) and self.kept is None

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.kept is None:
            return html
        token = self.kept[0]
        hidden = format_html(
            '<input type="hidden" name="{}" value="{}">', self.kept_input_name(name), token
        )
        return mark_safe(html + hidden)  # both parts are escaped: the widget's and format_html


class KeepsUploads:
    """Mixin for a form with file fields: the files of a form shown again are kept.

    The view passes ``uploader=request.user``; without it nothing is kept. Mix in before
    ``forms.Form`` / ``forms.ModelForm``.
    """

    def __init__(self, *args, uploader=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._uploader_id = getattr(uploader, "pk", None)
        self._cleaning = False
        self._kept_sources: dict[str, UploadedFile] = {}
        for field in self.fields.values():
            if isinstance(field, forms.FileField) and not isinstance(field.widget, KeptFileInput):
                field.widget = KeptFileInput(attrs=field.widget.attrs)
            if isinstance(field.widget, KeptFileInput):
                field.widget.owner_id = self._uploader_id

    def full_clean(self):
        self._cleaning = True
        try:
            super().full_clean()
            self._refuse_too_large()
        finally:
            self._cleaning = False
        self._keep_uploads()

    def _refuse_too_large(self) -> None:
        """A file above the site's limit, which the upload handler did not keep, is refused
        next to its field at once (the services would refuse it too, after the other fields)."""
        for name, value in list(getattr(self, "cleaned_data", {}).items()):
            if isinstance(value, TooLargeUpload):
                self.add_error(name, too_large_message(value.size, settings.MAX_UPLOAD_SIZE))

    def add_error(self, field, error):
        super().add_error(field, error)
        if not self._cleaning:  # a service's refusal, added after a valid clean
            self._keep_uploads()

    def _keep_uploads(self) -> None:
        if not self._errors or self._uploader_id is None:
            return
        cleaned = getattr(self, "cleaned_data", {})
        for name, field in self.fields.items():
            widget = field.widget
            if not isinstance(widget, KeptFileInput):
                continue
            upload = cleaned.get(name)
            if name in self._errors or not isinstance(upload, UploadedFile):
                widget.kept = None  # nothing good to keep: the field says why
                continue
            if widget.kept is not None and self._kept_sources.get(name) is upload:
                continue  # kept already, at an earlier error of this same request
            try:
                # The site's own checks first (type by content, size): a file that would be
                # refused is refused next to its field now, and never stored.
                validate_upload(upload)
            except DomainError as exc:
                widget.kept = None
                forms.BaseForm.add_error(self, name, exc.message)
                continue
            token = keep(upload, owner_id=self._uploader_id)
            self._kept_sources[name] = upload
            widget.kept = (token, upload.name, upload.size) if token else None
