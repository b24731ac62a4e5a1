"""Every allowed and every refused move of each lifecycle, straight from the transition tables.

An allowed move saves the new status and writes one audit row (actor, old, new); a refused move
raises ``IllegalTransition``, changes nothing and writes no audit row.
"""

import itertools

import pytest
from django.utils import timezone

from accounts.audit import audit_events_for
from applications.models import Application
from applications.services import APPLICATION_TRANSITIONS, transition_application
from awards.models import Award, Deliverable
from awards.services import (
    AWARD_TRANSITIONS,
    DELIVERABLE_TRANSITIONS,
    transition_award,
    transition_deliverable,
)
from core.domain import IllegalTransition
from projects.models import Call, Project
from projects.services import CALL_TRANSITIONS, set_project_status, transition_call
from reviews.models import Assignment, ReviewerInvitation
from reviews.services import (
    ASSIGNMENT_TRANSITIONS,
    INVITATION_TRANSITIONS,
    revoke_invitation,
    transition_assignment,
)
from tests.factories import (
    AssignmentFactory,
    AwardFactory,
    CallFactory,
    DeliverableFactory,
    ProjectFactory,
    SubmittedApplicationFactory,
    UserFactory,
)


def _pairs(table: dict, statuses) -> tuple[list, list]:
    allowed, refused = [], []
    for old, new in itertools.product(statuses, repeat=2):
        (allowed if new in table.get(old, set()) else refused).append((str(old), str(new)))
    return allowed, refused


APP_ALLOWED, APP_REFUSED = _pairs(APPLICATION_TRANSITIONS, Application.Status.values)
ASSIGNMENT_ALLOWED, ASSIGNMENT_REFUSED = _pairs(ASSIGNMENT_TRANSITIONS, Assignment.Status.values)
AWARD_ALLOWED, AWARD_REFUSED = _pairs(AWARD_TRANSITIONS, Award.Status.values)
CALL_ALLOWED, CALL_REFUSED = _pairs(CALL_TRANSITIONS, Call.Status.values)
DELIVERABLE_ALLOWED, DELIVERABLE_REFUSED = _pairs(
    DELIVERABLE_TRANSITIONS, Deliverable.Status.values
)


@pytest.fixture
def actor(db):
    return UserFactory(email="officer@kind.or.kr")


def _assert_audited(obj, actor, old, new):
    event = audit_events_for(obj).get()
    assert (event.action, event.old_value, event.new_value, event.actor) == (
        "status",
        old,
        new,
        actor,
    )


def _assert_refused(call, obj):
    with pytest.raises(IllegalTransition):
        call()
    assert not audit_events_for(obj).exists()


def test_transition_tables_cover_every_status():
    for table, statuses in (
        (APPLICATION_TRANSITIONS, Application.Status.values),
        (ASSIGNMENT_TRANSITIONS, Assignment.Status.values),
        (AWARD_TRANSITIONS, Award.Status.values),
        (CALL_TRANSITIONS, Call.Status.values),
        (DELIVERABLE_TRANSITIONS, Deliverable.Status.values),
        (INVITATION_TRANSITIONS, ReviewerInvitation.Status.values),
    ):
        assert set(table) == set(statuses)
        assert set().union(*table.values()) <= set(statuses)


# --- applications ---------------------------------------------------------------------------


def _application(status):
    return SubmittedApplicationFactory(status=status, submitted_at=timezone.now())


@pytest.mark.parametrize(("old", "new"), APP_ALLOWED)
def test_application_transition_allowed(actor, old, new):
    application = _application(old)
    result = transition_application(application=application, to=new, actor=actor, reason="r")
    application.refresh_from_db()
    assert result.status == application.status == new
    _assert_audited(application, actor, old, new)
    if new in Application.DECIDED_STATUSES:
        assert application.decided_at is not None


@pytest.mark.parametrize(("old", "new"), APP_REFUSED)
def test_application_transition_refused(actor, old, new):
    application = _application(old)
    _assert_refused(
        lambda: transition_application(application=application, to=new, actor=actor), application
    )
    application.refresh_from_db()
    assert application.status == old


def test_application_submission_gives_reference_and_time(actor):
    draft = SubmittedApplicationFactory(status="draft", submitted_at=None, reference=None)
    submitted = transition_application(application=draft, to="submitted", actor=actor)
    call_year = submitted.call.year
    assert submitted.reference == f"{call_year}-{submitted.track.code}-001"
    assert submitted.submitted_at is not None


# --- assignments ----------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), ASSIGNMENT_ALLOWED)
def test_assignment_transition_allowed(actor, old, new):
    assignment = AssignmentFactory(
        status=old, total=80, submitted_at=timezone.now() if old == "submitted" else None
    )
    result = transition_assignment(assignment=assignment, to=new, actor=actor)
    assignment.refresh_from_db()
    assert result.status == assignment.status == new
    _assert_audited(assignment, actor, old, new)
    if new == "submitted":
        assert assignment.submitted_at is not None


@pytest.mark.parametrize(("old", "new"), ASSIGNMENT_REFUSED)
def test_assignment_transition_refused(actor, old, new):
    assignment = AssignmentFactory(
        status=old, total=80, submitted_at=timezone.now() if old == "submitted" else None
    )
    _assert_refused(
        lambda: transition_assignment(assignment=assignment, to=new, actor=actor), assignment
    )
    assignment.refresh_from_db()
    assert assignment.status == old


# --- awards ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), AWARD_ALLOWED)
def test_award_transition_allowed(actor, old, new):
    award = AwardFactory(status=old)
    result = transition_award(award=award, to=new, actor=actor, reason="Budget withdrawn")
    award.refresh_from_db()
    assert result.status == award.status == new
    _assert_audited(award, actor, old, new)
    if new == "cancelled":
        assert award.cancelled_reason == "Budget withdrawn"


@pytest.mark.parametrize(("old", "new"), AWARD_REFUSED)
def test_award_transition_refused(actor, old, new):
    award = AwardFactory(status=old)
    _assert_refused(lambda: transition_award(award=award, to=new, actor=actor, reason="x"), award)
    award.refresh_from_db()
    assert award.status == old


def test_award_cancel_without_reason_is_refused(actor):
    from core.domain import DomainError

    award = AwardFactory(status="approved")
    with pytest.raises(DomainError):
        transition_award(award=award, to="cancelled", actor=actor)
    award.refresh_from_db()
    assert award.status == "approved"
    assert not audit_events_for(award).exists()


# --- calls ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), CALL_ALLOWED)
def test_call_transition_allowed(actor, old, new):
    call = CallFactory(status=old)
    result = transition_call(call=call, to=new, actor=actor)
    call.refresh_from_db()
    assert result.status == call.status == new
    _assert_audited(call, actor, old, new)


@pytest.mark.parametrize(("old", "new"), CALL_REFUSED)
def test_call_transition_refused(actor, old, new):
    call = CallFactory(status=old)
    _assert_refused(lambda: transition_call(call=call, to=new, actor=actor), call)
    call.refresh_from_db()
    assert call.status == old


# --- deliverables and projects --------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), DELIVERABLE_ALLOWED)
def test_deliverable_transition_allowed(actor, old, new):
    deliverable = DeliverableFactory(status=old)
    result = transition_deliverable(deliverable=deliverable, to=new, actor=actor, feedback="ok")
    deliverable.refresh_from_db()
    assert result.status == deliverable.status == new
    _assert_audited(deliverable, actor, old, new)


@pytest.mark.parametrize(("old", "new"), DELIVERABLE_REFUSED)
def test_deliverable_transition_refused(actor, old, new):
    deliverable = DeliverableFactory(status=old)
    _assert_refused(
        lambda: transition_deliverable(deliverable=deliverable, to=new, actor=actor), deliverable
    )
    deliverable.refresh_from_db()
    assert deliverable.status == old


@pytest.mark.parametrize("new", [Project.Status.COMPLETED, Project.Status.CANCELLED])
def test_project_status_change_from_active_allowed(actor, new):
    project = ProjectFactory()
    set_project_status(project=project, to=new, actor=actor, reason="done")
    project.refresh_from_db()
    assert project.status == new
    _assert_audited(project, actor, "active", new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Project.Status.COMPLETED, Project.Status.ACTIVE),
        (Project.Status.COMPLETED, Project.Status.CANCELLED),
        (Project.Status.CANCELLED, Project.Status.ACTIVE),
        (Project.Status.CANCELLED, Project.Status.COMPLETED),
    ],
)
def test_project_status_change_refused(actor, old, new):
    project = ProjectFactory(status=old)
    _assert_refused(lambda: set_project_status(project=project, to=new, actor=actor), project)
    project.refresh_from_db()
    assert project.status == old


def test_project_status_unchanged_is_a_no_op(actor):
    project = ProjectFactory()
    set_project_status(project=project, to=Project.Status.ACTIVE, actor=actor)
    assert not audit_events_for(project).exists()


# --- committee invitations ------------------------------------------------------------------


@pytest.mark.parametrize("old", ReviewerInvitation.Status.values)
def test_invitation_revoke_only_from_pending(kind_staff, planning_track, old):
    # The track's staff: the service asks the rule (tests/test_service_doors.py).
    actor = kind_staff
    invitation = ReviewerInvitation.objects.create(
        track=planning_track,
        email="expert@example.net",
        invited_by=actor,
        status=old,
        expires_at=timezone.now() + timezone.timedelta(days=30),
    )
    if old == ReviewerInvitation.Status.PENDING:
        revoked = revoke_invitation(invitation=invitation, actor=actor)
        assert revoked.status == ReviewerInvitation.Status.REVOKED
        assert revoked.responded_at is not None
        _assert_audited(invitation, actor, old, ReviewerInvitation.Status.REVOKED)
    else:
        _assert_refused(lambda: revoke_invitation(invitation=invitation, actor=actor), invitation)
        invitation.refresh_from_db()
        assert invitation.status == old
