"""“New call from this one” copies each document template into a file of its own: it read the
source's file unguarded, so a storage that cannot be read (the bucket down, a disk error) or a
template file gone from it answered the programme admin with a 500. The copy must be refused on
the form with the reason, leaving nothing, as a failed write already was."""

import errno
import os

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from projects.models import Call, DocumentRequirement

pytestmark = pytest.mark.django_db

FORM = {
    "year": "2027",
    "slug": "k-city-2027",
    "name": "K-City Network 2027",
    "name_ko": "",
    "opens_at": "2027-03-02T10:00",
    "closes_at": "2027-05-02T18:00",
}


def _post(client, call, admin):
    client.force_login(admin)
    client.raise_request_exception = False
    return client.post(reverse("staff_projects:call_copy", kwargs={"call_id": call.pk}), FORM)


def test_storage_unreadable_refuses_the_copy_on_the_form(
    client, last_year, programme_admin, monkeypatch
):
    def _open(self, name, mode="rb"):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(FileSystemStorage, "_open", _open)
    response = _post(client, last_year, programme_admin)
    assert response.status_code == 400
    page = response.content.decode()
    assert "could not be read from the server" in page
    assert "Budget sheet" in page
    assert not Call.objects.filter(slug="k-city-2027").exists()


def test_template_file_gone_refuses_the_copy_naming_it(client, last_year, programme_admin):
    sheet = DocumentRequirement.objects.get(track__call=last_year, kind="budget_sheet")
    sheet.template.storage.delete(sheet.template.name)
    response = _post(client, last_year, programme_admin)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Budget sheet" in page and "no longer" in page
    assert not Call.objects.filter(slug="k-city-2027").exists()
