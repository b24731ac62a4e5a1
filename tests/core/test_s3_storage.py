"""Documents on S3-compatible object storage: the real paths against an S3 server started here.

moto's server (``moto.server.ThreadedMotoServer``) runs in a thread on a free port and speaks
the S3 API over HTTP, as MinIO does in docker-compose.yml; each test gets an empty bucket of
its own and ``STORAGES["default"]`` pointing at it, built by the same
``core.storage.s3_storage_config`` as the settings. Then the doors themselves run: an
application document uploaded through the page, downloaded by its owner and refused to
others, a deliverable and a document template downloaded, the data-export ZIP, the
document's removal and the retention job deleting objects, a bucket that refuses the write,
the readiness check, and ``manage.py move_files_to_bucket``.
"""

import datetime
import hashlib
import io
import uuid
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer

from accounts import privacy
from applications import services as application_services
from applications.models import Application, Document
from awards.contractor_selection import submit_deliverable
from core import health
from core.management.commands.move_files_to_bucket import stored_file_names
from core.storage import file_sha256, is_local, s3_storage_config
from core.uploads import StorageUnavailable, store_upload
from projects import services as project_services
from projects.models import DocumentRequirement
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    DeliverableFactory,
    DocumentFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from tests.factories.applications import PDF_BYTES, pdf_upload
from tests.kcity.test_production_settings import _run as run_production

pytestmark = pytest.mark.django_db

REGION = "us-east-1"
# A PDF with a body of its own, so a download that returned another file would show.
LETTER = b"%PDF-1.4\n% letter of intent, Klang\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3-compatible server on a free port of 127.0.0.1, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Bucket:
    """The test's bucket, read directly with boto3 (not through the portal's storage)."""

    def __init__(self, endpoint: str, name: str):
        self.name = name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def keys(self) -> set[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in listing.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=body)

    def has(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
                return False
            raise
        return True


def _storage_settings(settings, endpoint: str, bucket: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_config(
            bucket=bucket,
            endpoint_url=endpoint,
            region=REGION,
            access_key="testing",
            secret_key="testing",
        ),
    }


@pytest.fixture
def bucket(s3_endpoint, settings):
    """An empty private bucket of this test's own, and the portal's default storage on it."""
    created = Bucket(s3_endpoint, f"kcity-{uuid.uuid4().hex[:12]}")
    created.client.create_bucket(Bucket=created.name)
    _storage_settings(settings, s3_endpoint, created.name)
    assert not is_local(default_storage)
    return created


def _local_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _streamed(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def draft(applicant, planning_track):
    applicant.email_verified_at = timezone.now()
    applicant.save(update_fields=["email_verified_at"])
    return ApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )


def _upload_through_the_page(client, application) -> Document:
    url = reverse("applications:section", kwargs={"pk": application.pk, "section": "documents"})
    response = client.post(
        url,
        {"kind": "letter_of_intent", "file": ContentFile(LETTER, name="Letter of intent.pdf")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Document.objects.get(application=application, kind="letter_of_intent")


# --- Application documents -----------------------------------------------------------------


def test_uploaded_document_is_a_private_object_in_the_bucket(client, bucket, draft, settings):
    client.force_login(draft.created_by)
    document = _upload_through_the_page(client, draft)
    assert bucket.keys() == {document.file.name}
    assert document.file.name.startswith("applications/")
    assert bucket.read(document.file.name) == LETTER
    assert _local_files(settings) == []  # nothing went to the disk
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=document.file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only
    assert all(grant["Grantee"].get("URI") is None for grant in grants)  # no AllUsers group


def test_owner_downloads_the_same_bytes_through_the_view(client, bucket, draft):
    client.force_login(draft.created_by)
    document = _upload_through_the_page(client, draft)
    response = client.get(reverse("applications:document_download", args=[document.public_id]))
    assert response.status_code == 200  # streamed by Django, not a redirect to the bucket
    assert _streamed(response) == LETTER
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="Letter of intent.pdf"' in response["Content-Disposition"]
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert "Location" not in response


def test_another_applicant_is_refused_the_document(client, bucket, draft, other_applicant):
    client.force_login(draft.created_by)
    document = _upload_through_the_page(client, draft)
    url = reverse("applications:document_download", args=[document.public_id])
    client.force_login(other_applicant)
    response = client.get(url)
    assert response.status_code == 404
    assert LETTER not in response.content
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and bucket.name not in anonymous["Location"]


def test_a_second_upload_of_the_same_name_never_replaces_the_first(bucket, draft):
    first = DocumentFactory(application=draft, kind="other", file=ContentFile(b"1", "a.pdf"))
    second = DocumentFactory(application=draft, kind="other", file=ContentFile(b"2", "a.pdf"))
    assert first.file.name != second.file.name
    assert (bucket.read(first.file.name), bucket.read(second.file.name)) == (b"1", b"2")


def test_removed_document_object_deleted_after_commit(
    client, bucket, draft, django_capture_on_commit_callbacks
):
    client.force_login(draft.created_by)
    document = _upload_through_the_page(client, draft)
    name = document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        application_services.remove_document(document=document, actor=draft.created_by)
    assert not bucket.has(name)


def test_bucket_that_refuses_the_write_is_an_answer_on_the_form(s3_endpoint, settings, draft):
    _storage_settings(settings, s3_endpoint, "kcity-no-such-bucket")
    document = Document(application=draft, kind="other", uploaded_by=draft.created_by)
    with pytest.raises(StorageUnavailable) as refused:
        store_upload(document.file, "upload", pdf_upload())
    assert refused.value.field == "file"
    assert not document.file


# --- Deliverables and document templates ------------------------------------------------------


def test_deliverable_uploaded_and_downloaded_through_the_bucket(
    client, bucket, contracted_project, contractor, kind_staff, other_applicant
):
    deliverable = DeliverableFactory(project=contracted_project)
    client.force_login(contractor)
    response = client.post(
        reverse("awards:deliverable", args=[deliverable.pk]),
        {"action": "upload", "file": ContentFile(LETTER, name="inception-report.pdf")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    deliverable.refresh_from_db()
    assert bucket.read(deliverable.file.name) == LETTER
    url = reverse("awards:deliverable_file", args=[deliverable.pk])
    client.force_login(kind_staff)
    response = client.get(url)
    assert response.status_code == 200
    assert _streamed(response) == LETTER
    assert 'filename="inception-report.pdf"' in response["Content-Disposition"]
    client.force_login(other_applicant)
    refused = client.get(url)
    assert refused.status_code in (403, 404) and LETTER not in refused.content


def test_resubmitted_deliverable_serves_the_new_file_and_names_only_stored_objects(
    client, bucket, contracted_project, contractor, django_capture_on_commit_callbacks
):
    deliverable = DeliverableFactory(
        project=contracted_project, status="returned", file=ContentFile(b"v1", "v1.pdf")
    )
    with django_capture_on_commit_callbacks(execute=True):
        submit_deliverable(deliverable=deliverable, uploaded=pdf_upload("v2.pdf"), actor=contractor)
    deliverable.refresh_from_db()
    assert bucket.read(deliverable.file.name) == PDF_BYTES
    client.force_login(contractor)
    response = client.get(reverse("awards:deliverable_file", args=[deliverable.pk]))
    assert response.status_code == 200 and _streamed(response) == PDF_BYTES
    # Whatever the rows still name (earlier versions included) is in the bucket.
    assert set(stored_file_names()) <= bucket.keys()


def test_document_template_downloads_from_the_bucket(client, bucket, planning_track, kind_staff):
    requirement = project_services.save_document_requirement(
        requirement=DocumentRequirement(track=planning_track, kind="budget_sheet", name="Budget"),
        actor=kind_staff,
        template=ContentFile(LETTER, name="budget.pdf"),
    )
    assert bucket.read(requirement.template.name) == LETTER
    url = reverse(
        "projects:document_template",
        kwargs={"slug": planning_track.call.slug, "pk": requirement.pk},
    )
    response = client.get(url)
    assert response.status_code == 200 and _streamed(response) == LETTER


# --- Personal data: the export ZIP and retention ------------------------------------------------


def test_data_export_zip_holds_the_documents_from_the_bucket(client, bucket, draft):
    client.force_login(draft.created_by)
    document = _upload_through_the_page(client, draft)
    response = client.post(reverse("accounts:my_data_download"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist() if name != "data.json"}
    assert list(files.values()) == [LETTER]
    assert document.original_name in next(iter(files))


def test_retention_deletes_the_objects_of_anonymised_applications(
    bucket, django_capture_on_commit_callbacks
):
    closed = timezone.now() - datetime.timedelta(days=6 * 366)
    old = TrackFactory(
        call=CallFactory(opens_at=closed - datetime.timedelta(days=60), closes_at=closed)
    )
    rejected = SubmittedApplicationFactory(track=old, status=Application.Status.REJECTED)
    current = SubmittedApplicationFactory()
    gone = DocumentFactory(application=rejected).file.name
    kept = DocumentFactory(application=current).file.name
    assert bucket.keys() == {gone, kept}
    with django_capture_on_commit_callbacks(execute=True):
        counts = privacy.apply_retention()
    assert counts["applications.application"] == 1
    assert bucket.keys() == {kept}


# --- The readiness check ---------------------------------------------------------------------


def test_readiness_writes_to_the_bucket_and_leaves_nothing(bucket):
    result = next(r for r in health.run_checks() if r.name == "storage")
    assert (result.ok, result.detail) == (True, "bucket writable")
    assert bucket.keys() == set()


def test_readiness_fails_when_the_bucket_is_missing(s3_endpoint, settings):
    _storage_settings(settings, s3_endpoint, "kcity-never-created")
    result = next(r for r in health.run_checks() if r.name == "storage")
    assert result.ok is False and "NoSuchBucket" in result.detail


# --- manage.py move_files_to_bucket ----------------------------------------------------------


@pytest.fixture
def files_on_disk(settings, draft, contracted_project):
    """Documents, a deliverable and a template stored on the local disk, as before the move."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    documents = [
        DocumentFactory(application=draft, kind="other", file=ContentFile(LETTER, "a.pdf")),
        DocumentFactory(application=draft, kind="site_map", file=ContentFile(b"%PDF map", "m.pdf")),
    ]
    deliverable = DeliverableFactory(project=contracted_project, file=ContentFile(b"rep", "r.pdf"))
    names = [d.file.name for d in documents] + [deliverable.file.name]
    disk = FileSystemStorage(location=settings.MEDIA_ROOT)
    return {name: file_sha256(disk, name) for name in names}


def _move(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("move_files_to_bucket", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_move_copies_every_file_with_the_same_checksum(files_on_disk, s3_endpoint, settings):
    target = Bucket(s3_endpoint, f"kcity-{uuid.uuid4().hex[:12]}")
    target.client.create_bucket(Bucket=target.name)
    _storage_settings(settings, s3_endpoint, target.name)
    out, err = _move()
    assert out.startswith("copied 3 (") and "already in the bucket 0" in out, out
    assert "missing 0, failed 0 (of 3 files)" in out and err == ""
    assert target.keys() == set(files_on_disk)
    for name, sha in files_on_disk.items():
        assert hashlib.sha256(target.read(name)).hexdigest() == sha


def test_move_again_skips_what_is_there(files_on_disk, bucket):
    _move()
    out, _err = _move()
    assert out.startswith("copied 0 (0") and "already in the bucket 3" in out, out


def test_move_dry_run_writes_nothing(files_on_disk, bucket):
    out, _err = _move("--dry-run")
    assert out.startswith("would copy 3 (") and "failed 0" in out, out
    assert bucket.keys() == set()


def test_move_never_overwrites_different_content(files_on_disk, bucket):
    name = next(iter(files_on_disk))
    bucket.put(name, b"something else")
    with pytest.raises(CommandError, match="1 file"):
        _move()
    assert bucket.read(name) == b"something else"
    assert bucket.keys() == set(files_on_disk)  # the others were copied


def test_move_reports_a_file_lost_from_disk_without_failing(files_on_disk, bucket, settings):
    lost = next(iter(files_on_disk))
    (settings.MEDIA_ROOT / lost).unlink()
    out, err = _move()
    assert "copied 2 (" in out and "missing 1" in out
    assert f"missing: {lost}" in err


def test_after_the_move_the_views_read_the_bucket(client, files_on_disk, bucket, draft, settings):
    _move()
    for path in _local_files(settings):
        path.unlink()  # the portal now reads only the bucket
    document = Document.objects.get(application=draft, kind="other")
    client.force_login(draft.created_by)
    response = client.get(reverse("applications:document_download", args=[document.public_id]))
    assert response.status_code == 200 and _streamed(response) == LETTER


def test_move_refuses_without_a_bucket(settings):
    with pytest.raises(CommandError, match="KCITY_S3_BUCKET"):
        _move()


# --- The settings ------------------------------------------------------------------------------


def test_production_settings_put_documents_in_the_configured_bucket(tmp_path):
    code = """
        import json, django
        from django.conf import settings
        django.setup()
        default = settings.STORAGES["default"]
        options = default.get("OPTIONS", {})
        config = options.get("client_config")
        print(json.dumps({
            "backend": default["BACKEND"],
            "options": {k: v for k, v in options.items() if k != "client_config"},
            "addressing": config.s3 if config else None,
        }))
    """
    local = run_production(tmp_path, code)
    assert local.returncode == 0, local.stderr
    assert '"backend": "django.core.files.storage.FileSystemStorage"' in local.stdout
    result = run_production(
        tmp_path,
        code,
        KCITY_S3_BUCKET="kcity-documents",
        KCITY_S3_ENDPOINT_URL="http://minio:9000",
        KCITY_S3_ACCESS_KEY_ID="portal",
        KCITY_S3_SECRET_ACCESS_KEY="secret",
    )
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["backend"] == "storages.backends.s3.S3Storage"
    options = values["options"]
    assert options["bucket_name"] == "kcity-documents"
    assert options["endpoint_url"] == "http://minio:9000"
    assert (options["access_key"], options["secret_key"]) == ("portal", "secret")
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 300
    assert options["file_overwrite"] is False
    assert values["addressing"] == {"addressing_style": "path"}


def test_a_kept_upload_lives_in_the_bucket_and_is_purged_there(bucket, settings):
    """A file kept for a form shown again (core.kept_uploads) is an object in the bucket,
    taken back with the same bytes, and the purge deletes it there."""
    from core import kept_uploads

    token = kept_uploads.keep(pdf_upload("plan.pdf"), owner_id=5)
    assert token and not _local_files(settings)
    (key,) = [o["Key"] for o in bucket.client.list_objects_v2(Bucket=bucket.name)["Contents"]]
    assert key.startswith("kept-uploads/")
    kept = kept_uploads.take_back(token, owner_id=5)
    assert (kept.name, kept.read()) == ("plan.pdf", PDF_BYTES)
    kept.close()
    assert kept_uploads.purge_kept_uploads() == 0
    later = timezone.now() + kept_uploads.KEPT_FOR + datetime.timedelta(minutes=1)
    assert kept_uploads.purge_kept_uploads(now=later) == 1
    assert bucket.client.list_objects_v2(Bucket=bucket.name).get("KeyCount") == 0
    assert kept_uploads.take_back(token, owner_id=5) is None
