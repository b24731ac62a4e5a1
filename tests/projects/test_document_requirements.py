"""Documents required per track, configured by staff (issue 14): the applicant's upload is
checked against the configured formats and size, with the message next to the file field;
a missing required document is named as staff named it; templates are served to whoever may
see the call; the data migration turns the old lists into requirements; only the track's
staff configure them, and a kind applicants already submitted cannot be removed."""

import importlib
import io
import json
import zipfile

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_events_for
from applications import selectors as application_selectors
from applications import services as application_services
from core.domain import DomainError
from projects import selectors, services
from projects.models import Call, DocumentRequirement, Track
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CityFactory,
    CountryFactory,
    DocumentFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def draft(applicant, planning_track):
    """A draft of the planning track with everything but its documents."""
    applicant.email_verified_at = timezone.now()
    applicant.save(update_fields=["email_verified_at"])
    country = CountryFactory()
    return ApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
        country=country,
        city=CityFactory(country=country, name="Klang"),
        budget_requested=400_000_000,
    )


@pytest.fixture
def site_map(planning_track, kind_staff):
    """The planning track asks for a site map as a PNG or JPEG of at most 1 MB."""
    return services.save_document_requirement(
        requirement=DocumentRequirement(
            track=planning_track,
            kind="site_map",
            name="Site map at 1:5,000",
            name_ko="1:5,000 대상지 지도",
            formats=["png", "jpeg"],
            max_size_mb=1,
        ),
        actor=kind_staff,
    )


def _upload_page(client, application, kind, file):
    client.force_login(application.created_by)
    url = reverse("applications:section", kwargs={"pk": application.pk, "section": "documents"})
    return client.post(url, {"kind": kind, "file": file})


# --- The applicant's upload ----------------------------------------------------------------------


def test_upload_of_a_format_the_track_does_not_accept_is_refused_next_to_the_field(
    client, draft, site_map
):
    response = _upload_page(client, draft, "site_map", upload("map.pdf", PDF))
    assert response.status_code == 400
    body = response.content.decode()
    error = body.split('id="id_file-error"', 1)[1].split("</p>", 1)[0]
    assert "this document must be PNG / JPEG" in error
    assert not draft.documents.exists()


def test_upload_above_the_requirement_size_is_refused_next_to_the_field(client, draft, site_map):
    big = PNG + b"\x00" * (1024 * 1024)
    response = _upload_page(client, draft, "site_map", upload("map.png", big))
    assert response.status_code == 400
    error = response.content.decode().split('id="id_file-error"', 1)[1].split("</p>", 1)[0]
    assert "the limit is 1.0\xa0MB" in error
    assert not draft.documents.exists()


def test_upload_of_a_configured_format_is_stored(draft, site_map):
    document = application_services.upload_document(
        application=draft,
        kind="site_map",
        uploaded_file=upload("map.png", PNG),
        actor=draft.created_by,
    )
    assert (document.kind, document.content_type) == ("site_map", "image/png")


def test_a_kind_the_track_does_not_ask_for_keeps_the_site_defaults(draft, site_map):
    document = application_services.upload_document(
        application=draft,
        kind="budget_sheet",
        uploaded_file=upload("b.pdf", PDF),
        actor=draft.created_by,
    )
    assert document.content_type == "application/pdf"


def test_documents_page_shows_the_configured_names_formats_and_size(client, draft, site_map):
    client.force_login(draft.created_by)
    url = reverse("applications:section", kwargs={"pk": draft.pk, "section": "documents"})
    body = client.get(url).content.decode()
    assert "Site map at 1:5,000" in body
    assert "PNG, JPEG; at most 1.0\xa0MB" in body


# --- Completeness ----------------------------------------------------------------------------------


def test_missing_required_document_is_named_on_the_review_page(client, draft, site_map):
    client.force_login(draft.created_by)
    response = client.get(reverse("applications:review", kwargs={"pk": draft.pk}))
    body = response.content.decode()
    assert "Upload the required document: Site map at 1:5,000." in body
    # The track's two listed kinds became requirements when the first one was added.
    assert "Upload the required document: Letter of intent." in body


def test_missing_required_document_is_named_in_korean_for_a_korean_reader(draft, site_map):
    from django.utils import translation

    with translation.override("ko"):
        assert "1:5,000 대상지 지도" in application_selectors.missing_documents(draft)


def test_an_optional_document_does_not_stop_the_submission(draft, site_map, kind_staff):
    for kind in ("letter_of_intent", "concept_paper"):
        DocumentFactory(application=draft, kind=kind)
    assert [p.section for p in application_selectors.submission_problems(draft)] == ["documents"]
    site_map.is_required = False
    services.save_document_requirement(requirement=site_map, actor=kind_staff)
    assert application_selectors.submission_problems(draft) == []


# --- Track.required_documents follows the requirements -------------------------------------------


def test_required_documents_list_follows_adds_reorders_and_optional(
    planning_track, site_map, kind_staff
):
    planning_track.refresh_from_db()
    assert planning_track.required_documents == ["letter_of_intent", "concept_paper", "site_map"]
    services.move_document_requirement(requirement=site_map, up=True, actor=kind_staff)
    planning_track.refresh_from_db()
    assert planning_track.required_documents == ["letter_of_intent", "site_map", "concept_paper"]
    letter = planning_track.document_requirements.get(kind="letter_of_intent")
    letter.is_required = False
    services.save_document_requirement(requirement=letter, actor=kind_staff)
    planning_track.refresh_from_db()
    assert planning_track.required_documents == ["site_map", "concept_paper"]
    actions = [e.action for e in audit_events_for(planning_track)]
    assert actions == [
        "document_requirement_added",
        "document_requirements_reordered",
        "document_requirement_changed",
    ]


def test_the_same_kind_twice_is_refused_next_to_the_kind(planning_track, site_map, kind_staff):
    with pytest.raises(DomainError) as refused:
        services.save_document_requirement(
            requirement=DocumentRequirement(track=planning_track, kind="site_map", name="Map"),
            actor=kind_staff,
        )
    assert refused.value.field == "kind"


def test_a_size_above_the_site_limit_is_refused_on_the_staff_form(
    client, planning_track, kind_staff
):
    client.force_login(kind_staff)
    url = reverse("staff_projects:requirements", kwargs={"track_id": planning_track.pk})
    response = client.post(
        url,
        {
            "kind": "budget_sheet",
            "name": "Budget",
            "formats": ["xlsx"],
            "max_size_mb": "500",
            "is_required": "on",
        },
    )
    assert response.status_code == 400
    error = response.content.decode().split('id="id_max_size_mb-error"', 1)[1].split("</p>", 1)[0]
    assert "The site accepts files of at most 20 MB." in error
    assert not DocumentRequirement.objects.filter(kind="budget_sheet").exists()


def test_staff_add_a_document_with_its_template_on_the_page(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_projects:requirements", kwargs={"track_id": planning_track.pk})
    response = client.post(
        url,
        {
            "kind": "budget_sheet",
            "name": "Budget sheet (template)",
            "name_ko": "예산표(양식)",
            "formats": ["xlsx", "pdf"],
            "max_size_mb": "5",
            "is_required": "on",
            "template_file": upload("budget-form.pdf", PDF),
        },
    )
    assert response.status_code == 302
    added = DocumentRequirement.objects.get(track=planning_track, kind="budget_sheet")
    assert (added.name_ko, added.formats, added.max_size_mb, added.order) == (
        "예산표(양식)",
        ["xlsx", "pdf"],
        5,
        3,
    )
    assert added.template_name == "budget-form.pdf"
    assert not added.template.name.endswith("budget-form.pdf")  # a generated name on disk
    assert (
        audit_events_for(planning_track)
        .filter(action="document_requirement_added", actor=kind_staff)
        .exists()
    )


# --- Removing --------------------------------------------------------------------------------------


def test_removing_a_document_applicants_submitted_is_refused(planning_track, site_map, kind_staff):
    application = SubmittedApplicationFactory(track=planning_track)
    DocumentFactory(application=application, kind="site_map")
    with pytest.raises(DomainError) as refused:
        services.remove_document_requirement(requirement=site_map, actor=kind_staff)
    assert refused.value.code == "documents_submitted"
    assert "Applicants have already submitted" in str(refused.value.message)
    assert DocumentRequirement.objects.filter(pk=site_map.pk).exists()


def test_removing_a_document_only_drafts_carry_is_allowed_and_audited(
    draft, planning_track, site_map, kind_staff
):
    DocumentFactory(application=draft, kind="site_map")
    services.remove_document_requirement(requirement=site_map, actor=kind_staff)
    planning_track.refresh_from_db()
    assert "site_map" not in planning_track.required_documents
    assert audit_events_for(planning_track).filter(action="document_requirement_removed").exists()


def test_removal_refused_on_the_page_says_why(client, planning_track, site_map, kind_staff):
    DocumentFactory(application=SubmittedApplicationFactory(track=planning_track), kind="site_map")
    client.force_login(kind_staff)
    url = reverse("staff_projects:requirement_delete", kwargs={"pk": site_map.pk})
    response = client.post(url, follow=True)
    assert "Applicants have already submitted" in response.content.decode()
    assert DocumentRequirement.objects.filter(pk=site_map.pk).exists()


# --- Who may --------------------------------------------------------------------------------------


def test_other_secretariat_may_not_configure_the_track(
    client, planning_track, site_map, kaia_staff
):
    with pytest.raises(DomainError) as refused:
        services.remove_document_requirement(requirement=site_map, actor=kaia_staff)
    assert refused.value.code == "forbidden"
    client.force_login(kaia_staff)
    pages = [
        reverse("staff_projects:requirements", kwargs={"track_id": planning_track.pk}),
        reverse("staff_projects:requirement_edit", kwargs={"pk": site_map.pk}),
    ]
    for url in pages:
        assert client.get(url).status_code == 403
    before = audit_events_for(planning_track).count()
    for name in ("requirement_move", "requirement_delete"):
        url = reverse(f"staff_projects:{name}", kwargs={"pk": site_map.pk})
        assert client.post(url, {"direction": "up"}).status_code == 403
    assert audit_events_for(planning_track).count() == before
    assert DocumentRequirement.objects.filter(pk=site_map.pk).exists()


def test_track_staff_see_the_documents_page(client, planning_track, site_map, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_projects:requirements", kwargs={"track_id": planning_track.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert "Site map at 1:5,000" in response.content.decode()


# --- Templates -------------------------------------------------------------------------------------


def _with_template(track, actor):
    return services.save_document_requirement(
        requirement=DocumentRequirement(track=track, kind="budget_sheet", name="Budget sheet"),
        actor=actor,
        template=upload("budget.pdf", PDF),
    )


def test_template_of_a_published_call_downloads_for_anyone(client, planning_track, kind_staff):
    requirement = _with_template(planning_track, kind_staff)
    url = reverse(
        "projects:document_template",
        kwargs={"slug": planning_track.call.slug, "pk": requirement.pk},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="budget.pdf"' in response["Content-Disposition"]


def test_template_of_a_draft_call_only_for_its_staff(
    client, kind, kind_staff, kaia_staff, applicant
):
    call = CallFactory(status=Call.Status.DRAFT, slug="next-year")
    track = TrackFactory(call=call, secretariat=kind, code="PL")
    requirement = _with_template(track, kind_staff)
    url = reverse("projects:document_template", kwargs={"slug": call.slug, "pk": requirement.pk})
    assert client.get(url).status_code == 404  # anonymous
    for outsider in (kaia_staff, applicant):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(kind_staff)
    assert client.get(url).status_code == 200


def test_template_under_another_calls_address_is_not_found(client, planning_track, kind_staff):
    requirement = _with_template(planning_track, kind_staff)
    other = CallFactory(slug="another-call")
    url = reverse("projects:document_template", kwargs={"slug": other.slug, "pk": requirement.pk})
    assert client.get(url).status_code == 404


# --- The data migration -----------------------------------------------------------------------------


def test_data_migration_turns_each_tracks_list_into_requirements(kind):
    migration = importlib.import_module("projects.migrations.0006_document_requirements")
    planning = TrackFactory(
        secretariat=kind, required_documents=["letter_of_intent", "site_map", "letter_of_intent"]
    )
    empty = TrackFactory(secretariat=kind, required_documents=[])
    DocumentRequirement.objects.all().delete()

    migration.requirements_from_lists(django_apps, None)

    rows = list(planning.document_requirements.order_by("order"))
    assert [(r.kind, r.name, r.name_ko, r.is_required, r.max_size_mb) for r in rows] == [
        ("letter_of_intent", "Letter of intent", "참여의향서", True, None),
        ("site_map", "Site map", "대상지 지도", True, None),
    ]
    assert all(r.formats == ["pdf", "docx", "xlsx", "png", "jpeg"] for r in rows)
    assert not empty.document_requirements.exists()
    # The applicant is asked for exactly what the list asked for.
    assert selectors.required_document_kinds(Track.objects.get(pk=planning.pk)) == [
        "letter_of_intent",
        "site_map",
    ]
    migration.remove_requirements(django_apps, None)
    assert not DocumentRequirement.objects.exists()


def test_a_track_made_with_a_list_only_asks_for_it_with_the_kinds_names(planning_track):
    requirements = selectors.document_requirements(planning_track)
    assert [(r.kind, r.name, r.name_ko, r.pk) for r in requirements] == [
        ("letter_of_intent", "Letter of intent", "참여의향서", None),
        ("concept_paper", "Project concept paper", "사업 개념서", None),
    ]


# --- Documents of the track's own ----------------------------------------------------------------


def _add_own(client, track, name, name_ko=""):
    url = reverse("staff_projects:requirements", kwargs={"track_id": track.pk})
    return client.post(
        url,
        {"kind": "own", "name": name, "name_ko": name_ko, "formats": ["pdf"], "is_required": "on"},
    )


def test_staff_ask_for_two_documents_no_list_names_each_under_its_own_key(
    client, planning_track, kind_staff
):
    client.force_login(kind_staff)
    assert (
        _add_own(client, planning_track, "Environmental statement", "환경 성명서").status_code
        == 302
    )
    assert _add_own(client, planning_track, "Letter of support").status_code == 302
    own = DocumentRequirement.objects.filter(track=planning_track, kind__startswith="own-")
    assert sorted(own.values_list("kind", "name")) == [
        ("own-1", "Environmental statement"),
        ("own-2", "Letter of support"),
    ]
    planning_track.refresh_from_db()
    assert planning_track.required_documents[-2:] == ["own-1", "own-2"]
    page = client.get(
        reverse("staff_projects:requirements", kwargs={"track_id": planning_track.pk})
    )
    assert "Own document" in page.content.decode()


def test_a_document_of_the_tracks_own_keeps_its_key_when_edited(planning_track, kind_staff):
    own = services.save_document_requirement(
        requirement=DocumentRequirement(track=planning_track, kind="own", name="Statement"),
        actor=kind_staff,
    )
    own.name = "Environmental statement"
    own.is_required = False
    services.save_document_requirement(requirement=own, actor=kind_staff)
    own.refresh_from_db()
    assert (own.kind, own.name, own.is_required) == ("own-1", "Environmental statement", False)


def test_a_removed_own_kind_that_drafts_still_carry_is_never_given_again(
    draft, planning_track, kind_staff
):
    own = services.save_document_requirement(
        requirement=DocumentRequirement(track=planning_track, kind="own", name="Statement"),
        actor=kind_staff,
    )
    DocumentFactory(application=draft, kind=own.kind)
    services.remove_document_requirement(requirement=own, actor=kind_staff)
    again = services.save_document_requirement(
        requirement=DocumentRequirement(track=planning_track, kind="own", name="Letter"),
        actor=kind_staff,
    )
    assert again.kind == "own-2"
    # The draft's orphaned document is shown as "Other", never under the new name.
    assert draft.documents.get().kind_label == "Other"


def test_applicant_uploads_the_tracks_own_document_named_in_their_language(
    client, draft, planning_track, kind_staff
):
    own = services.save_document_requirement(
        requirement=DocumentRequirement(
            track=planning_track,
            kind="own",
            name="Environmental statement",
            name_ko="환경 성명서",
            formats=["pdf"],
        ),
        actor=kind_staff,
    )
    assert "Upload the required document: Environmental statement." in " ".join(
        str(p.message) for p in application_selectors.submission_problems(draft)
    )
    response = _upload_page(client, draft, own.kind, upload("env.pdf", PDF))
    assert response.status_code == 302
    document = draft.documents.get(kind="own-1")
    assert document.kind_label == "Environmental statement"
    detail = client.get(reverse("applications:detail", kwargs={"pk": draft.pk})).content.decode()
    assert "Environmental statement: <a " in detail and ">env.pdf</a>" in detail
    from django.utils import translation

    with translation.override("ko"):
        assert document.kind_label == "환경 성명서"
    # Its formats are the requirement's: a PNG is refused next to the field.
    refused = _upload_page(client, draft, own.kind, upload("env.png", PNG))
    assert refused.status_code == 400


def test_an_own_kind_the_track_does_not_ask_for_is_refused(draft):
    with pytest.raises(DomainError) as refused:
        application_services.upload_document(
            application=draft,
            kind="own-7",
            uploaded_file=upload("x.pdf", PDF),
            actor=draft.created_by,
        )
    assert refused.value.field == "kind"
    assert not draft.documents.exists()


def test_api_lists_the_tracks_documents_and_takes_an_own_kind(draft, planning_track, kind_staff):
    from rest_framework.test import APIClient

    services.save_document_requirement(
        requirement=DocumentRequirement(
            track=planning_track, kind="own", name="Environmental statement", formats=["pdf"]
        ),
        actor=kind_staff,
    )
    api = APIClient()
    track = api.get(reverse("api:track-detail", kwargs={"pk": planning_track.pk})).json()
    assert {"kind": "own-1", "name": "Environmental statement"}.items() <= track["documents"][
        -1
    ].items()
    api.force_authenticate(draft.created_by)
    url = reverse("api:application-documents", kwargs={"pk": draft.pk})
    created = api.post(url, {"kind": "own-1", "file": upload("env.pdf", PDF)}, format="multipart")
    assert created.status_code == 201, created.content
    assert (created.json()["kind"], created.json()["kind_label"]) == (
        "own-1",
        "Environmental statement",
    )
    refused = api.post(url, {"kind": "own-x", "file": upload("e.pdf", PDF)}, format="multipart")
    assert refused.status_code == 400
    assert "kind" in refused.json()["errors"]


def test_a_copied_call_asks_for_the_same_own_documents(planning_track, kind_staff, programme_admin):
    own = services.save_document_requirement(
        requirement=DocumentRequirement(
            track=planning_track, kind="own", name="Statement", name_ko="성명서"
        ),
        actor=kind_staff,
    )
    new_call = services.copy_call(
        call=planning_track.call,
        actor=programme_admin,
        year=planning_track.call.year + 1,
        slug="next-year",
        name="Next year",
        opens_at=timezone.now() + timezone.timedelta(days=30),
        closes_at=timezone.now() + timezone.timedelta(days=90),
    )
    copied = DocumentRequirement.objects.get(track__call=new_call, kind=own.kind)
    assert (copied.name, copied.name_ko) == ("Statement", "성명서")
    with pytest.raises(DomainError) as refused:  # still one requirement per kind on a track
        services.save_document_requirement(
            requirement=DocumentRequirement(track=planning_track, kind=own.kind, name="Again"),
            actor=kind_staff,
        )
    assert refused.value.field == "kind"


def test_the_personal_data_export_names_an_own_document_as_the_applicant_saw_it(
    draft, planning_track, kind_staff
):
    from accounts.privacy import export_personal_data

    own = services.save_document_requirement(
        requirement=DocumentRequirement(
            track=planning_track, kind="own", name="Environmental statement", formats=["pdf"]
        ),
        actor=kind_staff,
    )
    DocumentFactory(application=draft, kind=own.kind)
    bundle = zipfile.ZipFile(
        io.BytesIO(export_personal_data(user=draft.created_by, actor=draft.created_by))
    )
    rows = json.loads(bundle.read("data.json"))["kinds"]["applications.application"]["rows"]
    [document] = rows[0]["documents"]
    assert (document["kind"], document["kind_label"]) == ("own-1", "Environmental statement")


def test_requirement_form_shown_again_keeps_the_template(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_projects:requirements", kwargs={"track_id": planning_track.pk})
    data = {"kind": "budget_sheet", "name": "", "formats": ["pdf"], "is_required": "on"}
    response = client.post(url, {**data, "template_file": upload("budget-form.pdf", PDF)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kept from your last try: <strong>budget-form.pdf</strong>" in page
    token = page.split('name="template_file-kept" value="', 1)[1].split('"', 1)[0]
    response = client.post(url, {**data, "name": "Budget sheet", "template_file-kept": token})
    assert response.status_code == 302
    added = DocumentRequirement.objects.get(track=planning_track, kind="budget_sheet")
    assert added.template_name == "budget-form.pdf"


def test_documents_pages_warn_once_applications_are_submitted(client, planning_track, kind_staff):
    """A document made required now is not asked of the applications already submitted: the
    staff are told, not refused (they may want it of the drafts and of later stages)."""
    from tests.conftest import login

    requirement = DocumentRequirement.objects.filter(track=planning_track).first() or (
        services.save_document_requirement(
            requirement=DocumentRequirement(
                track=planning_track, kind="site_map", name="Site map", is_required=True
            ),
            actor=kind_staff,
        )
    )
    pages = [
        reverse("staff_projects:requirements", kwargs={"track_id": planning_track.pk}),
        reverse("staff_projects:requirement_edit", kwargs={"pk": requirement.pk}),
    ]
    warning = "2 applications on this track have already been submitted."
    login(client, kind_staff)
    for page in pages:
        assert "already been submitted" not in client.get(page).content.decode()
    SubmittedApplicationFactory.create_batch(2, track=planning_track)
    ApplicationFactory(track=planning_track)  # a draft is asked for it: not counted
    for page in pages:
        assert warning in client.get(page).content.decode()
    assert selectors.submitted_application_count(planning_track) == 2
