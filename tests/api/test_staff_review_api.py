"""Staff review work through the API: criteria, committee invitations and members, manual
assignment. The same services (audit rows, outbox messages) and rules as the staff pages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.audit import audit_events_for
from notifications.models import Message
from reviews import services
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    ReviewerInvitation,
)
from tests.factories import (
    AssignmentFactory,
    CallFactory,
    CriterionFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
    TrackFactory,
    UserFactory,
)

from .conftest import client_for, ids, results, url

pytestmark = pytest.mark.django_db


# --- Criteria -------------------------------------------------------------------------------


@pytest.fixture
def criterion(planning_track):
    return CriterionFactory(track=planning_track, code="feasibility", max_points=30, order=1)


@pytest.fixture
def dm_criterion(demonstration_track):
    return CriterionFactory(track=demonstration_track, code="export", max_points=35, order=1)


def test_staff_criteria_list_own_tracks_only(kind_staff, criterion, dm_criterion):
    draft_track = TrackFactory(
        call=CallFactory(status="draft"), secretariat=criterion.track.secretariat
    )
    draft_criterion = CriterionFactory(track=draft_track)
    response = client_for(kind_staff).get(url("staff-criterion"))
    # The staff's own draft call too (the public /criteria/ shows published calls only).
    assert ids(response) == {criterion.pk, draft_criterion.pk}
    assert results(response)[0]["tiebreak_priority"] is None


def test_staff_criteria_programme_admin_sees_every_track(programme_admin, criterion, dm_criterion):
    response = client_for(programme_admin).get(
        url("staff-criterion"), {"track": dm_criterion.track_id}
    )
    assert ids(response) == {dm_criterion.pk}


@pytest.mark.parametrize("who", ["applicant", "reviewer"])
def test_staff_criteria_hidden_from_applicant_and_reviewer(request, who, criterion):
    client = client_for(request.getfixturevalue(who))
    assert ids(client.get(url("staff-criterion"))) == set()
    assert client.get(url("staff-criterion", criterion)).status_code == 404
    response = client.patch(url("staff-criterion", criterion), {"name": "x"}, format="json")
    assert response.status_code == 404


def test_staff_criterion_create_audited(kind_staff, planning_track, criterion):
    response = client_for(kind_staff).post(
        url("staff-criterion"),
        {
            "track": planning_track.pk,
            "code": "site",
            "name": "Preparation status of the site",
            "max_points": "25",
            "threshold": "10",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["max_points"], body["weight"], body["order"]) == (
        "site",
        "25.0",
        "1.00",
        2,
    )
    created = Criterion.objects.get(pk=body["id"])
    event = audit_events_for(created).get()
    assert (event.action, event.actor, event.detail["max_points"]) == (
        "created",
        kind_staff,
        "25.0",
    )


def test_staff_criterion_create_bad_input_is_400_with_field_errors(
    kind_staff, planning_track, criterion
):
    response = client_for(kind_staff).post(
        url("staff-criterion"),
        {"track": planning_track.pk, "code": "not a slug", "max_points": "150", "weight": "0"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"code", "name", "max_points", "weight"}
    assert errors["max_points"] == ["Give between 0.5 and 100 points."]
    assert errors["weight"] == ["The weight must be above 0."]
    assert Criterion.objects.count() == 1


def test_staff_criterion_create_duplicate_code_and_threshold_are_field_errors(
    kind_staff, planning_track, criterion
):
    client = client_for(kind_staff)
    body = {"track": planning_track.pk, "code": "feasibility", "name": "Again", "max_points": "20"}
    response = client.post(url("staff-criterion"), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"code": ["Another criterion of this track has this code."]}
    body.update(code="other", threshold="25")
    response = client.post(url("staff-criterion"), body, format="json")
    assert response.json()["errors"] == {
        "threshold": ["The threshold must be between 0 and the maximum points."]
    }
    assert Criterion.objects.count() == 1


def test_staff_criterion_create_on_other_track_is_400_without_leak(kaia_staff, planning_track):
    response = client_for(kaia_staff).post(
        url("staff-criterion"),
        {"track": planning_track.pk, "code": "x", "name": "X", "max_points": "10"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["track"] == [
        f'Invalid pk "{planning_track.pk}" - object does not exist.'
    ]
    assert not Criterion.objects.exists()


def test_staff_criterion_create_by_applicant_is_403(applicant, planning_track):
    response = client_for(applicant).post(
        url("staff-criterion"),
        {"track": planning_track.pk, "code": "x", "name": "X", "max_points": "10"},
        format="json",
    )
    assert response.status_code == 403
    assert not Criterion.objects.exists()


def test_staff_criterion_patch_and_delete_audited(kind_staff, criterion):
    client = client_for(kind_staff)
    response = client.patch(
        url("staff-criterion", criterion), {"max_points": "40", "threshold": "35"}, format="json"
    )
    assert response.status_code == 200, response.content
    criterion.refresh_from_db()
    assert (criterion.max_points, criterion.threshold) == (Decimal("40"), Decimal("35"))
    assert audit_events_for(criterion).get().action == "changed"
    track = criterion.track
    assert client.delete(url("staff-criterion", criterion)).status_code == 204
    assert not Criterion.objects.exists()
    event = audit_events_for(track).get(action="criterion_deleted")
    assert event.detail == {"code": "feasibility", "name": criterion.name}


def test_staff_criterion_patch_threshold_above_current_max_is_400(kind_staff, criterion):
    response = client_for(kind_staff).patch(
        url("staff-criterion", criterion), {"threshold": "31"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"threshold"}
    criterion.refresh_from_db()
    assert criterion.threshold is None


def test_staff_criterion_put_is_not_offered(kind_staff, criterion):
    response = client_for(kind_staff).put(
        url("staff-criterion", criterion), {"name": "x"}, format="json"
    )
    assert response.status_code == 405


def test_staff_criteria_locked_once_scored(kind_staff, criterion):
    ScoreFactory(
        criterion=criterion,
        assignment=AssignmentFactory(
            application=SubmittedApplicationFactory(track=criterion.track, status="under_review")
        ),
    )
    client = client_for(kind_staff)
    response = client.patch(url("staff-criterion", criterion), {"name": "New"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "criteria_locked"
    assert client.delete(url("staff-criterion", criterion)).json()["code"] == "criteria_locked"
    response = client.post(
        url("staff-criterion"),
        {"track": criterion.track_id, "code": "late", "name": "Late", "max_points": "5"},
        format="json",
    )
    assert response.json()["code"] == "criteria_locked"
    assert list(Criterion.objects.values_list("name", flat=True)) == [criterion.name]


def test_staff_criteria_locked_once_review_started(kind_staff, criterion):
    criterion.track.criteria_locked_at = timezone.now()
    criterion.track.save()
    response = client_for(kind_staff).delete(url("staff-criterion", criterion))
    assert response.status_code == 400
    assert Criterion.objects.filter(pk=criterion.pk).exists()


def test_staff_criteria_other_track_is_404(kaia_staff, criterion):
    client = client_for(kaia_staff)
    assert (
        client.patch(url("staff-criterion", criterion), {"name": "x"}, format="json").status_code
        == 404
    )
    assert client.delete(url("staff-criterion", criterion)).status_code == 404
    criterion.refresh_from_db()
    assert criterion.name != "x"


def test_staff_criteria_query_count_does_not_grow(
    programme_admin, planning_track, django_assert_max_num_queries
):
    client = client_for(programme_admin)
    CriterionFactory(track=planning_track)
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("staff-criterion")))) == 1
    for _ in range(4):
        CriterionFactory(track=TrackFactory(call=CallFactory()))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("staff-criterion")))) == 5


# --- Committee invitations and members ------------------------------------------------------


def test_invitation_create_audited_and_emailed(kind_staff, planning_track):
    response = client_for(kind_staff).post(
        url("reviewer-invitation"),
        {"track": planning_track.pk, "email": "New.Expert@University.ac.kr", "name": "Dr. Lee"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["status"]) == ("new.expert@university.ac.kr", "pending")
    assert "token" not in body
    invitation = ReviewerInvitation.objects.get(pk=body["id"])
    event = audit_events_for(invitation).get()
    assert (event.action, event.new_value, event.actor) == ("invited", "pending", kind_staff)
    message = Message.objects.get(template="reviews/invitation")
    assert message.to_email == "new.expert@university.ac.kr"
    assert invitation.token in message.link


def test_invitation_create_twice_is_400_on_email(kind_staff, planning_track):
    client = client_for(kind_staff)
    body = {"track": planning_track.pk, "email": "expert@university.ac.kr"}
    assert client.post(url("reviewer-invitation"), body, format="json").status_code == 201
    response = client.post(url("reviewer-invitation"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    assert ReviewerInvitation.objects.count() == 1


def test_invitation_create_bad_input_is_400(kind_staff):
    response = client_for(kind_staff).post(
        url("reviewer-invitation"), {"email": "not-an-address", "name": "x" * 201}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"track", "email", "name"}
    assert not Message.objects.exists()


def test_invitation_create_on_other_track_is_400_and_by_reviewer_403(
    kaia_staff, reviewer, planning_track
):
    body = {"track": planning_track.pk, "email": "someone@university.ac.kr"}
    assert client_for(kaia_staff).post(url("reviewer-invitation"), body).status_code == 400
    assert client_for(reviewer).post(url("reviewer-invitation"), body).status_code == 403
    assert not ReviewerInvitation.objects.exists()


@pytest.fixture
def invitation(planning_track, kind_staff):
    return services.invite_reviewer(
        track=planning_track, email="invited@university.ac.kr", actor=kind_staff
    )


def test_invitation_list_and_revoke(kind_staff, kaia_staff, invitation):
    assert ids(client_for(kaia_staff).get(url("reviewer-invitation"))) == set()
    client = client_for(kind_staff)
    assert ids(client.get(url("reviewer-invitation"), {"status": "pending"})) == {invitation.pk}
    response = client.post(url("reviewer-invitation", invitation, "revoke"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    assert audit_events_for(invitation).filter(action="status", new_value="revoked").exists()
    again = client.post(url("reviewer-invitation", invitation, "revoke"))
    assert again.status_code == 400


def test_invitation_revoke_by_other_track_staff_is_404(kaia_staff, invitation):
    response = client_for(kaia_staff).post(url("reviewer-invitation", invitation, "revoke"))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_invitations_query_count_does_not_grow(
    kind_staff, planning_track, django_assert_max_num_queries
):
    client = client_for(kind_staff)
    services.invite_reviewer(track=planning_track, email="a0@university.ac.kr", actor=kind_staff)
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("reviewer-invitation")))) == 1
    for n in range(1, 5):
        services.invite_reviewer(
            track=planning_track, email=f"a{n}@university.ac.kr", actor=kind_staff
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("reviewer-invitation")))) == 5


@pytest.fixture
def member(planning_track, reviewer):
    return CommitteeMember.objects.create(track=planning_track, reviewer=reviewer)


def test_committee_members_listed_for_track_staff_only(kind_staff, kaia_staff, member, reviewer):
    body = results(client_for(kind_staff).get(url("committee-member")))
    assert [row["reviewer"] for row in body] == [
        {"id": reviewer.pk, "name": reviewer.name, "email": reviewer.email}
    ]
    assert ids(client_for(kaia_staff).get(url("committee-member"))) == set()
    assert ids(client_for(reviewer).get(url("committee-member"))) == set()


def test_committee_member_remove_audited(kind_staff, member, planning_track):
    response = client_for(kind_staff).delete(url("committee-member", member))
    assert response.status_code == 204
    assert not CommitteeMember.objects.exists()
    event = audit_events_for(planning_track).get(action="committee_member_removed")
    assert event.detail == {"reviewer": member.reviewer_id}


def test_committee_member_remove_refused_while_reviewing(kind_staff, member, planning_track):
    AssignmentFactory(
        application=SubmittedApplicationFactory(track=planning_track, status="under_review"),
        reviewer=member.reviewer,
        status="in_progress",
    )
    response = client_for(kind_staff).delete(url("committee-member", member))
    assert response.status_code == 400
    assert CommitteeMember.objects.filter(pk=member.pk).exists()


def test_committee_member_remove_by_other_track_staff_is_404(kaia_staff, member):
    assert client_for(kaia_staff).delete(url("committee-member", member)).status_code == 404
    assert CommitteeMember.objects.filter(pk=member.pk).exists()


def test_committee_members_query_count_does_not_grow(
    kind_staff, planning_track, django_assert_max_num_queries
):
    client = client_for(kind_staff)
    CommitteeMember.objects.create(track=planning_track, reviewer=UserFactory())
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("committee-member")))) == 1
    for _ in range(4):
        CommitteeMember.objects.create(track=planning_track, reviewer=UserFactory())
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("committee-member")))) == 5


# --- Manual assignment ----------------------------------------------------------------------


@pytest.fixture
def eligible(planning_track):
    return SubmittedApplicationFactory(track=planning_track, status="eligible")


def test_assignment_create_audited_and_reviewer_told(kind_staff, member, eligible, reviewer):
    due = timezone.now() + datetime.timedelta(days=14)
    response = client_for(kind_staff).post(
        url("staff-assignment"),
        {"application": eligible.pk, "reviewer": reviewer.pk, "due_at": due.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["application"]["id"], body["reviewer"]["id"]) == (
        "invited",
        eligible.pk,
        reviewer.pk,
    )
    assignment = Assignment.objects.get(pk=body["id"])
    assert (assignment.assigned_by, assignment.due_at) == (kind_staff, due)
    event = audit_events_for(assignment).get()
    assert (event.action, event.new_value, event.actor) == ("assigned", "invited", kind_staff)
    message = Message.objects.get(template="reviews/assigned", channel="email")
    assert message.recipient == reviewer


def test_assignment_create_conflict_is_400(kind_staff, member, eligible, reviewer):
    ConflictDeclaration.objects.create(
        reviewer=reviewer, application=eligible, has_conflict=True, kind="personal"
    )
    response = client_for(kind_staff).post(
        url("staff-assignment"), {"application": eligible.pk, "reviewer": reviewer.pk}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "conflict"
    assert not Assignment.objects.exists()
    assert not Message.objects.exists()


def test_assignment_create_twice_is_400(kind_staff, member, eligible, reviewer):
    client = client_for(kind_staff)
    body = {"application": eligible.pk, "reviewer": reviewer.pk}
    assert client.post(url("staff-assignment"), body).status_code == 201
    response = client.post(url("staff-assignment"), body)
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate"
    assert Assignment.objects.count() == 1


def test_assignment_create_not_assignable_is_400(kind_staff, member, planning_track, reviewer):
    submitted = SubmittedApplicationFactory(track=planning_track)
    response = client_for(kind_staff).post(
        url("staff-assignment"), {"application": submitted.pk, "reviewer": reviewer.pk}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Only eligible applications and those under review get reviewers."
    )


def test_assignment_create_bad_input_is_400(kind_staff, member, eligible):
    outsider = UserFactory(roles=["reviewer"])
    response = client_for(kind_staff).post(
        url("staff-assignment"),
        {"application": "x", "reviewer": outsider.pk, "due_at": "tomorrow"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"application", "reviewer", "due_at"}
    assert not Assignment.objects.exists()


def test_assignment_create_other_track_is_400_and_by_applicant_403(
    kaia_staff, applicant, member, eligible, reviewer
):
    body = {"application": eligible.pk, "reviewer": reviewer.pk}
    response = client_for(kaia_staff).post(url("staff-assignment"), body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"application", "reviewer"}
    assert client_for(applicant).post(url("staff-assignment"), body).status_code == 403
    assert not Assignment.objects.exists()


@pytest.fixture
def assigned(kind_staff, member, eligible, reviewer):
    return services.assign_reviewer(application=eligible, reviewer=reviewer, actor=kind_staff)


def test_assignment_list_track_staff_see_reviewers(kind_staff, kaia_staff, reviewer, assigned):
    body = results(client_for(kind_staff).get(url("staff-assignment"), {"reviewer": reviewer.pk}))
    assert [(row["id"], row["reviewer"]["email"]) for row in body] == [
        (assigned.pk, reviewer.email)
    ]
    assert ids(client_for(kaia_staff).get(url("staff-assignment"))) == set()
    # The reviewer's own assignments are under /assignments/, never this staff list.
    assert ids(client_for(reviewer).get(url("staff-assignment"))) == set()


def test_assignment_remove_audited(kind_staff, assigned, eligible):
    response = client_for(kind_staff).post(
        url("staff-assignment", assigned, "remove"), {"reason": "Workload"}, format="json"
    )
    assert response.status_code == 204
    assert not Assignment.objects.exists()
    event = audit_events_for(eligible).get(action="assignment_removed")
    assert (event.old_value, event.detail["reason"], event.actor) == (
        "invited",
        "Workload",
        kind_staff,
    )


def test_assignment_remove_submitted_is_400(kind_staff, assigned):
    Assignment.objects.filter(pk=assigned.pk).update(
        status="submitted", submitted_at=timezone.now(), total=80
    )
    response = client_for(kind_staff).post(url("staff-assignment", assigned, "remove"))
    assert response.status_code == 400
    assert Assignment.objects.filter(pk=assigned.pk).exists()


def test_assignment_remove_bad_input_is_400(kind_staff, assigned):
    response = client_for(kind_staff).post(
        url("staff-assignment", assigned, "remove"), {"reason": "x" * 2001}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reason"}
    assert Assignment.objects.filter(pk=assigned.pk).exists()


def test_assignment_remove_by_other_track_staff_is_404(kaia_staff, assigned):
    response = client_for(kaia_staff).post(url("staff-assignment", assigned, "remove"))
    assert response.status_code == 404
    assert Assignment.objects.filter(pk=assigned.pk).exists()


def test_staff_assignments_query_count_does_not_grow(
    kind_staff, planning_track, django_assert_max_num_queries
):
    client = client_for(kind_staff)
    AssignmentFactory(application=SubmittedApplicationFactory(track=planning_track))
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("staff-assignment")))) == 1
    for _ in range(4):
        AssignmentFactory(application=SubmittedApplicationFactory(track=planning_track))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("staff-assignment")))) == 5
