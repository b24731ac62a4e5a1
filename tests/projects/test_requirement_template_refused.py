"""A track's document template that the upload checks refuse (a program, a disguised file) is
refused next to the template field, and is not offered again as "kept from your last try"."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import DocumentRequirement

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DATA = {"kind": "budget_sheet", "name": "Budget sheet", "formats": ["pdf"], "is_required": "on"}


def _template_error(page: str) -> str:
    assert 'id="id_template_file-error"' in page, "no error next to the template field"
    return page.split('id="id_template_file-error"', 1)[1].split("</p>", 1)[0]


def _post(client, track, **data):
    url = reverse("staff_projects:requirements", kwargs={"track_id": track.pk})
    return client.post(url, {**DATA, **data})


def test_refused_template_is_shown_next_to_its_field_and_not_kept(
    client, planning_track, kind_staff
):
    client.force_login(kind_staff)
    exe = SimpleUploadedFile("setup.exe", EXE, content_type="application/octet-stream")
    response = _post(client, planning_track, template_file=exe)
    assert response.status_code == 400
    page = response.content.decode()
    assert "not an allowed file" in _template_error(page)
    assert "Kept from your last try" not in page and 'name="template_file-kept"' not in page
    assert not DocumentRequirement.objects.filter(track=planning_track).exists()


def test_refused_template_is_not_kept_when_another_field_is_wrong_too(
    client, planning_track, kind_staff
):
    """The template is checked with the form: a program is not kept while the name is missing,
    only to be refused on the next try."""
    client.force_login(kind_staff)
    exe = SimpleUploadedFile("budget.pdf", EXE, content_type="application/pdf")
    response = _post(client, planning_track, name="", template_file=exe)
    assert response.status_code == 400
    page = response.content.decode()
    assert "not an allowed file" in _template_error(page)
    assert "Kept from your last try" not in page


def test_good_template_is_still_kept_when_another_field_is_wrong(
    client, planning_track, kind_staff
):
    client.force_login(kind_staff)
    pdf = SimpleUploadedFile("budget-form.pdf", PDF, content_type="application/pdf")
    response = _post(client, planning_track, name="", template_file=pdf)
    assert response.status_code == 400
    assert "Kept from your last try: <strong>budget-form.pdf</strong>" in response.content.decode()


def test_template_the_storage_cannot_take_is_refused_next_to_its_field(
    client, planning_track, kind_staff, monkeypatch
):
    """The service's own refusals of the file (named "file", as for any upload) land on the
    template's field too."""
    from core.uploads import StorageUnavailable
    from projects import services

    def full_disk(*args, **kwargs):
        raise StorageUnavailable("The file could not be stored.", field="file")

    monkeypatch.setattr(services, "store_upload", full_disk)
    client.force_login(kind_staff)
    pdf = SimpleUploadedFile("budget-form.pdf", PDF, content_type="application/pdf")
    response = _post(client, planning_track, template_file=pdf)
    assert response.status_code == 400
    assert "could not be stored" in _template_error(response.content.decode())
