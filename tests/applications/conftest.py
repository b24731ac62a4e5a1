"""Fixtures for the applicant-side tests: a verified applicant with a complete draft."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import ApplicationFactory, CityFactory, CountryFactory, DocumentFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def verified_applicant(applicant):
    applicant.email_verified_at = timezone.now()
    applicant.save(update_fields=["email_verified_at"])
    return applicant


@pytest.fixture
def complete_draft(verified_applicant, planning_track):
    """A draft with every section filled and the required documents uploaded."""
    country = CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    city = CityFactory(country=country, name="Klang")
    application = ApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        created_by=verified_applicant,
        country=country,
        city=city,
        budget_requested=400_000_000,
    )
    for kind in planning_track.required_documents:
        DocumentFactory(application=application, kind=kind)
    return application
