"""The audit trail: rows dated when the event happened, written once, never changed."""

import datetime

import pytest
from django.utils import timezone

from accounts.audit import audit_events_for, record_audit_event, recorded_at
from accounts.models import AuditEvent
from projects.models import Call
from projects.services import transition_call
from tests.factories import CallFactory, UserFactory

PAST = datetime.datetime(2022, 6, 24, 6, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_record_audit_event_without_time_is_dated_now():
    call = CallFactory()
    before = timezone.now()
    event = record_audit_event(subject=call, action="status", new_value="published")
    assert before <= event.created_at <= timezone.now()


@pytest.mark.django_db
def test_record_audit_event_at_a_past_time_is_dated_then():
    call = CallFactory()
    event = record_audit_event(subject=call, action="status", new_value="decided", at=PAST)
    event.refresh_from_db()
    assert event.created_at == PAST


@pytest.mark.django_db
def test_record_audit_event_in_the_future_is_refused_and_writes_nothing():
    call = CallFactory()
    with pytest.raises(ValueError, match="future"):
        record_audit_event(
            subject=call, action="status", at=timezone.now() + datetime.timedelta(minutes=5)
        )
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_record_audit_event_with_a_naive_time_is_refused():
    call = CallFactory()
    with pytest.raises(ValueError, match="timezone-aware"):
        record_audit_event(subject=call, action="status", at=datetime.datetime(2022, 6, 24, 15))
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_backdated_audit_event_stays_append_only():
    call = CallFactory()
    event = record_audit_event(subject=call, action="status", new_value="decided", at=PAST)
    event.created_at = timezone.now()
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert AuditEvent.objects.get().created_at == PAST


@pytest.mark.django_db
def test_recorded_at_dates_the_rows_a_service_writes_inside_the_block_only():
    call = CallFactory(status=Call.Status.DRAFT)
    actor = UserFactory()
    with recorded_at(PAST):
        transition_call(call=call, to=Call.Status.PUBLISHED, actor=actor)
    before_second = timezone.now()
    transition_call(call=call, to=Call.Status.OPEN, actor=actor)
    first, second = audit_events_for(call)
    assert (first.new_value, first.created_at, first.actor) == ("published", PAST, actor)
    assert second.new_value == "open"
    assert second.created_at >= before_second


@pytest.mark.django_db
def test_recorded_at_gives_way_to_an_explicit_time():
    call = CallFactory()
    explicit = PAST - datetime.timedelta(days=30)
    with recorded_at(PAST):
        event = record_audit_event(subject=call, action="status", at=explicit)
    assert event.created_at == explicit


@pytest.mark.django_db
def test_recorded_at_is_undone_when_the_block_fails():
    call = CallFactory()
    with pytest.raises(RuntimeError), recorded_at(PAST):
        raise RuntimeError("the step failed")
    before = timezone.now()
    event = record_audit_event(subject=call, action="status")
    assert event.created_at >= before


@pytest.mark.django_db
def test_recorded_at_none_leaves_rows_dated_now():
    call = CallFactory()
    before = timezone.now()
    with recorded_at(None):
        event = record_audit_event(subject=call, action="status")
    assert event.created_at >= before


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["old_value", "new_value"])
def test_a_long_value_is_cut_to_its_column_with_an_ellipsis(field):
    call = CallFactory()
    max_length = AuditEvent._meta.get_field(field).max_length
    name = "Participant with a very long name, " * 8  # 280 characters
    event = record_audit_event(subject=call, action="participant_added", **{field: name})
    event.refresh_from_db()
    value = getattr(event, field)
    assert len(value) == max_length and value.endswith("…")
    assert name.startswith(value[:-1])
    assert event.detail == {field: name}  # the whole value stays in the detail


@pytest.mark.django_db
def test_a_short_value_is_stored_as_given_and_detail_untouched():
    call = CallFactory()
    event = record_audit_event(
        subject=call, action="status", old_value="draft", new_value="x" * 64, detail={"a": 1}
    )
    event.refresh_from_db()
    assert (event.old_value, event.new_value, event.detail) == ("draft", "x" * 64, {"a": 1})


@pytest.mark.django_db
def test_a_participant_with_a_long_name_is_audited_on_every_database(programme_admin):
    from projects.models import Event
    from projects.services import add_event_participant

    event = Event.objects.create(
        kind=Event.Kind.CONFERENCE,
        name="Smart city finance conference",
        starts_on=datetime.date(2022, 11, 15),
        ends_on=datetime.date(2022, 11, 16),
    )
    name = "Ministry of Land, Infrastructure and Transport, " * 5  # 255 characters
    name = name[:254] + "M"
    add_event_participant(event=event, actor=programme_admin, name=name)
    row = audit_events_for(event).get(action="participant_added")
    assert len(row.new_value) <= AuditEvent._meta.get_field("new_value").max_length
    assert row.detail["new_value"] == name
