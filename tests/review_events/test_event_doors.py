"""Programme events as an outside checker walks them: who records, corrects and deletes an event
at each door (the staff pages, the back office), an event that ends before it starts, and a
participant listed twice (``projects.services``, "Events")."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.audit import audit_events_for
from core.domain import DomainError
from projects import services
from projects.models import Event, EventParticipant
from tests.factories import EventFactory
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db

ADD = "admin:projects_event_add"


def _new_event(**changes):
    data = {
        "kind": "workshop",
        "name": "Smart city workshop in Klang",
        "name_ko": "클랑 스마트시티 워크숍",
        "partners": "World Bank",
        "city": "",
        "starts_on": "2024-05-10",
        "ends_on": "2024-05-11",
        "description": "",
    }
    return {**data, **changes}


# --- Who records an event: the rule (MANAGE_EVENTS) at the back office's door ------------------


@pytest.mark.parametrize("who", ["kind_staff", "kaia_staff"])
def test_secretariat_staff_record_an_event_in_the_back_office(client, request, who):
    """``create_event`` and ``MANAGE_EVENTS`` let secretariat staff record an event, and the
    staff events page sends them to the back office to do it: the door must open."""
    staff = request.getfixturevalue(who)
    client.force_login(staff)
    assert client.get(reverse("staff_events:events")).content.decode().count(reverse(ADD)) == 1
    assert client.get(reverse(ADD)).status_code == 200
    response = client.post(reverse(ADD), _new_event())
    assert response.status_code == 302
    event = Event.objects.get(name="Smart city workshop in Klang")
    assert audit_events_for(event).get(action="created").actor == staff


def test_secretariat_staff_correct_an_events_dates_in_the_back_office(client, kind_staff):
    event = EventFactory(name="Road show in Bogotá")
    client.force_login(kind_staff)
    url = reverse("admin:projects_event_change", args=[event.pk])
    sent = form_data(client.get(url).content.decode(), having="ends_on")
    assert "projects" not in sent  # programme admins link projects here; staff on their page
    sent.update(ends_on="2022-11-17")
    assert client.post(url, sent).status_code == 302
    event.refresh_from_db()
    assert event.ends_on == datetime.date(2022, 11, 17)
    assert audit_events_for(event).get(action="updated").actor == kind_staff


def test_secretariat_staff_are_not_offered_deleting_an_event(client, kind_staff):
    """``delete_event`` is a programme admin's: the back office offers staff no delete."""
    event = EventFactory()
    client.force_login(kind_staff)
    page = client.get(reverse("admin:projects_event_change", args=[event.pk]))
    assert reverse("admin:projects_event_delete", args=[event.pk]) not in page.content.decode()
    delete = reverse("admin:projects_event_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_programme_admin_deletes_an_event_in_the_back_office(client, programme_admin):
    event = EventFactory(name="Cancelled road show")
    services.add_event_participant(event=event, actor=programme_admin, name="Ana Ruiz")
    client.force_login(programme_admin)
    delete = reverse("admin:projects_event_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()
    assert not EventParticipant.objects.exists()


# --- An event that ends before it starts ------------------------------------------------------


def test_service_refuses_an_event_ending_before_it_starts_on_the_end_date(kind_staff):
    with pytest.raises(DomainError) as refused:
        services.create_event(
            actor=kind_staff,
            kind="workshop",
            name="Backwards",
            starts_on=datetime.date(2024, 5, 10),
            ends_on=datetime.date(2024, 5, 9),
        )
    assert refused.value.field == "ends_on"
    assert str(refused.value.message) == "An event cannot end before it starts."
    assert not Event.objects.exists()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_back_office_says_an_event_ends_before_it_starts_next_to_the_end_date(
    client, programme_admin, language
):
    client.force_login(programme_admin)
    response = client.post(
        reverse(ADD),
        _new_event(starts_on="2024-05-10", ends_on="2024-05-01"),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "ends_on" in form.errors
    assert not form.non_field_errors()
    # What was typed is kept.
    assert 'value="Smart city workshop in Klang"' in response.content.decode()
    assert not Event.objects.exists()
    # Said in words, not by the constraint's name (the Korean is in /tmp/ko_events.json).
    assert "projects_event_ends_after_starts" not in response.content.decode()
    if language == "en":
        assert form.errors["ends_on"] == ["An event cannot end before it starts."]


# --- A participant listed twice ----------------------------------------------------------------


def test_the_database_holds_one_name_once_per_event_whatever_its_case():
    """The service refuses a second "Dr. Ana Torres"; the database holds it too, for a write
    that does not go through the service (a script, a race the lock does not cover)."""
    event = EventFactory()
    EventParticipant.objects.create(event=event, name="Dr. Ana Torres")
    with pytest.raises(IntegrityError), transaction.atomic():
        EventParticipant.objects.create(event=event, name="DR. ANA TORRES")
    EventParticipant.objects.create(event=EventFactory(), name="Dr. Ana Torres")
    assert EventParticipant.objects.filter(event=event).count() == 1
