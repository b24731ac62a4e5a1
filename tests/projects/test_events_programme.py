"""Programme events with their projects, participants and materials: the services (who may,
audit rows, upload checks), the public events page and its download door, the staff pages and
the back office."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.audit import audit_events_for
from core.domain import DomainError
from projects import services
from projects.models import Event, EventMaterial, EventParticipant, Project
from tests.factories import CityFactory, OrganizationFactory, ProjectFactory
from tests.factories.applications import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return Event.objects.create(
        kind=Event.Kind.CONFERENCE,
        name="Smart city finance conference",
        name_ko="스마트시티 금융 콘퍼런스",
        partners="World Bank, IDB",
        city=CityFactory(name="Washington"),
        starts_on=datetime.date(2022, 11, 15),
        ends_on=datetime.date(2022, 11, 16),
    )


@pytest.fixture
def kind_project(contracted_project):
    """A project funded on the KIND planning track (``kind_staff`` follow it)."""
    return contracted_project


# --- Services --------------------------------------------------------------------------------


def test_create_event_links_projects_and_audits(programme_admin, kind_project):
    event = services.create_event(
        actor=programme_admin,
        projects=[kind_project],
        kind=Event.Kind.ROAD_SHOW,
        name="Road show in Bogotá",
        partners="IDB",
        starts_on=datetime.date(2022, 9, 5),
        ends_on=datetime.date(2022, 9, 6),
    )
    assert list(event.projects.all()) == [kind_project]
    actions = list(audit_events_for(event).values_list("action", "actor"))
    assert actions == [("created", programme_admin.pk), ("projects", programme_admin.pk)]


def test_staff_link_only_projects_they_follow(event, kind_staff, kaia_staff, kind_project):
    with pytest.raises(DomainError) as exc:
        services.update_event(event=event, actor=kaia_staff, projects=[kind_project])
    assert exc.value.field == "projects" and kind_project.code in str(exc.value)
    assert not event.projects.exists()
    services.update_event(event=event, actor=kind_staff, projects=[kind_project])
    assert list(event.projects.all()) == [kind_project]
    row = audit_events_for(event).get(action="projects")
    assert row.detail == {"old": [], "new": [kind_project.code]}
    # Another secretariat cannot unlink it either.
    with pytest.raises(DomainError):
        services.update_event(event=event, actor=kaia_staff, projects=[])
    assert list(event.projects.all()) == [kind_project]


@pytest.mark.parametrize("who", ["applicant", "reviewer", "contractor"])
def test_only_programme_admins_and_secretariat_staff_record_events(request, event, who):
    user = request.getfixturevalue(who)
    for call in (
        lambda: services.create_event(
            actor=user,
            kind="workshop",
            name="x",
            starts_on=datetime.date(2022, 1, 1),
            ends_on=datetime.date(2022, 1, 1),
        ),
        lambda: services.add_event_participant(event=event, actor=user, name="Guest"),
        lambda: services.add_event_material(
            event=event, actor=user, title="Slides", uploaded=pdf_upload("slides.pdf")
        ),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "forbidden"
    assert Event.objects.count() == 1
    assert not EventParticipant.objects.exists() and not EventMaterial.objects.exists()


def test_add_participant_from_an_organisation_takes_its_name_and_country(
    event, kaia_staff, demonstration_track
):
    from tests.factories import CountryFactory

    korea = CountryFactory(code="KR", iso3="KOR", name="Korea")
    company = OrganizationFactory(name="Hanul Urban Planning", kind="korean_company")
    company.country_code = "KR"
    company.save()
    participant = services.add_event_participant(
        event=event, actor=kaia_staff, organization=company, role="Exhibitor"
    )
    assert (participant.name, participant.country, participant.role) == (
        "Hanul Urban Planning",
        korea,
        "Exhibitor",
    )
    guest = services.add_event_participant(
        event=event, actor=kaia_staff, name="  Ana Ruiz ", role="Speaker, IDB"
    )
    assert guest.name == "Ana Ruiz" and guest.organization is None
    assert audit_events_for(event).filter(action="participant_added").count() == 2


def test_add_participant_needs_a_name_or_an_organisation(event, kind_staff):
    with pytest.raises(DomainError) as exc:
        services.add_event_participant(event=event, actor=kind_staff, name="  ")
    assert exc.value.field == "name"
    assert not EventParticipant.objects.exists()


def test_add_material_checks_the_file_by_its_content(event, kind_staff):
    fake = SimpleUploadedFile("slides.pdf", b"MZ\x90\x00 a program", content_type="application/pdf")
    with pytest.raises(DomainError) as exc:
        services.add_event_material(event=event, actor=kind_staff, title="Slides", uploaded=fake)
    assert exc.value.field == "file"
    with pytest.raises(DomainError) as exc:
        services.add_event_material(
            event=event, actor=kind_staff, title=" ", uploaded=pdf_upload("slides.pdf")
        )
    assert exc.value.field == "title"
    assert not EventMaterial.objects.exists()
    material = services.add_event_material(
        event=event,
        actor=kind_staff,
        title="Financing smart cities",
        title_ko="스마트시티 재원 조달",
        uploaded=pdf_upload("financing.pdf"),
    )
    assert (material.original_name, material.content_type, material.size) == (
        "financing.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert audit_events_for(event).get(action="material_added").actor == kind_staff


def test_remove_material_deletes_its_file_after_commit(
    event, kind_staff, django_capture_on_commit_callbacks
):
    material = services.add_event_material(
        event=event, actor=kind_staff, title="Slides", uploaded=pdf_upload("slides.pdf")
    )
    storage, name = material.file.storage, material.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_event_material(material=material, actor=kind_staff)
    assert not storage.exists(name)
    assert audit_events_for(event).filter(action="material_removed").exists()


# --- The public events page and its download door ------------------------------------------


def _with_everything(event, staff, project):
    services.update_event(event=event, actor=staff, projects=[project])
    services.add_event_participant(event=event, actor=staff, name="Ana Ruiz", role="IDB")
    return services.add_event_material(
        event=event, actor=staff, title="Financing smart cities", uploaded=pdf_upload("fin.pdf")
    )


def test_events_page_shows_partners_projects_participants_and_materials(
    client, event, kind_staff, kind_project
):
    material = _with_everything(event, kind_staff, kind_project)
    body = client.get(reverse("projects:events")).content.decode()
    assert "World Bank, IDB" in body
    assert reverse("projects:project_detail", args=[kind_project.code]) in body
    assert "1 participant" in body and "Ana Ruiz" in body
    assert reverse("projects:event_material", args=[material.pk]) in body


def test_material_downloads_for_anyone(client, event, kind_staff, kind_project):
    material = _with_everything(event, kind_staff, kind_project)
    response = client.get(reverse("projects:event_material", args=[material.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert 'attachment; filename="fin.pdf"' in response["Content-Disposition"]
    assert (
        client.get(reverse("projects:event_material", args=[material.pk + 99])).status_code == 404
    )


def test_events_page_query_count_does_not_grow(
    client, kind_staff, kind_project, django_assert_max_num_queries
):
    def make(n, days_ahead):
        starts = datetime.date.today() + datetime.timedelta(days=days_ahead)
        event = Event.objects.create(
            kind="workshop", name=f"Workshop {n}", starts_on=starts, ends_on=starts
        )
        _with_everything(event, kind_staff, kind_project)

    make(0, -400), make(1, 400)  # one past, one coming up
    # Coming up and past: the events, then their projects, participants and materials.
    with django_assert_max_num_queries(8) as one:
        client.get(reverse("projects:events"))
    for n in range(2, 8):
        make(n, -400 + n if n % 2 else 400 + n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("projects:events"))


# --- The staff pages -------------------------------------------------------------------------


def _event_url(event):
    return reverse("staff_events:event", args=[event.pk])


@pytest.mark.parametrize("who", ["programme_admin", "kind_staff", "kaia_staff"])
def test_staff_event_pages_open_for_staff(client, request, event, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("staff_events:events")).status_code == 200
    assert client.get(_event_url(event)).status_code == 200


@pytest.mark.parametrize("who", ["applicant", "reviewer", "contractor"])
def test_staff_event_pages_refused_to_others(client, request, event, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("staff_events:events")).status_code == 403
    assert client.get(_event_url(event)).status_code == 403
    response = client.post(_event_url(event), {"action": "participant", "name": "Intruder"})
    assert response.status_code == 403
    assert not EventParticipant.objects.exists()


def test_staff_add_participant_and_material_from_the_page(client, event, kind_staff):
    client.force_login(kind_staff)
    response = client.post(
        _event_url(event), {"action": "participant", "name": "Ana Ruiz", "role": "IDB"}
    )
    assert response.status_code == 302
    response = client.post(
        _event_url(event),
        {"action": "material", "title": "Slides", "file": pdf_upload("slides.pdf")},
    )
    assert response.status_code == 302
    assert event.participants.get().name == "Ana Ruiz"
    assert event.materials.get().title == "Slides"
    material = event.materials.get()
    response = client.post(
        _event_url(event), {"action": "remove_material", "material": str(material.pk)}
    )
    assert response.status_code == 302 and not event.materials.exists()


def test_staff_material_form_bad_file_keeps_the_title(client, event, kind_staff):
    client.force_login(kind_staff)
    fake = SimpleUploadedFile("slides.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post(
        _event_url(event), {"action": "material", "title": "Keep me", "file": fake}
    )
    assert response.status_code == 400
    form = response.context["material_form"]
    assert "file" in form.errors
    assert 'value="Keep me"' in response.content.decode()
    assert not EventMaterial.objects.exists()


def test_staff_projects_form_keeps_another_secretariats_links(
    client, event, kind_staff, kaia_staff, kind_project, demonstration_track
):
    services.update_event(event=event, actor=kind_staff, projects=[kind_project])
    theirs = ProjectFactory(track_kind="demonstration", name="Madiun smart water")
    from awards.models import Award
    from tests.factories.results import reviewed_application

    Award.objects.create(
        application=reviewed_application(demonstration_track, status="awarded"),
        project=theirs,
        amount=400_000_000,
    )
    client.force_login(kaia_staff)
    page = client.get(_event_url(event))
    assert "linked by another secretariat" in page.content.decode()
    response = client.post(_event_url(event), {"action": "projects", "projects": [theirs.pk]})
    assert response.status_code == 302
    assert set(event.projects.all()) == {kind_project, theirs}


def test_another_secretariats_project_is_named_only_once_public(
    client, event, kind_staff, kaia_staff, kind_project
):
    """A project KIND linked while its award is only proposed is not read by KAIA's staff on
    the event page: counted, not named, until the public portfolio shows it."""
    services.update_event(event=event, actor=kind_staff, projects=[kind_project])
    Project.objects.filter(pk=kind_project.pk).update(is_public=False, source=Project.Source.PORTAL)
    client.force_login(kaia_staff)
    hidden = client.get(_event_url(event)).content.decode()
    assert kind_project.code not in hidden and kind_project.name not in hidden
    assert "1 more project, not public yet, linked by another secretariat." in hidden
    # The back office does not offer the linked projects to secretariat staff at all (they link
    # theirs on the page above), so it names none of them either.
    back_office = client.get(reverse("admin:projects_event_change", args=[event.pk]))
    assert back_office.status_code == 200
    assert kind_project.code not in back_office.content.decode()
    Project.objects.filter(pk=kind_project.pk).update(is_public=True)
    shown = client.get(_event_url(event)).content.decode()
    assert f"{kind_project.code} {kind_project.name}" in shown
    assert "not public yet" not in shown


def test_back_office_offers_projects_and_shows_participants_read_only(
    client, event, programme_admin
):
    """The walk of tests/test_admin_doors.py changes the projects through ``update_event``."""
    client.force_login(programme_admin)
    url = reverse("admin:projects_event_change", args=[event.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "projects" in form.fields
    EventParticipant.objects.create(event=event, name="Shown read-only")
    page = client.get(url)
    assert "Shown read-only" in page.content.decode()
    participants = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.model is EventParticipant
    )
    assert not participants.has_add_permission and not participants.has_change_permission


def test_staff_participant_form_without_a_name_says_so_next_to_it(client, event, kind_staff):
    client.force_login(kind_staff)
    response = client.post(
        _event_url(event), {"action": "participant", "name": " ", "role": "Keep this role"}
    )
    assert response.status_code == 400
    assert "name" in response.context["participant_form"].errors
    assert 'value="Keep this role"' in response.content.decode()
    assert not EventParticipant.objects.exists()


def test_staff_event_pages_query_counts_do_not_grow(client, event, kind_staff, kind_project):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(kind_staff)
    _with_everything(event, kind_staff, kind_project)

    def counts():
        with CaptureQueriesContext(connection) as listing:
            client.get(reverse("staff_events:events"))
        with CaptureQueriesContext(connection) as detail:
            client.get(_event_url(event))
        return len(listing.captured_queries), len(detail.captured_queries)

    before = counts()
    for n in range(5):
        services.add_event_participant(event=event, actor=kind_staff, name=f"Guest {n}")
        services.add_event_material(
            event=event, actor=kind_staff, title=f"Slides {n}", uploaded=pdf_upload(f"{n}.pdf")
        )
        Event.objects.create(
            kind="workshop",
            name=f"Other {n}",
            starts_on=datetime.date(2023, 1, 1),
            ends_on=datetime.date(2023, 1, 1),
        )
    assert counts() == before


def test_staff_material_form_without_a_title_keeps_the_file(client, event, kind_staff):
    client.force_login(kind_staff)
    response = client.post(
        _event_url(event), {"action": "material", "title": "", "file": pdf_upload("slides.pdf")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kept from your last try: <strong>slides.pdf</strong>" in page
    token = page.split('name="file-kept" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        _event_url(event), {"action": "material", "title": "Slides", "file-kept": token}
    )
    assert response.status_code == 302
    assert event.materials.get().title == "Slides"
