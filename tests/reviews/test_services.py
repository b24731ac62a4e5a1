"""Services of the review work: conflicts, assignment, scoring, reopening, reminders."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import roles
from accounts.models import AuditEvent, ReviewerProfile
from core.domain import DomainError
from notifications.models import Message
from reviews import assignment as planner
from reviews import services
from reviews.models import Assignment, CommitteeMember, ConflictDeclaration, Job, ReviewerInvitation
from tests.factories import (
    AssignmentFactory,
    ConsortiumMemberFactory,
    CriterionFactory,
    OrganizationFactory,
    SubmittedApplicationFactory,
    UserFactory,
)
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import committee_reviewer

pytestmark = pytest.mark.django_db


def _scores(criteria, points=Decimal("15"), text="A justification long enough to pass."):
    return {c.pk: (points, text) for c in criteria}


def test_compute_total_is_the_plain_sum_without_weights(criteria):
    rows = [(Decimal(p), c) for p, c in zip(["20", "15.5", "10", "0", "7"], criteria, strict=True)]
    assert services.compute_total(rows) == Decimal("52.50")


def test_compute_total_scales_a_weighted_sum_to_100(planning_track):
    a = CriterionFactory(track=planning_track, max_points=50, weight=2)
    b = CriterionFactory(track=planning_track, max_points=50, weight=1)
    # 100·(50·2 + 20·1)/(50·2 + 50·1) = 80
    assert services.compute_total([(Decimal(50), a), (Decimal(20), b)]) == Decimal("80.00")
    assert services.compute_total([(Decimal(50), a), (Decimal(50), b)]) == Decimal("100.00")


def test_submit_review_computes_total_locks_and_runs_hooks(
    assignment, criteria, django_capture_on_commit_callbacks
):
    seen = []
    services.REVIEW_SUBMITTED_HOOKS.append(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.submit_review(
                assignment=assignment,
                scores=_scores(criteria),
                recommendation="fund",
                confidence=3,
                actor=assignment.reviewer,
            )
    finally:
        services.REVIEW_SUBMITTED_HOOKS.remove(seen.append)
    assignment.refresh_from_db()
    assert (assignment.status, assignment.total) == ("submitted", Decimal("75.00"))
    # The copy of the points the aggregation reads: criterion id → points in tenths.
    assert assignment.points_by_criterion == {str(c.pk): 150 for c in criteria}
    assert [a.pk for a in seen] == [assignment.pk]
    with pytest.raises(DomainError, match="locked"):
        services.save_review_draft(
            assignment=assignment, scores=_scores(criteria), actor=assignment.reviewer
        )


def test_submit_review_refuses_missing_and_short_input_and_saves_nothing(assignment, criteria):
    scores = _scores(criteria)
    scores[criteria[0].pk] = (None, "")
    scores[criteria[1].pk] = (Decimal(10), "short")
    with pytest.raises(services.ReviewInvalid) as caught:
        services.submit_review(
            assignment=assignment,
            scores=scores,
            recommendation="",
            confidence=None,
            actor=assignment.reviewer,
        )
    assert set(caught.value.errors) == {
        f"points_{criteria[0].pk}",
        f"justification_{criteria[0].pk}",
        f"justification_{criteria[1].pk}",
        "recommendation",
        "confidence",
    }
    assignment.refresh_from_db()
    assert assignment.status == "accepted"


@pytest.mark.parametrize("points", [Decimal("7.3"), Decimal("-1"), Decimal("20.5")])
def test_save_review_draft_refuses_bad_points(assignment, criteria, points):
    with pytest.raises(services.ReviewInvalid):
        services.save_review_draft(
            assignment=assignment,
            scores={criteria[0].pk: (points, "")},
            actor=assignment.reviewer,
        )


def test_save_review_draft_keeps_partial_work(assignment, criteria):
    services.save_review_draft(
        assignment=assignment,
        scores={criteria[0].pk: (None, "Only words so far"), criteria[1].pk: (Decimal("7.5"), "")},
        actor=assignment.reviewer,
    )
    assignment.refresh_from_db()
    assert assignment.status == "in_progress"
    stored = {s.criterion_id: (s.points, s.justification) for s in assignment.scores.all()}
    assert stored[criteria[0].pk] == (None, "Only words so far")
    assert stored[criteria[1].pk] == (Decimal("7.5"), "")


def test_reopen_review_needs_a_reason_and_is_audited(assignment, criteria, kind_staff):
    services.submit_review(
        assignment=assignment,
        scores=_scores(criteria, points=Decimal("12.5")),
        recommendation="fund",
        confidence=2,
        actor=assignment.reviewer,
    )
    with pytest.raises(DomainError):
        services.reopen_review(assignment=assignment, reason=" ", actor=kind_staff)
    assignment.refresh_from_db()
    assert set(assignment.points_by_criterion.values()) == {125}
    services.reopen_review(
        assignment=assignment, reason="Score 3 contradicts text", actor=kind_staff
    )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.total) == ("in_progress", None)
    assert assignment.points_by_criterion is None
    event = AuditEvent.objects.filter(object_id=str(assignment.pk), new_value="in_progress").last()
    assert event.detail["reason"] == "Score 3 contradicts text"
    assert event.actor == kind_staff
    assert Message.objects.filter(
        recipient=assignment.reviewer, template="reviews/reopened"
    ).exists()


def test_declare_conflict_hides_application_for_good(role_groups, planning_track, under_review):
    reviewer = committee_reviewer(planning_track, "r1@expert.example.net")
    assignment = AssignmentFactory(application=under_review, reviewer=reviewer, status="invited")
    services.declare_conflict(
        assignment=assignment, has_conflict=True, kind="personal", actor=reviewer
    )
    assignment.refresh_from_db()
    assert assignment.status == "conflict"
    from applications.selectors import applications_for_user

    assert not applications_for_user(reviewer).filter(pk=under_review.pk).exists()
    with pytest.raises(DomainError):
        services.declare_conflict(assignment=assignment, has_conflict=False, actor=reviewer)


def test_declare_no_conflict_accepts_the_invitation(role_groups, planning_track, under_review):
    reviewer = committee_reviewer(planning_track, "r2@expert.example.net")
    assignment = AssignmentFactory(application=under_review, reviewer=reviewer, status="invited")
    services.declare_conflict(assignment=assignment, has_conflict=False, actor=reviewer)
    assignment.refresh_from_db()
    assert assignment.status == "accepted"


def test_decline_with_reason_records_it(role_groups, planning_track, under_review):
    reviewer = committee_reviewer(planning_track, "r3@expert.example.net")
    assignment = AssignmentFactory(application=under_review, reviewer=reviewer, status="invited")
    services.decline_assignment(
        assignment=assignment, reason="time", note="Travelling", actor=reviewer
    )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.decline_reason) == ("declined", "time")


@pytest.mark.parametrize(
    ("setup", "kind"),
    [
        ("same_org", ConflictDeclaration.Kind.SAME_ORGANISATION),
        ("domain", ConflictDeclaration.Kind.SAME_EMAIL_DOMAIN),
        ("company", ConflictDeclaration.Kind.RECENT_COMPANY),
        ("consortium_domain", ConflictDeclaration.Kind.SAME_EMAIL_DOMAIN),
    ],
)
def test_detected_conflicts_are_recorded_and_never_assigned(
    role_groups, demonstration_track, kaia_staff, setup, kind
):
    lead = OrganizationFactory(name="Hanbit Mobility", kind="korean_company", country_code="KR")
    application = SubmittedApplicationFactory(
        track=demonstration_track, organization=lead, status="eligible"
    )
    ConsortiumMemberFactory(
        application=application, name="Seoul Smart Grid Co.", email_domain="smartgrid.co.kr"
    )
    UserFactory(email="ceo@hanbit.co.kr", organizations=[lead])
    reviewer = committee_reviewer(demonstration_track, "expert@independent.ac.kr")
    if setup == "same_org":
        UserFactory(email=reviewer.email, organizations=[lead])
    elif setup == "domain":
        reviewer.email = "someone@hanbit.co.kr"
        reviewer.save()
    elif setup == "company":
        ReviewerProfile.objects.create(
            user=reviewer, recent_companies="Other Ltd\n seoul smart GRID co. "
        )
    else:
        reviewer.email = "advisor@smartgrid.co.kr"
        reviewer.save()
    assert services.record_detected_conflicts(track=demonstration_track) == 1
    declaration = ConflictDeclaration.objects.get(reviewer=reviewer, application=application)
    assert (declaration.kind, declaration.source, declaration.has_conflict) == (
        kind,
        "detected",
        True,
    )
    with pytest.raises(DomainError, match="conflict"):
        services.assign_reviewer(application=application, reviewer=reviewer, actor=kaia_staff)


def test_free_mail_domain_is_not_a_conflict(role_groups, planning_track, kind_staff):
    org = OrganizationFactory(name="Zuunmod City", kind="city_government", country_code="MN")
    UserFactory(email="mayor.office@gmail.com", organizations=[org])
    application = SubmittedApplicationFactory(
        track=planning_track, organization=org, status="eligible"
    )
    reviewer = committee_reviewer(planning_track, "expert@gmail.com")
    assert services.record_detected_conflicts(track=planning_track) == 0
    services.assign_reviewer(application=application, reviewer=reviewer, actor=kind_staff)


def test_assign_reviewer_refuses_duplicates_and_full_load(role_groups, planning_track, kind_staff):
    planning_track.max_reviewer_load = 1
    planning_track.save()
    first, second = (
        SubmittedApplicationFactory(track=planning_track, status="eligible") for _ in range(2)
    )
    reviewer = committee_reviewer(planning_track, "busy@expert.example.net")
    services.assign_reviewer(application=first, reviewer=reviewer, actor=kind_staff)
    with pytest.raises(DomainError, match="already assigned"):
        services.assign_reviewer(application=first, reviewer=reviewer, actor=kind_staff)
    with pytest.raises(DomainError, match="maximum"):
        services.assign_reviewer(application=second, reviewer=reviewer, actor=kind_staff)


def test_assign_reviewer_refuses_someone_off_the_committee(role_groups, planning_track, kind_staff):
    application = SubmittedApplicationFactory(track=planning_track, status="eligible")
    outsider = UserFactory(email="outsider@expert.example.net")
    with pytest.raises(DomainError, match="committee"):
        services.assign_reviewer(application=application, reviewer=outsider, actor=kind_staff)


def test_assignment_job_meets_minimum_and_avoids_conflicts(
    role_groups, planning_track, kind_staff, django_capture_on_commit_callbacks
):
    planning_track.min_reviewers = 3
    planning_track.max_reviewer_load = 4
    planning_track.save()
    apps = [SubmittedApplicationFactory(track=planning_track, status="eligible") for _ in range(5)]
    reviewers = [committee_reviewer(planning_track, f"rev{i}@expert.example.net") for i in range(5)]
    ConflictDeclaration.objects.create(
        reviewer=reviewers[0], application=apps[0], has_conflict=True, kind="personal"
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = services.create_assignment_job(track=planning_track, actor=kind_staff)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert (job.done, job.total) == (15, 15)
    for application in apps:
        assert application.assignments.count() == 3
    assert not Assignment.objects.filter(reviewer=reviewers[0], application=apps[0]).exists()
    loads = [Assignment.objects.filter(reviewer=r).count() for r in reviewers]
    assert max(loads) <= 4 and sum(loads) == 15
    assert Message.objects.filter(template="reviews/assigned", channel="email").count() == 5


def test_assignment_job_says_which_application_is_short_and_why(
    role_groups, planning_track, kind_staff, django_capture_on_commit_callbacks
):
    planning_track.min_reviewers = 2
    planning_track.save()
    application = SubmittedApplicationFactory(
        track=planning_track, status="eligible", reference="2026-PL-042"
    )
    committee_reviewer(planning_track, "alone@expert.example.net")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.create_assignment_job(track=planning_track, actor=kind_staff)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "2026-PL-042 lacks 1 reviewer(s)" in job.message
    assert "only 1 committee members without a conflict" in job.message
    assert job.result["shortfalls"] == [
        {
            "application": application.pk,
            "reference": "2026-PL-042",
            "missing": 1,
            "reason": "no_reviewers_without_conflict",
            "available": 1,
        }
    ]


def test_start_review_requires_100_points_then_locks_criteria(planning_track, kind_staff, criteria):
    eligible = SubmittedApplicationFactory(track=planning_track, status="eligible")
    criteria[0].max_points = 10
    criteria[0].save()
    with pytest.raises(DomainError, match="90"):
        services.start_review(track=planning_track, actor=kind_staff)
    criteria[0].max_points = 20
    criteria[0].save()
    assert services.start_review(track=planning_track, actor=kind_staff) == 1
    eligible.refresh_from_db()
    planning_track.refresh_from_db()
    assert eligible.status == "under_review"
    assert planning_track.criteria_locked_at is not None
    criteria[1].max_points = 25
    with pytest.raises(DomainError, match="locked"):
        services.save_criterion(criterion=criteria[1], actor=kind_staff)
    with pytest.raises(DomainError, match="locked"):
        services.delete_criterion(criterion=criteria[2], actor=kind_staff)


def test_move_criterion_reorders(planning_track, kind_staff, criteria):
    services.move_criterion(criterion=criteria[2], up=True, actor=kind_staff)
    order = list(planning_track.criteria.order_by("order").values_list("code", flat=True))
    assert order == ["c1", "c3", "c2", "c4", "c5"]


def test_invitation_accepted_only_by_its_addressee(role_groups, planning_track, kind_staff):
    invitation = services.invite_reviewer(
        track=planning_track, email="New.Expert@Example.net", name="New", actor=kind_staff
    )
    assert Message.objects.filter(
        to_email="new.expert@example.net", template="reviews/invitation"
    ).exists()
    stranger = UserFactory(email="stranger@example.net")
    with pytest.raises(DomainError, match="another e-mail"):
        services.respond_to_invitation(invitation=invitation, accept=True, actor=stranger)
    assert not CommitteeMember.objects.filter(track=planning_track, reviewer=stranger).exists()
    expert = UserFactory(email="new.expert@example.net")
    # Whoever holds the link may have registered the address: not without verifying it.
    with pytest.raises(DomainError) as unverified:
        services.respond_to_invitation(invitation=invitation, accept=True, actor=expert)
    assert unverified.value.code == "unverified"
    assert not CommitteeMember.objects.filter(track=planning_track, reviewer=expert).exists()
    expert.email_verified_at = timezone.now()
    expert.save(update_fields=["email_verified_at"])
    services.respond_to_invitation(invitation=invitation, accept=True, actor=expert)
    invitation.refresh_from_db()
    assert invitation.status == ReviewerInvitation.Status.ACCEPTED
    assert CommitteeMember.objects.filter(track=planning_track, reviewer=expert).exists()
    assert expert.groups.filter(name="reviewer").exists()
    with pytest.raises(DomainError, match="already"):
        services.invite_reviewer(
            track=planning_track, email="new.expert@example.net", actor=kind_staff
        )


def test_expired_invitation_is_refused(role_groups, planning_track, kind_staff):
    invitation = services.invite_reviewer(
        track=planning_track, email="late@example.net", actor=kind_staff
    )
    ReviewerInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=60),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    late = UserFactory(email="late@example.net")
    with pytest.raises(DomainError, match="expired"):
        services.respond_to_invitation(invitation=invitation, accept=True, actor=late)


def test_interest_declaration_expires_after_a_year(role_groups):
    reviewer = UserFactory(email="decl@expert.example.net", roles=[roles.REVIEWER])
    declaration = services.sign_interest_declaration(
        reviewer=reviewer, interests="none", actor=reviewer
    )
    assert services.current_interest_declaration(reviewer) == declaration
    declaration.signed_at = timezone.now() - datetime.timedelta(days=400)
    declaration.expires_at = timezone.now() - datetime.timedelta(days=35)
    declaration.save()
    assert services.current_interest_declaration(reviewer) is None


def test_remind_reviewers_at_3_days_1_day_and_daily_when_overdue(assignment):
    track = assignment.application.track
    now = timezone.now()
    track.review_deadline = now + datetime.timedelta(days=3)
    track.save()
    assert services.remind_reviewers(now=now) == 1
    assert services.remind_reviewers(now=now) == 0  # once per day
    assert services.remind_reviewers(now=now + datetime.timedelta(days=1)) == 0  # 2 days left
    assert services.remind_reviewers(now=now + datetime.timedelta(days=2)) == 1  # 1 day left
    assert services.remind_reviewers(now=now + datetime.timedelta(days=4)) == 1  # overdue
    assert services.remind_reviewers(now=now + datetime.timedelta(days=5)) == 1  # overdue again
    assert (
        Message.objects.filter(
            template="reviews/reminder", channel="email", recipient=assignment.reviewer
        ).count()
        == 4
    )


def test_remove_assignment_refused_once_submitted(assignment, criteria, kind_staff):
    services.submit_review(
        assignment=assignment,
        scores=_scores(criteria),
        recommendation="fund",
        confidence=2,
        actor=assignment.reviewer,
    )
    with pytest.raises(DomainError):
        services.remove_assignment(assignment=assignment, actor=kind_staff)


def test_assignment_job_failure_is_reported_on_the_job(
    role_groups, planning_track, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    def explode(**kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(planner, "plan_assignments", explode)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.create_assignment_job(track=planning_track, actor=kind_staff)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "The assignment failed: solver exploded"
    assert job.finished_at is not None


def test_assignment_job_that_cannot_be_queued_says_so(
    role_groups, planning_track, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    from reviews import tasks

    def broker_down(**kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.task_assign_reviewers, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.create_assignment_job(track=planning_track, actor=kind_staff)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "broker unreachable" in job.message


def test_finished_assignment_job_is_not_run_twice(role_groups, planning_track, kind_staff):
    job = Job.objects.create(
        track=planning_track, kind="assign", status="succeeded", message="done"
    )
    assert services.run_assignment_job(job_id=job.pk).message == "done"


def test_review_tasks_are_registered_and_scheduled(settings):
    from kcity.celery import app
    from reviews import tasks  # noqa: F401

    assert "reviews.assign_reviewers" in app.tasks
    assert "reviews.remind_reviewers" in app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reviews.remind_reviewers" in scheduled


def test_remind_reviewers_task_runs_the_service(assignment):
    from reviews.tasks import task_remind_reviewers

    track = assignment.application.track
    track.review_deadline = timezone.now() - datetime.timedelta(hours=1)
    track.save()
    assert task_remind_reviewers.delay().get() == 1


def test_track_staff_are_told_when_a_reviewer_drops_out(
    role_groups, planning_track, under_review, kind_staff, kaia_staff
):
    reviewer = committee_reviewer(planning_track, "drop@expert.example.net")
    reviewer.name = "Dr Drop"
    reviewer.save()
    assignment = AssignmentFactory(application=under_review, reviewer=reviewer, status="invited")
    services.decline_assignment(assignment=assignment, reason="expertise", actor=reviewer)
    notice = Message.objects.get(template="reviews/reviewer_dropped", recipient=kind_staff)
    assert notice.channel == "in_app"
    assert "Dr Drop declined 2026-PL-001: not their expertise." in notice.body
    assert not Message.objects.filter(template="reviews/reviewer_dropped", recipient=kaia_staff)


def test_bulk_assignment_sets_the_due_date(role_groups, planning_track, under_review, kind_staff):
    due = timezone.now() + datetime.timedelta(days=10)
    reviewer = committee_reviewer(planning_track, "due@expert.example.net")
    [created], refused = services.assign_reviewers_bulk(
        applications=[under_review], reviewers=[reviewer], actor=kind_staff, due_at=due
    )
    assert refused == []
    assert created.due_at == due
    assert created.effective_due == due


def test_overdue_without_own_due_date_past_track_deadline_agrees_everywhere(assignment):
    """One definition of "overdue": the workspace badge, the staff board and the reminder all
    read the track's deadline when the assignment has no due date of its own."""
    from reviews.selectors import review_board

    track = assignment.application.track
    track.review_deadline = timezone.now() - datetime.timedelta(hours=1)
    track.save()
    assignment.refresh_from_db()
    assert assignment.due_at is None
    assert assignment.is_overdue is True
    board = review_board(track, state="overdue")
    assert [c.state for row in board.rows for c in row.cells if c.assignment] == ["overdue"]
    assert services.remind_reviewers() == 1
    reminder = Message.objects.get(template="reviews/reminder", channel="email")
    assert reminder.context["overdue"] is True


def test_submitted_assignment_past_the_deadline_is_not_overdue(assignment):
    track = assignment.application.track
    track.review_deadline = timezone.now() - datetime.timedelta(hours=1)
    track.save()
    # In memory: the state the property reads (a saved submission also needs its scores).
    assignment.status = Assignment.Status.SUBMITTED
    assert assignment.is_overdue is False


def test_criteria_and_assignments_are_changed_only_by_the_tracks_staff(
    kaia_staff, kind_staff, planning_track, under_review, assignment
):
    """The services ask the rule themselves (the admin's add form and the API only ask it
    before calling them): staff of the other secretariat are refused by every door."""
    from reviews.models import Criterion

    assigned_reviewer = assignment.reviewer
    assignment.delete()
    criterion = Criterion(track=planning_track, code="extra", name="Extra", max_points=5)
    for attempt in (
        lambda: services.save_criterion(criterion=criterion, actor=kaia_staff),
        lambda: services.assign_reviewer(
            application=under_review, reviewer=assigned_reviewer, actor=kaia_staff
        ),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "forbidden"
    assert not Criterion.objects.filter(code="extra").exists()
    assignment = services.assign_reviewer(
        application=under_review, reviewer=assigned_reviewer, actor=kind_staff
    )
    with pytest.raises(DomainError):
        services.remove_assignment(assignment=assignment, actor=kaia_staff)
    services.remove_assignment(assignment=assignment, actor=kind_staff)
    assert not under_review.assignments.filter(reviewer=assigned_reviewer).exists()


def test_invited_again_after_declining_the_reviewer_can_accept(assignment, kind_staff):
    """Declared no conflict, declined for time, invited again: saying "no conflict" again
    accepts (the first declaration stands); before, the assignment stayed invited for good."""
    reviewer = assignment.reviewer  # accepted, its no-conflict declaration made (fixture)
    assignment = services.decline_assignment(
        assignment=assignment, reason="time", note="", actor=reviewer
    )
    assert assignment.status == Assignment.Status.DECLINED
    again = services.assign_reviewer(
        application=assignment.application, reviewer=reviewer, actor=kind_staff
    )
    assert again.status == Assignment.Status.INVITED
    assert reviewer.has_perm("reviews.declare_conflict", again)
    accepted = services.declare_conflict(assignment=again, has_conflict=False, actor=reviewer)
    assert accepted.status == Assignment.Status.ACCEPTED
    assert (
        ConflictDeclaration.objects.filter(reviewer=reviewer, application=again.application).count()
        == 1
    )


def test_a_conflict_detected_after_assignment_moves_it_to_conflict(
    role_groups, demonstration_track, kaia_staff
):
    """Assigned first, the conflict found later (the reviewer's address turns out to be the
    applicant company's): the invited assignment leaves the reviewer's load and the board shows
    it as a conflict, so staff assign someone else."""
    lead = OrganizationFactory(name="Hanbit Mobility", kind="korean_company", country_code="KR")
    application = SubmittedApplicationFactory(
        track=demonstration_track, organization=lead, status="eligible"
    )
    UserFactory(email="ceo@hanbit.co.kr", organizations=[lead])
    reviewer = committee_reviewer(demonstration_track, "expert@independent.ac.kr")
    assignment = services.assign_reviewer(
        application=application, reviewer=reviewer, actor=kaia_staff
    )
    assert assignment.status == Assignment.Status.INVITED
    reviewer.email = "someone@hanbit.co.kr"
    reviewer.save()
    assert services.record_detected_conflicts(track=demonstration_track, actor=kaia_staff) == 1
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFLICT
