"""The one transition helper: what it does besides the move, and what it never does."""

import pytest
from django.db import transaction

from accounts.audit import audit_events_for
from core.domain import DomainError, IllegalTransition
from core.transitions import allowed_moves, apply_transition
from projects.models import Call
from projects.services import CALL_TRANSITIONS
from tests.factories import CallFactory, UserFactory

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
