"""Review and results through the API: criteria, the reviewer's own work, staff screening,
rankings, decisions and awards."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from awards.models import Award
from results.models import ApplicationResult, Decision
from reviews.models import Assignment, ConflictDeclaration
from tests.factories import (
    AssignmentFactory,
    AwardFactory,
    CallFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    InterestDeclarationFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
    TrackFactory,
    UserFactory,
)

from .conftest import client_for, ids, results, url

pytestmark = pytest.mark.django_db


# --- Criteria (public) ----------------------------------------------------------------------


def test_criterion_list_public_for_published_calls_only(api_client, planning_track):
    shown = CriterionFactory(track=planning_track, code="feasibility", max_points=30)
    hidden = CriterionFactory(track=TrackFactory(call=CallFactory(status="draft")))
    response = api_client.get(url("criterion"), {"track": planning_track.pk})
    assert ids(response) == {shown.pk}
    assert hidden.pk not in ids(api_client.get(url("criterion")))
    assert api_client.get(url("criterion", hidden)).status_code == 404


def test_criterion_list_query_count_does_not_grow(
    api_client, planning_track, django_assert_max_num_queries
):
    CriterionFactory(track=planning_track)
    with django_assert_max_num_queries(2) as one:
        assert len(results(api_client.get(url("criterion")))) == 1
    CriterionFactory.create_batch(5, track=planning_track)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(api_client.get(url("criterion")))) == 6


# --- Assignments ----------------------------------------------------------------------------


@pytest.fixture
def criterion(planning_track):
    return CriterionFactory(track=planning_track, code="feasibility", max_points=100)


@pytest.fixture
def assignment(reviewer, planning_track, criterion):
    return AssignmentFactory(
        application=SubmittedApplicationFactory(track=planning_track, status="under_review"),
        reviewer=reviewer,
        status=Assignment.Status.INVITED,
    )


@pytest.fixture
def declared(assignment):
    InterestDeclarationFactory(reviewer=assignment.reviewer)
    ConflictDeclarationFactory(reviewer=assignment.reviewer, application=assignment.application)
    assignment.status = Assignment.Status.ACCEPTED
    assignment.save()
    return assignment


def test_assignment_list_reviewer_sees_only_own(reviewer, assignment, criterion):
    other = AssignmentFactory(
        application=assignment.application,
        reviewer=UserFactory(),
        status="submitted",
        total=80,
        submitted_at=timezone.now(),
    )
    ScoreFactory(assignment=other, criterion=criterion, points=80)
    client = client_for(reviewer)
    response = client.get(url("assignment"))
    assert ids(response) == {assignment.pk}
    assert "80" not in str(results(response)[0]["scores"])
    assert client.get(url("assignment", other)).status_code == 404


@pytest.mark.parametrize("who", ["applicant", "kind_staff", "programme_admin"])
def test_assignment_list_other_roles_see_nothing(request, who, declared):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert ids(client.get(url("assignment"))) == set()
    assert client.get(url("assignment", declared)).status_code == 404


def test_assignment_declare_no_conflict_accepts(reviewer, assignment):
    response = client_for(reviewer).post(
        url("assignment", assignment, "declare-conflict"), {"has_conflict": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"


def test_assignment_declare_conflict_needs_kind(reviewer, assignment):
    response = client_for(reviewer).post(
        url("assignment", assignment, "declare-conflict"), {"has_conflict": True}, format="json"
    )
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]
    assert not ConflictDeclaration.objects.exists()


def test_assignment_declare_conflict_hides_the_application(reviewer, assignment):
    client = client_for(reviewer)
    response = client.post(
        url("assignment", assignment, "declare-conflict"),
        {"has_conflict": True, "kind": "personal", "details": "My cousin leads it."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "conflict"
    assert ids(client.get(url("assignment"))) == set()


def test_assignment_declare_bad_input_is_400(reviewer, assignment):
    response = client_for(reviewer).post(
        url("assignment", assignment, "declare-conflict"), {"kind": "bogus"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"has_conflict", "kind"}


def test_assignment_declare_by_another_reviewer_is_404(assignment):
    stranger = UserFactory(roles=["reviewer"])
    response = client_for(stranger).post(
        url("assignment", assignment, "declare-conflict"), {"has_conflict": False}, format="json"
    )
    assert response.status_code == 404


def test_assignment_decline(reviewer, assignment):
    client = client_for(reviewer)
    bad = client.post(url("assignment", assignment, "decline"), {"reason": "x"}, format="json")
    assert bad.status_code == 400
    response = client.post(
        url("assignment", assignment, "decline"), {"reason": "time"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_assignment_save_scores_before_declaring_is_403(reviewer, assignment, criterion):
    response = client_for(reviewer).post(
        url("assignment", assignment, "save-scores"),
        {"scores": [{"criterion": criterion.pk, "points": "50"}]},
        format="json",
    )
    assert response.status_code == 403


def test_an_expired_declaration_of_interests_closes_the_review_to_the_api(
    reviewer, declared, criterion
):
    """The pages send a reviewer whose yearly declaration has expired to renew it; the API
    must not be the way round: no content, no scoring, no other scores, and it says why."""
    from core.domain import DomainError
    from reviews import services
    from reviews.models import InterestDeclaration

    year_ago = timezone.now() - timezone.timedelta(days=366)
    InterestDeclaration.objects.filter(reviewer=reviewer).update(
        signed_at=year_ago, expires_at=year_ago + timezone.timedelta(days=365)
    )
    client = client_for(reviewer)
    for action in ("save-scores", "submit"):
        response = client.post(
            url("assignment", declared, action),
            {"scores": [{"criterion": criterion.pk, "points": "50"}]},
            format="json",
        )
        assert response.status_code == 403, action
        assert "declaration of interests" in response.json()["detail"]
    assert client.get(url("assignment", declared, "other-reviews")).status_code == 403
    application = reverse("api:application-detail", kwargs={"pk": declared.application_id})
    assert client.get(application).status_code == 404
    # The service itself refuses too (any other door).
    version = Assignment.objects.get(pk=declared.pk).draft_version
    with pytest.raises(DomainError) as refused:
        services.save_review_draft(assignment=declared, scores={}, actor=reviewer)
    assert refused.value.code == "declaration"
    declared.refresh_from_db()
    assert declared.status == Assignment.Status.ACCEPTED and declared.draft_version == version


def test_assignment_save_scores_draft(reviewer, declared, criterion):
    response = client_for(reviewer).post(
        url("assignment", declared, "save-scores"),
        {"scores": [{"criterion": criterion.pk, "points": "50.5", "justification": "Good."}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["scores"] == [
        {
            "criterion": criterion.pk,
            "points": "50.5",
            "max_points": "100.0",
            "justification": "Good.",
        }
    ]


def test_assignment_save_scores_out_of_range_is_400(reviewer, declared, criterion):
    response = client_for(reviewer).post(
        url("assignment", declared, "save-scores"),
        {"scores": [{"criterion": criterion.pk, "points": "150"}]},
        format="json",
    )
    assert response.status_code == 400
    assert f"points_{criterion.pk}" in response.json()["errors"]
    assert not declared.scores.exists()


def test_assignment_save_scores_malformed_is_400(reviewer, declared):
    response = client_for(reviewer).post(
        url("assignment", declared, "save-scores"), {"scores": "many"}, format="json"
    )
    assert response.status_code == 400
    assert "scores" in response.json()["errors"]


def test_assignment_submit_incomplete_is_400(reviewer, declared, criterion):
    response = client_for(reviewer).post(
        url("assignment", declared, "submit"),
        {"scores": [{"criterion": criterion.pk, "points": "70", "justification": "short"}]},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {f"justification_{criterion.pk}", "recommendation", "confidence"} <= set(errors)
    declared.refresh_from_db()
    assert declared.status == Assignment.Status.ACCEPTED


def test_assignment_submit_locks_with_total(reviewer, declared, criterion):
    client = client_for(reviewer)
    body = {
        "scores": [
            {
                "criterion": criterion.pk,
                "points": "72.5",
                "justification": "Feasible; land is available and the city is committed.",
            }
        ],
        "recommendation": "fund",
        "confidence": 3,
    }
    response = client.post(url("assignment", declared, "submit"), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert Decimal(response.json()["total"]) == Decimal("72.5")
    again = client.post(url("assignment", declared, "save-scores"), body, format="json")
    assert again.status_code == 403


def test_assignment_list_query_count_does_not_grow(
    reviewer, planning_track, criterion, django_assert_max_num_queries
):
    def make():
        a = AssignmentFactory(
            # Under review: the queue offers an open review only while the application is.
            application=SubmittedApplicationFactory(track=planning_track, status="under_review"),
            reviewer=reviewer,
        )
        ScoreFactory(assignment=a, criterion=criterion)

    make()
    client = client_for(reviewer)
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("assignment")))) == 1
    for _ in range(5):
        make()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("assignment")))) == 6


def test_conflict_declarations_only_own(reviewer, assignment):
    mine = ConflictDeclarationFactory(reviewer=reviewer, application=assignment.application)
    theirs = ConflictDeclarationFactory(application=assignment.application)
    client = client_for(reviewer)
    assert ids(client.get(url("conflict-declaration"))) == {mine.pk}
    assert client.get(url("conflict-declaration", theirs)).status_code == 404


def test_conflict_declarations_query_count_does_not_grow(reviewer, django_assert_max_num_queries):
    client = client_for(reviewer)
    ConflictDeclarationFactory(reviewer=reviewer)
    with django_assert_max_num_queries(6) as one:
        assert len(results(client.get(url("conflict-declaration")))) == 1
    ConflictDeclarationFactory.create_batch(4, reviewer=reviewer)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("conflict-declaration")))) == 5


# --- Screening ------------------------------------------------------------------------------


@pytest.fixture
def submitted(planning_track):
    return SubmittedApplicationFactory(track=planning_track)


def test_screen_eligible_by_track_staff(kind_staff, submitted):
    response = client_for(kind_staff).post(
        url("application", submitted, "screen"), {"eligible": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "eligible"


def test_screen_ineligible_needs_reason(kind_staff, submitted):
    client = client_for(kind_staff)
    response = client.post(
        url("application", submitted, "screen"), {"eligible": False}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = client.post(
        url("application", submitted, "screen"),
        {"eligible": False, "reason": "Not a public body."},
        format="json",
    )
    assert response.json()["status"] == "ineligible"
    assert response.json()["status_reason"] == "Not a public body."


def test_screen_bad_input_is_400(kind_staff, submitted):
    response = client_for(kind_staff).post(
        url("application", submitted, "screen"), {"eligible": "perhaps"}, format="json"
    )
    assert response.status_code == 400
    assert "eligible" in response.json()["errors"]


def test_screen_by_other_track_staff_is_404(kaia_staff, submitted):
    response = client_for(kaia_staff).post(
        url("application", submitted, "screen"), {"eligible": True}, format="json"
    )
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_screen_by_the_applicant_is_403(applicant, planning_track):
    own = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first()
    )
    response = client_for(applicant).post(
        url("application", own, "screen"), {"eligible": True}, format="json"
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == Application.Status.SUBMITTED


# --- Results, decisions, awards -------------------------------------------------------------


@pytest.fixture
def ranked(applicant, planning_track, demonstration_track):
    """A ranked, selected (unreleased) planning application of the applicant and a DM one."""
    own = SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        status="selected",
    )
    dm = SubmittedApplicationFactory(track=demonstration_track, status="reviewed")
    rows = {
        "pl": ApplicationResult.objects.create(
            application=own, track=planning_track, rank=1, official_score=Decimal("88.20")
        ),
        "dm": ApplicationResult.objects.create(
            application=dm, track=demonstration_track, rank=1, official_score=Decimal("75")
        ),
    }
    rows["decision"] = Decision.objects.create(
        application=own, track=planning_track, outcome="selected", amount=400_000_000
    )
    return rows


def test_results_track_staff_sees_own_track_only(kind_staff, ranked):
    response = client_for(kind_staff).get(url("result"))
    assert ids(response) == {ranked["pl"].pk}
    assert results(response)[0]["official_score"] == "88.20"
    assert client_for(kind_staff).get(url("result", ranked["dm"])).status_code == 404


def test_results_programme_admin_sees_all(programme_admin, ranked):
    assert ids(client_for(programme_admin).get(url("result"))) == {
        ranked["pl"].pk,
        ranked["dm"].pk,
    }


@pytest.mark.parametrize("who", ["applicant", "reviewer"])
def test_results_and_decisions_hidden_from_applicant_and_reviewer(request, who, ranked):
    client = client_for(request.getfixturevalue(who))
    for basename in ("result", "decision"):
        response = client.get(url(basename))
        assert ids(response) == set()
        assert "88.20" not in response.content.decode()
    assert client.get(url("decision", ranked["decision"])).status_code == 404


def test_results_filter_by_track(programme_admin, ranked, demonstration_track):
    response = client_for(programme_admin).get(url("result"), {"track": demonstration_track.pk})
    assert ids(response) == {ranked["dm"].pk}


def test_results_query_count_does_not_grow(
    programme_admin, planning_track, django_assert_max_num_queries
):
    def make(rank):
        app = SubmittedApplicationFactory(track=planning_track, status="reviewed")
        ApplicationResult.objects.create(application=app, track=planning_track, rank=rank)

    make(1)
    client = client_for(programme_admin)
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("result")))) == 1
    for rank in range(2, 7):
        make(rank)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("result")))) == 6


def test_decisions_track_staff(kind_staff, kaia_staff, ranked):
    assert ids(client_for(kind_staff).get(url("decision"))) == {ranked["decision"].pk}
    assert ids(client_for(kaia_staff).get(url("decision"))) == set()


@pytest.fixture
def award(planning_track):
    return AwardFactory(
        application=SubmittedApplicationFactory(track=planning_track, status="awarded"),
        amount=400_000_000,
    )


def test_awards_list_track_staff_only(kind_staff, kaia_staff, applicant, award):
    assert ids(client_for(kind_staff).get(url("award"))) == {award.pk}
    assert ids(client_for(kaia_staff).get(url("award"))) == set()
    assert ids(client_for(applicant).get(url("award"))) == set()


def test_award_move_approve(kind_staff, award):
    response = client_for(kind_staff).post(
        url("award", award, "move"), {"to": "approved"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"


def test_award_move_illegal_is_400(kind_staff, award):
    response = client_for(kind_staff).post(
        url("award", award, "move"), {"to": "completed"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "illegal_transition"


def test_award_cancel_needs_reason(kind_staff, award):
    response = client_for(kind_staff).post(
        url("award", award, "move"), {"to": "cancelled"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    award.refresh_from_db()
    assert award.status == Award.Status.PROPOSED


def test_award_move_bad_input_is_400(kind_staff, award):
    response = client_for(kind_staff).post(
        url("award", award, "move"), {"to": "paid"}, format="json"
    )
    assert response.status_code == 400
    assert "to" in response.json()["errors"]


def test_award_move_by_other_track_staff_is_404(kaia_staff, award):
    response = client_for(kaia_staff).post(
        url("award", award, "move"), {"to": "approved"}, format="json"
    )
    assert response.status_code == 404


def test_awards_query_count_does_not_grow(
    kind_staff, planning_track, django_assert_max_num_queries
):
    AwardFactory(application=SubmittedApplicationFactory(track=planning_track))
    client = client_for(kind_staff)
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("award")))) == 1
    for _ in range(4):
        AwardFactory(application=SubmittedApplicationFactory(track=planning_track))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("award")))) == 5


def test_decisions_query_count_does_not_grow(
    programme_admin, planning_track, django_assert_max_num_queries
):
    def make():
        app = SubmittedApplicationFactory(track=planning_track, status="rejected")
        Decision.objects.create(application=app, track=planning_track, outcome="rejected")

    make()
    client = client_for(programme_admin)
    with django_assert_max_num_queries(10) as one:
        assert len(results(client.get(url("decision")))) == 1
    for _ in range(5):
        make()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(client.get(url("decision")))) == 6


# --- Track-level results work ---------------------------------------------------------------


@pytest.fixture
def scored_track(planning_track):
    """Two applications under review on the planning track, each with one submitted review."""
    from tests.factories.results import make_criteria, reviewed_application, submit_review

    (criterion,) = make_criteria(planning_track, ("feasibility", 100, None, 1))
    planning_track.min_reviewers = 1
    planning_track.save()
    for total in (90, 60):
        submit_review(reviewed_application(planning_track), None, {criterion: total})
    return planning_track


def test_staff_tracks_list_own_only(kind_staff, kaia_staff, planning_track, demonstration_track):
    assert ids(client_for(kind_staff).get(url("staff-track"))) == {planning_track.pk}
    assert ids(client_for(kaia_staff).get(url("staff-track"))) == {demonstration_track.pk}


@pytest.mark.parametrize("who", ["applicant", "reviewer"])
def test_staff_tracks_hidden_from_others(request, who, planning_track):
    client = client_for(request.getfixturevalue(who))
    assert ids(client.get(url("staff-track"))) == set()
    response = client.post(url("staff-track", planning_track, "aggregate"))
    assert response.status_code == 404


def test_staff_track_aggregate_runs_the_job(
    kind_staff, scored_track, django_capture_on_commit_callbacks
):
    # The job is queued on commit (Celery runs eagerly in the tests).
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(kind_staff).post(url("staff-track", scored_track, "aggregate"))
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["kind"] == "aggregate"
    progress = client_for(kind_staff).get(reverse("api:job-detail", kwargs={"pk": job["id"]}))
    assert progress.json()["status"] == "succeeded"
    ranking = results(client_for(kind_staff).get(url("result"), {"track": scored_track.pk}))
    assert [row["rank"] for row in ranking] == [1, 2]
    assert [row["official_score"] for row in ranking] == ["90.00", "60.00"]


def test_staff_track_aggregate_by_other_track_staff_is_404(kaia_staff, scored_track):
    response = client_for(kaia_staff).post(url("staff-track", scored_track, "aggregate"))
    assert response.status_code == 404
    assert not ApplicationResult.objects.exists()


def test_staff_track_funding_line_confirm_release(
    kind_staff, programme_admin, scored_track, django_capture_on_commit_callbacks
):
    staff = client_for(kind_staff)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url("staff-track", scored_track, "aggregate"))
    response = staff.post(url("staff-track", scored_track, "propose-funding-line"))
    assert response.status_code == 200, response.content
    outcomes = {row["application"]["id"]: row["outcome"] for row in response.json()}
    assert sorted(outcomes.values()) == ["rejected", "selected"]
    # Confirming and releasing are a programme admin's.
    refused = staff.post(url("staff-track", scored_track, "confirm-decisions"))
    assert refused.status_code == 403
    admin = client_for(programme_admin)
    assert admin.post(url("staff-track", scored_track, "confirm-decisions")).json() == {"count": 2}
    assert admin.post(url("staff-track", scored_track, "release-decisions")).json() == {"count": 2}
    assert set(Application.objects.filter(track=scored_track).values_list("status", flat=True)) == {
        "selected",
        "rejected",
    }


def test_staff_track_release_without_decisions_is_400(programme_admin, planning_track):
    response = client_for(programme_admin).post(
        url("staff-track", planning_track, "release-decisions")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "none"


def test_staff_tracks_and_jobs_query_count_does_not_grow(
    programme_admin, django_assert_max_num_queries
):
    from reviews.models import Job

    client = client_for(programme_admin)
    TrackFactory(call=CallFactory())
    Job.objects.create(track=TrackFactory(call=CallFactory()), kind="aggregate")
    with django_assert_max_num_queries(10) as tracks_one:
        client.get(url("staff-track"))
    with django_assert_max_num_queries(10) as jobs_one:
        client.get(reverse("api:job-list"))
    for _ in range(4):
        Job.objects.create(track=TrackFactory(call=CallFactory()), kind="aggregate")
    with django_assert_max_num_queries(len(tracks_one.captured_queries)):
        assert len(results(client.get(url("staff-track")))) == 6
    with django_assert_max_num_queries(len(jobs_one.captured_queries)):
        assert len(results(client.get(reverse("api:job-list")))) == 5


# --- Changing a decision, awarding funding --------------------------------------------------


def test_decision_change_with_reason(kind_staff, ranked):
    client = client_for(kind_staff)
    bad = client.post(
        url("decision", ranked["decision"], "change"), {"outcome": "reserve"}, format="json"
    )
    assert bad.status_code == 400
    assert "reason" in bad.json()["errors"]
    response = client.post(
        url("decision", ranked["decision"], "change"),
        {"outcome": "reserve", "reason": "The site is not ready yet."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "reserve"


def test_decision_change_by_other_track_staff_is_404(kaia_staff, ranked):
    response = client_for(kaia_staff).post(
        url("decision", ranked["decision"], "change"),
        {"outcome": "rejected", "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    ranked["decision"].refresh_from_db()
    assert ranked["decision"].outcome == "selected"


@pytest.fixture
def released(planning_track):
    app = SubmittedApplicationFactory(track=planning_track, status="selected")
    now = timezone.now()
    Decision.objects.create(
        application=app,
        track=planning_track,
        outcome="selected",
        amount=400_000_000,
        confirmed_at=now,
        released_at=now,
    )
    return app


def test_award_create_for_released_selection(kind_staff, released):
    response = client_for(kind_staff).post(
        url("award"), {"application": released.pk, "amount": 400_000_000}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "proposed"
    assert body["project"]
    released.refresh_from_db()
    assert released.status == "awarded"


def test_award_create_amount_out_of_range_is_400(kind_staff, released):
    response = client_for(kind_staff).post(
        url("award"), {"application": released.pk, "amount": 900_000_000}, format="json"
    )
    assert response.status_code == 400
    assert "amount" in response.json()["errors"]
    assert not Award.objects.exists()


def test_award_create_other_track_is_400_without_leak(kaia_staff, released):
    response = client_for(kaia_staff).post(
        url("award"), {"application": released.pk, "amount": 400_000_000}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["application"] == [
        f'Invalid pk "{released.pk}" - object does not exist.'
    ]
    assert not Award.objects.exists()


def test_award_create_by_applicant_is_403(applicant, planning_track):
    own = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), status="selected"
    )
    response = client_for(applicant).post(
        url("award"), {"application": own.pk, "amount": 400_000_000}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Award.objects.exists()


def test_assignment_save_scores_nested_errors_are_named_by_path(reviewer, declared, criterion):
    response = client_for(reviewer).post(
        url("assignment", declared, "save-scores"),
        {"scores": [{"criterion": criterion.pk, "points": "50"}, {"criterion": "x"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "scores.1.criterion": ["A valid integer is required."],
        "scores.1.points": ["This field is required."],
    }
    assert not declared.scores.exists()


def test_staff_track_propose_funding_line_is_a_plain_list(
    kind_staff, scored_track, django_capture_on_commit_callbacks
):
    client = client_for(kind_staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("staff-track", scored_track, "aggregate"))
    # The whole line, never a page of it (the schema said "paginated" before).
    response = client.post(
        url("staff-track", scored_track, "propose-funding-line") + "?page_size=1"
    )
    assert response.status_code == 200, response.content
    assert len(response.json()) == 2


def test_a_due_date_in_the_past_is_refused_by_the_api_too(kind_staff, planning_track):
    """The pages' date field refuses a past due date next to the field; the services say the
    same to the API (core.domain.refuse_past_due), for a clarification and an assignment."""
    from applications.models import ClarificationRequest

    application = SubmittedApplicationFactory(track=planning_track)
    client = client_for(kind_staff)
    response = client.post(
        url("application", application, "request-clarification"),
        {"message": "Add the site map.", "sections": ["site"], "due_at": "2020-01-01T09:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"due_at": ["This date must be in the future."]}
    assert not ClarificationRequest.objects.exists()
    # Nor one so far ahead that it cannot be shown in Seoul (year 10000 after +09:00).
    response = client.post(
        url("application", application, "request-clarification"),
        {"message": "Add the site map.", "sections": ["site"], "due_at": "9999-12-31T23:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["due_at"]
    assert not ClarificationRequest.objects.exists()
