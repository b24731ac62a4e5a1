"""Two tabs (or two colleagues) editing the same section no longer overwrite each other.

The section form carries the application's version and a token of the open form; a save based
on a version of the section that someone else has changed since is refused: the page shows
their version read-only with a message at the top and keeps what the user typed; the autosave
says so instead of overwriting; the API answers 409 with the current version.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import Application, Document
from tests.api.conftest import client_for
from tests.conftest import login
from tests.factories import UserFactory
from tests.factories.applications import pdf_upload

pytestmark = pytest.mark.django_db


def section_url(application, section="project"):
    return reverse("applications:section", kwargs={"pk": application.pk, "section": section})


def project_data(title: str, **extra) -> dict:
    return {
        "title": title,
        "summary": "Summary",
        "objectives": "Objectives",
        "outputs": "",
        "requested_deliverable": "feasibility_study",
        "save": "1",
        **extra,
    }


def open_form(client: Client, application, section="project") -> dict:
    """What the page's hidden fields hold for this open form (version and edit token)."""
    body = client.get(section_url(application, section)).content.decode()
    version = re.search(r'name="version" value="(\d+)"', body)
    token = re.search(r'name="edit_token" value="([0-9a-f]+)"', body)
    assert version and token, "the section form carries its version and edit token"
    return {"version": version.group(1), "edit_token": token.group(1)}


@pytest.fixture
def colleague(complete_draft, role_groups):
    """Another member of the applicant organisation (the second tab is often a colleague)."""
    return UserFactory(email="colleague@klang.gov.my", organizations=[complete_draft.organization])


def test_locking_second_tab_save_is_refused_with_both_versions_shown(
    client, complete_draft, colleague
):
    login(client, complete_draft.created_by)
    tab_a = open_form(client, complete_draft)
    other = login(Client(), colleague)
    tab_b = open_form(other, complete_draft)
    assert tab_a["version"] == tab_b["version"]

    first = other.post(section_url(complete_draft), project_data("Their title", **tab_b))
    assert first.status_code == 302

    response = client.post(section_url(complete_draft), project_data("My title", **tab_a))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this section at" in body
    assert "Their version is shown below; your text is kept in the form." in body
    # Their version, read-only, and mine still in the field.
    assert "<dd>Their title</dd>" in body
    assert 'value="My title"' in body
    complete_draft.refresh_from_db()
    assert complete_draft.title == "Their title"
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert f'name="version" value="{complete_draft.version}"' in body
    again = client.post(
        section_url(complete_draft),
        project_data("My title", version=complete_draft.version, edit_token=tab_a["edit_token"]),
    )
    assert again.status_code == 302
    complete_draft.refresh_from_db()
    assert complete_draft.title == "My title"


def test_locking_different_sections_do_not_conflict(client, complete_draft, colleague):
    login(client, complete_draft.created_by)
    tab_a = open_form(client, complete_draft, "project")
    other = login(Client(), colleague)
    tab_b = open_form(other, complete_draft, "applicant")
    response = other.post(
        section_url(complete_draft, "applicant"),
        {"contact_name": "Colleague", "contact_email": "colleague@klang.gov.my", **tab_b},
    )
    assert response.status_code == 302
    response = client.post(section_url(complete_draft), project_data("My title", **tab_a))
    assert response.status_code == 302
    complete_draft.refresh_from_db()
    assert (complete_draft.title, complete_draft.contact_name) == ("My title", "Colleague")


def test_locking_own_autosave_then_save_is_not_a_conflict(client, complete_draft):
    """The autosave still on its way when "Save" is pressed: same open form, no conflict."""
    login(client, complete_draft.created_by)
    tab = open_form(client, complete_draft)
    autosave = client.post(
        section_url(complete_draft), project_data("Half typed", **tab), HTTP_HX_REQUEST="true"
    )
    assert autosave.status_code == 200
    assert "Saved automatically" in autosave.content.decode()
    # The save carries the version the page had before the autosave answered.
    response = client.post(section_url(complete_draft), project_data("Fully typed", **tab))
    assert response.status_code == 302
    complete_draft.refresh_from_db()
    assert complete_draft.title == "Fully typed"


def test_locking_autosave_answers_its_new_version_out_of_band(client, complete_draft):
    login(client, complete_draft.created_by)
    tab = open_form(client, complete_draft)
    autosave = client.post(
        section_url(complete_draft), project_data("Typed", **tab), HTTP_HX_REQUEST="true"
    )
    complete_draft.refresh_from_db()
    body = autosave.content.decode()
    assert re.search(
        rf'<input type="hidden" name="version" id="id_version" value="{complete_draft.version}"'
        r' hx-swap-oob="true">',
        body,
    )
    assert complete_draft.version == int(tab["version"]) + 1


def test_locking_autosave_after_someone_elses_change_does_not_overwrite(
    client, complete_draft, colleague
):
    login(client, complete_draft.created_by)
    tab_a = open_form(client, complete_draft)
    other = login(Client(), colleague)
    other.post(
        section_url(complete_draft), project_data("Their title", **open_form(other, complete_draft))
    )
    autosave = client.post(
        section_url(complete_draft), project_data("Mine", **tab_a), HTTP_HX_REQUEST="true"
    )
    assert autosave.status_code == 200  # htmx swaps only 2xx answers
    body = autosave.content.decode()
    assert "Not saved: someone else changed this section at" in body
    assert "hx-swap-oob" not in body  # the form keeps its old version: no silent overwrite
    complete_draft.refresh_from_db()
    assert complete_draft.title == "Their title"


def test_locking_same_values_twice_is_not_a_conflict(complete_draft, colleague):
    """A form sent twice (a retry) meets its own values: nothing to protect."""
    base = complete_draft.version
    data = {"title": "Same", "summary": "S"}
    services.save_application_section(
        application=complete_draft, section="project", data=data, actor=colleague, base_version=base
    )
    saved = services.save_application_section(
        application=complete_draft,
        section="project",
        data=data,
        actor=complete_draft.created_by,
        base_version=base,
    )
    assert saved.version == base + 2


def test_locking_service_conflict_writes_nothing(complete_draft, colleague):
    base = complete_draft.version
    services.save_application_section(
        application=complete_draft,
        section="project",
        data={"title": "Theirs"},
        actor=colleague,
        base_version=base,
        edit_token="b" * 32,
    )
    with pytest.raises(services.EditConflict) as raised:
        services.save_application_section(
            application=complete_draft,
            section="project",
            data={"title": "Mine"},
            actor=complete_draft.created_by,
            base_version=base,
            edit_token="a" * 32,
        )
    assert raised.value.version == base + 1
    assert raised.value.code == "edit_conflict"
    complete_draft.refresh_from_db()
    assert (complete_draft.title, complete_draft.version) == ("Theirs", base + 1)


def test_locking_write_is_conditional_on_the_version_read(complete_draft, monkeypatch):
    """The UPDATE … WHERE version = <read> refuses a save when the row moved after the read
    (SQLite has no row lock): simulated by a concurrent bump between the read and the write."""
    real_update = services.Application.objects.filter

    def racing_filter(*args, **kwargs):
        if "version" in kwargs:
            Application.objects.filter(pk=complete_draft.pk).update(version=kwargs["version"] + 5)
        return real_update(*args, **kwargs)

    monkeypatch.setattr(services.Application.objects, "filter", racing_filter)
    with pytest.raises(services.EditConflict):
        services.save_application_section(
            application=complete_draft,
            section="project",
            data={"title": "Lost?"},
            actor=complete_draft.created_by,
            base_version=complete_draft.version,
        )
    monkeypatch.undo()
    complete_draft.refresh_from_db()
    assert complete_draft.title != "Lost?"


# --- API ------------------------------------------------------------------------------------


def api_detail(application):
    return reverse("api:application-detail", kwargs={"pk": application.pk})


def test_locking_api_patch_with_stale_version_is_409_with_current_version(
    complete_draft, colleague
):
    api = client_for(complete_draft.created_by)
    version = api.get(api_detail(complete_draft)).json()["version"]
    assert (
        api.patch(
            api_detail(complete_draft), {"title": "First", "version": version}, format="json"
        ).status_code
        == 200
    )
    stale = client_for(colleague).patch(
        api_detail(complete_draft), {"title": "Second", "version": version}, format="json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "edit_conflict"
    assert body["version"] == version + 1
    assert body["section"] == "project"
    complete_draft.refresh_from_db()
    assert complete_draft.title == "First"
    fresh = client_for(colleague).patch(
        api_detail(complete_draft), {"title": "Second", "version": body["version"]}, format="json"
    )
    assert fresh.status_code == 200
    assert fresh.json()["version"] == version + 2


def test_locking_api_patch_of_two_sections_is_all_or_nothing(complete_draft, colleague):
    api = client_for(complete_draft.created_by)
    version = api.get(api_detail(complete_draft)).json()["version"]
    client_for(colleague).patch(
        api_detail(complete_draft), {"summary": "Theirs", "version": version}, format="json"
    )
    response = api.patch(
        api_detail(complete_draft),
        {"contact_name": "Mine", "title": "Mine", "version": version},
        format="json",
    )
    assert response.status_code == 409
    complete_draft.refresh_from_db()
    assert complete_draft.contact_name != "Mine"  # the applicant section rolled back too


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
def test_locking_two_concurrent_saves_one_wins_one_conflicts(complete_draft, colleague):
    base = complete_draft.version

    def save(actor, title):
        try:
            services.save_application_section(
                application=complete_draft,
                section="project",
                data={"title": title},
                actor=actor,
                base_version=base,
                edit_token=title,
            )
            return "saved"
        except services.EditConflict:
            return "conflict"
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(
            pool.map(lambda args: save(*args), [(complete_draft.created_by, "A"), (colleague, "B")])
        )
    assert outcomes == ["conflict", "saved"]


# --- Documents: a stale upload never replaces a colleague's newer document ----------------------


def _upload_form_inputs(html: str) -> dict:
    """The hidden inputs of the documents page's upload form (the documents it saw, a kept file)."""
    form = html[html.index('enctype="multipart/form-data"') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_locking_stale_upload_is_refused_and_the_chosen_file_kept(
    client, complete_draft, colleague
):
    """The colleague opens the documents page; the owner then uploads a new letter of intent;
    the colleague, from the page as it was, uploads theirs: refused (409) next to the
    document's field, the owner's file stays and is listed, the colleague's file is kept, and
    sending the form again replaces the owner's on purpose."""
    kind = Document.Kind.LETTER_OF_INTENT
    url = section_url(complete_draft, "documents")
    login(client, colleague)
    seen = _upload_form_inputs(client.get(url).content.decode())
    newer = services.upload_document(
        application=complete_draft,
        kind=kind,
        uploaded_file=pdf_upload("A-final.pdf"),
        actor=complete_draft.created_by,
    )

    refused = client.post(url, {**seen, "kind": kind, "file": pdf_upload("B-old.pdf")})

    assert refused.status_code == 409
    assert Document.objects.filter(pk=newer.pk).exists()
    body = refused.content.decode()
    assert "A-final.pdf" in body  # theirs, read again
    assert re.search(r'id="id_kind-error">Someone else uploaded this document at \d\d:\d\d', body)
    assert "Kept from your last try: <strong>B-old.pdf</strong>" in body

    again = client.post(url, {**_upload_form_inputs(body), "kind": kind})
    assert again.status_code == 302
    (letter,) = complete_draft.documents.filter(kind=kind)
    assert letter.original_name == "B-old.pdf"


def test_locking_upload_of_a_kind_nobody_changed_goes_through(client, complete_draft, colleague):
    """Another kind uploaded in between is no conflict: only the document replaced counts."""
    url = section_url(complete_draft, "documents")
    login(client, colleague)
    seen = _upload_form_inputs(client.get(url).content.decode())
    services.upload_document(
        application=complete_draft,
        kind=Document.Kind.SITE_MAP,
        uploaded_file=pdf_upload("map.pdf"),
        actor=complete_draft.created_by,
    )
    response = client.post(
        url, {**seen, "kind": Document.Kind.LETTER_OF_INTENT, "file": pdf_upload("letter.pdf")}
    )
    assert response.status_code == 302
    assert complete_draft.documents.get(kind=Document.Kind.LETTER_OF_INTENT).original_name == (
        "letter.pdf"
    )


def test_locking_api_upload_over_a_newer_document_is_409(complete_draft, colleague):
    kind = Document.Kind.LETTER_OF_INTENT
    api = client_for(colleague)
    url = reverse("api:application-documents", kwargs={"pk": complete_draft.pk})
    listed = api.get(url).json()
    seen = next((d["id"] for d in listed if d["kind"] == kind), "")
    services.upload_document(
        application=complete_draft,
        kind=kind,
        uploaded_file=pdf_upload("A-final.pdf"),
        actor=complete_draft.created_by,
    )

    stale = api.post(
        url, {"kind": kind, "file": pdf_upload("B.pdf"), "replaces": seen}, format="multipart"
    )

    assert stale.status_code == 409, stale.content
    assert (stale.json()["code"], stale.json()["section"]) == ("edit_conflict", "documents")
    assert [d.original_name for d in complete_draft.documents.filter(kind=kind)] == ["A-final.pdf"]
    current = next(d["id"] for d in api.get(url).json() if d["kind"] == kind)
    fresh = api.post(
        url, {"kind": kind, "file": pdf_upload("B.pdf"), "replaces": current}, format="multipart"
    )
    assert fresh.status_code == 201, fresh.content
