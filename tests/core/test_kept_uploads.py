"""A file chosen on a form shown again is kept (core.kept_uploads): the form carries a signed
token for it, the next try takes it back when the input is left empty, only its uploader can,
and the hourly purge deletes what is a day old."""

from __future__ import annotations

import datetime
import inspect
import re

from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import kept_uploads
from core.kept_uploads import KEPT_FOLDER, KeepsUploads, KeptFile, take_back

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class NamedFileForm(KeepsUploads, forms.Form):
    title = forms.CharField()
    file = forms.FileField()


class User:
    def __init__(self, pk):
        self.pk = pk


def pdf(name="plan.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def token_in(html: str) -> str:
    return re.search(r'name="file-kept" value="([^"]+)"', html).group(1)


def shown_again(user=None):
    form = NamedFileForm({"title": ""}, {"file": pdf()}, uploader=user or User(7))
    assert not form.is_valid()
    return form


def test_a_form_shown_again_keeps_its_file_and_says_so():
    form = shown_again()
    html = str(form["file"])
    token = token_in(html)
    assert "required" not in html  # the input may stay empty now
    assert form.fields["file"].widget.kept[1:] == ("plan.pdf", len(PDF))
    again = NamedFileForm({"title": "Plan", "file-kept": token}, {}, uploader=User(7))
    assert again.is_valid(), again.errors
    kept = again.cleaned_data["file"]
    assert isinstance(kept, KeptFile)
    assert (kept.name, kept.size, kept.content_type, kept.read()) == (
        "plan.pdf",
        len(PDF),
        "application/pdf",
        PDF,
    )


def test_the_page_names_the_kept_file_beside_the_input():
    from django.template.loader import render_to_string

    form = shown_again()
    html = render_to_string("partials/_field.html", {"field": form["file"]})
    assert "Kept from your last try: <strong>plan.pdf</strong>" in html
    assert 'aria-describedby="id_file-kept"' in html
    assert 'id="id_file-kept"' in html


def test_a_file_chosen_again_replaces_the_kept_one():
    token = token_in(str(shown_again()["file"]))
    form = NamedFileForm(
        {"title": "Plan", "file-kept": token}, {"file": pdf("other.pdf")}, uploader=User(7)
    )
    assert form.is_valid()
    assert form.cleaned_data["file"].name == "other.pdf"


def test_a_second_error_keeps_the_same_file_without_storing_it_again():
    token = token_in(str(shown_again()["file"]))
    stored = default_storage.listdir(KEPT_FOLDER)[1]
    form = NamedFileForm({"title": "", "file-kept": token}, {}, uploader=User(7))
    assert not form.is_valid()
    assert token_in(str(form["file"])) == token
    assert default_storage.listdir(KEPT_FOLDER)[1] == stored


def test_another_user_or_a_changed_token_gets_nothing():
    token = token_in(str(shown_again(User(7))["file"]))
    for data, user in (
        ({"title": "Plan", "file-kept": token}, User(8)),
        ({"title": "Plan", "file-kept": token}, None),
        ({"title": "Plan", "file-kept": token[:-2] + "xx"}, User(7)),
    ):
        form = NamedFileForm(data, {}, uploader=user)
        assert not form.is_valid()
        assert form.errors["file"] == ["This field is required."]


def test_a_token_older_than_a_day_is_refused(monkeypatch):
    token = token_in(str(shown_again()["file"]))
    assert take_back(token, owner_id=7) is not None
    later = timezone.now().timestamp() + kept_uploads.KEPT_FOR.total_seconds() + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert take_back(token, owner_id=7) is None


def test_a_file_with_its_own_error_is_not_kept():
    form = NamedFileForm(
        {"title": ""}, {"file": SimpleUploadedFile("e.pdf", b"")}, uploader=User(7)
    )
    assert not form.is_valid() and "file" in form.errors
    assert form.fields["file"].widget.kept is None
    assert "file-kept" not in str(form["file"])


def test_a_refusal_after_a_valid_form_keeps_the_file_unless_it_names_the_file():
    form = NamedFileForm({"title": "Plan"}, {"file": pdf()}, uploader=User(7))
    assert form.is_valid()
    form.add_error("title", "This title is taken.")  # a service's refusal (apply_domain_error)
    assert form.fields["file"].widget.kept is not None
    form.add_error("file", "This file is refused.")
    assert form.fields["file"].widget.kept is None


def test_without_an_uploader_nothing_is_kept():
    form = NamedFileForm({"title": ""}, {"file": pdf()})
    assert not form.is_valid()
    assert form.fields["file"].widget.kept is None
    assert not default_storage.exists(KEPT_FOLDER)


def test_a_storage_failure_shows_the_form_without_the_file(monkeypatch, caplog):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)
    form = shown_again()
    assert form.fields["file"].widget.kept is None
    assert "file-kept" not in str(form["file"])
    assert "could not be kept" in caplog.text


def test_purge_deletes_only_what_is_a_day_old():
    old_token = token_in(str(shown_again()["file"]))
    new_token = token_in(str(shown_again()["file"]))
    assert old_token != new_token
    assert kept_uploads.purge_kept_uploads() == 0
    in_a_day = timezone.now() + kept_uploads.KEPT_FOR + datetime.timedelta(minutes=1)
    assert kept_uploads.purge_kept_uploads(now=in_a_day) == 2
    assert default_storage.listdir(KEPT_FOLDER)[1] == []
    assert kept_uploads.purge_kept_uploads() == 0


def test_purge_with_nothing_kept_yet():
    assert kept_uploads.purge_kept_uploads() == 0


def test_the_purge_runs_hourly_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-kept-uploads"]
    assert entry["task"] == "core.purge_kept_uploads"
    from core.tasks import task_purge_kept_uploads

    shown_again()
    assert task_purge_kept_uploads.run() == 0


def _portal_form_classes():
    """Every form class defined in a module of the portal's apps (not in libraries)."""
    import importlib
    import pkgutil
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings

    # The portal's own apps: those whose package sits in the project's folder.
    portal = [c.name for c in apps.get_app_configs() if Path(c.path).parent == settings.BASE_DIR]
    assert "applications" in portal and "axes" not in portal
    for app in portal:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _name, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                    yield value


def test_every_form_with_a_file_keeps_it():
    with_files = [
        form
        for form in _portal_form_classes()
        if any(isinstance(f, forms.FileField) for f in form.base_fields.values())
    ]
    assert len(with_files) >= 6  # documents, requirements, materials, deliverables, funding
    assert [form for form in with_files if not issubclass(form, KeepsUploads)] == []


def test_the_kept_file_is_opened_once_per_form(monkeypatch):
    token = token_in(str(shown_again()["file"]))
    opened = []
    real_open = default_storage.open
    monkeypatch.setattr(
        default_storage, "open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k)
    )
    form = NamedFileForm({"title": "", "file-kept": token}, {}, uploader=User(7))
    assert not form.is_valid()
    form.has_changed()
    str(form["file"])
    assert len(opened) == 1


def test_a_file_the_site_would_refuse_is_refused_at_once_and_not_kept():
    """Only a file that passes the site's upload checks (type by content, size) is kept: junk
    sent with a wrong field again and again filled the storage before."""
    form = NamedFileForm(
        {"title": ""},
        {"file": SimpleUploadedFile("page.html", b"<html><script>x</script>", "text/html")},
        uploader=User(7),
    )
    assert not form.is_valid()
    assert form.fields["file"].widget.kept is None
    assert form.errors["file"]  # said next to the file, with the title's own error
    assert kept_uploads.kept_count(7) == 0


def test_a_user_keeps_at_most_a_few_files(monkeypatch):
    monkeypatch.setattr(kept_uploads, "MAX_KEPT_PER_USER", 2)
    for _ in range(3):
        shown_again(User(8))
    assert kept_uploads.kept_count(8) == 2
    assert shown_again(User(8)).fields["file"].widget.kept is None
    assert shown_again(User(9)).fields["file"].widget.kept is not None  # others still keep
