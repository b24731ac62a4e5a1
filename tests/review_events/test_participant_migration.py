"""projects 0011 and 0012 apply on a database that already lists a name twice on an event:
the twins are merged into the earliest row (which keeps what they knew), other events
untouched, and the constraint then holds (on PostgreSQL too, where the merge's deletes and the
index cannot share a transaction)."""

import datetime

import pytest

from projects.models import EventParticipant
from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0010_project_is_public")]


def test_migration_merges_a_name_listed_twice_then_holds_it_once():
    state = migrate(BEFORE)
    OldEvent = state.get_model("projects", "Event")
    OldParticipant = state.get_model("projects", "EventParticipant")
    OldCountry = state.get_model("projects", "Country")
    day = datetime.date(2022, 11, 15)
    event = OldEvent.objects.create(kind="workshop", name="Klang", starts_on=day, ends_on=day)
    other = OldEvent.objects.create(kind="workshop", name="Jakarta", starts_on=day, ends_on=day)
    peru = OldCountry.objects.create(code="PE", iso3="PER", name="Peru", region="latin_america")
    first = OldParticipant.objects.create(event=event, name="Dr. Ana Torres").pk
    OldParticipant.objects.create(event=event, name="DR. ANA TORRES", role="Speaker, IDB")
    OldParticipant.objects.create(event=event, name="dr. ana torres", country=peru, role="Guest")
    single = OldParticipant.objects.create(event=event, name="Hanul Urban Planning").pk
    elsewhere = OldParticipant.objects.create(event=other, name="Dr. Ana Torres").pk
    migrate(latest())
    kept = EventParticipant.objects.get(event_id=event.pk, name__iexact="dr. ana torres")
    assert (kept.pk, kept.name, kept.role, kept.country_id) == (
        first,
        "Dr. Ana Torres",
        "Speaker, IDB",
        peru.pk,
    )
    assert set(EventParticipant.objects.values_list("pk", flat=True)) == {first, single, elsewhere}
