"""The one transition helper: what it does besides the move, and what it never does."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.audit import audit_events_for
from core.domain import DomainError, IllegalTransition
from core.transitions import allowed_moves, apply_transition
from projects.models import Call
from projects.services import CALL_TRANSITIONS
from tests.factories import ApplicationFactory, CallFactory, UserFactory

C = Call.Status


@pytest.fixture
def actor(db):
    return UserFactory(email="officer@molit.go.kr")


def test_apply_transition_runs_after_commit_only_once_committed(
    actor, django_capture_on_commit_callbacks
):
    call = CallFactory(status=C.DRAFT)
    seen = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = apply_transition(
            call,
            to=C.PUBLISHED,
            table=CALL_TRANSITIONS,
            actor=actor,
            reason="ready",
            after_commit=lambda row: seen.append(row.status),
        )
    assert len(callbacks) == 1
    assert seen == [C.PUBLISHED]
    event = audit_events_for(moved).get()
    assert (event.old_value, event.new_value, event.detail) == (
        C.DRAFT,
        C.PUBLISHED,
        {"reason": "ready"},
    )


def test_apply_transition_refused_by_prepare_saves_nothing_and_tells_nobody(actor):
    call = CallFactory(status=C.DRAFT)
    seen = []

    def prepare(row, old):
        raise DomainError("not yet")

    with pytest.raises(DomainError), transaction.atomic():
        apply_transition(
            call,
            to=C.PUBLISHED,
            table=CALL_TRANSITIONS,
            actor=actor,
            prepare=prepare,
            after_commit=lambda row: seen.append(row),
        )
    call.refresh_from_db()
    assert call.status == C.DRAFT
    assert not audit_events_for(call).exists()
    assert seen == []


def test_apply_transition_refusal_names_the_statuses_by_label(actor):
    call = CallFactory(status=C.ARCHIVED)
    with pytest.raises(IllegalTransition) as refused:
        apply_transition(call, to=C.OPEN, table=CALL_TRANSITIONS, actor=actor)
    assert str(refused.value) == f"“{C.ARCHIVED.label}” cannot move to “{C.OPEN.label}”."


def test_allowed_moves_of_an_unknown_status_is_empty():
    assert allowed_moves(CALL_TRANSITIONS, "no-such-status") == set()


# --- A move of a row its caller has locked (``locked=True``): the submission's path ---------


def _submit_prepare(row, old):
    row.submitted_at = timezone.now()
    row.section_edits["project"] = "changed in place"  # a JSON value changed in place


def _submit_locked(row, actor, prepare):
    from applications.services import APPLICATION_TRANSITIONS

    return apply_transition(
        row,
        to=row.Status.SUBMITTED,
        table=APPLICATION_TRANSITIONS,
        actor=actor,
        prepare=prepare,
        locked=True,
    )


def test_a_move_writes_what_it_changed_even_in_place_and_leaves_the_rest_as_stored(actor):
    from applications.models import Application

    application = ApplicationFactory(title="As typed", section_edits={})
    stamped = application.updated_at
    with transaction.atomic():
        row = Application.objects.select_for_update().get(pk=application.pk)
        # A write the row in hand has not seen: the move must not put the old value back.
        Application.objects.filter(pk=row.pk).update(title="Changed since")
        _submit_locked(row, actor, _submit_prepare)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.submitted_at is not None
    assert application.section_edits == {"project": "changed in place"}
    assert application.title == "Changed since"
    assert application.updated_at > stamped  # auto_now still stamps a move
    assert audit_events_for(application).filter(new_value="submitted").count() == 1


def test_a_move_of_a_locked_row_reads_it_once_and_takes_no_savepoint(actor):
    from applications.models import Application

    application = ApplicationFactory()
    with transaction.atomic():
        row = Application.objects.select_for_update().get(pk=application.pk)
        with CaptureQueriesContext(connection) as ctx:
            _submit_locked(row, actor, _submit_prepare)
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in statements if s.startswith("SELECT")], statements
    assert not [s for s in statements if "SAVEPOINT" in s.upper()], statements
    assert [s.split()[0] for s in statements] == ["UPDATE", "INSERT"]  # the row, the audit row


def test_a_refused_move_of_a_locked_row_leaves_the_callers_transaction_to_roll_back(actor):
    from applications.models import Application

    application = ApplicationFactory()

    def refuse(row, old):
        raise DomainError("not yet")

    with transaction.atomic():
        row = Application.objects.select_for_update().get(pk=application.pk)
        with pytest.raises(DomainError):
            _submit_locked(row, actor, refuse)
        # No savepoint of its own: the caller's transaction can only be rolled back now, so
        # half a move (a status without its audit row) can never be committed.
        assert transaction.get_rollback() is True
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert not audit_events_for(application).exists()
