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
