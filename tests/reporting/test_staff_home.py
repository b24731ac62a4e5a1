"""The staff home tells staff what waits on their tracks: counts per queue, the nearest due date
and a link to the list where they act; another secretariat's work is never counted."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from applications.models import Application, ClarificationRequest
from awards.models import Award, Deliverable
from results.models import Decision
from reviews.models import Assignment, CommitteeMember, Job
from reviews.selectors import effective_due_expression, overdue_q
from tests.factories import (
    AssignmentFactory,
    ConflictDeclarationFactory,
    DeliverableFactory,
    ProjectFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("staff_reporting:index")


def _queues(response, track) -> dict[str, int]:
    """{queue key: count} of the track's block on the home (empty when nothing waits)."""
    for item in response.context["work"]:
        if item.track == track:
            return {queue.key: queue.count for queue in item.queues}
    return {}


def _queue(response, track, key):
    for item in response.context["work"]:
        if item.track == track:
            return next(q for q in item.queues if q.key == key)
    raise AssertionError(f"no {key} queue for {track}")


@pytest.fixture
def seeded(planning_track, demonstration_track, kind_staff):
    """On KIND's planning track: 2 applications to screen, 1 overdue review, 1 decision to
    release and 1 deliverable to accept. On KAIA's demonstration track: 3 to screen and an
    overdue review, which KIND staff must not count."""
    now = timezone.now()
    to_screen = [SubmittedApplicationFactory(track=planning_track) for _ in range(2)]
    late = AssignmentFactory(
        application=SubmittedApplicationFactory(
            track=planning_track, status=Application.Status.UNDER_REVIEW, reference="2026-PL-077"
        ),
        status=Assignment.Status.IN_PROGRESS,
        due_at=now - datetime.timedelta(days=2),
    )
    ConflictDeclarationFactory(reviewer=late.reviewer, application=late.application)
    CommitteeMember.objects.create(track=planning_track, reviewer=late.reviewer)
    decided = SubmittedApplicationFactory(track=planning_track, status=Application.Status.REVIEWED)
    Decision.objects.create(
        application=decided,
        track=planning_track,
        outcome=Decision.Outcome.REJECTED,
        confirmed_at=now,
    )
    awarded = SubmittedApplicationFactory(track=planning_track, status=Application.Status.AWARDED)
    project = ProjectFactory()
    Award.objects.create(
        application=awarded, project=project, amount=400_000_000, status=Award.Status.IN_PROGRESS
    )
    deliverable = DeliverableFactory(
        project=project,
        status=Deliverable.Status.SUBMITTED,
        due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    for _ in range(3):
        SubmittedApplicationFactory(track=demonstration_track)
    kaia_late = AssignmentFactory(
        application=SubmittedApplicationFactory(
            track=demonstration_track, status=Application.Status.UNDER_REVIEW
        ),
        status=Assignment.Status.IN_PROGRESS,
        due_at=now - datetime.timedelta(days=1),
    )
    ConflictDeclarationFactory(reviewer=kaia_late.reviewer, application=kaia_late.application)
    return {"to_screen": to_screen, "late": late, "deliverable": deliverable}


def test_staff_home_counts_the_seeded_work_of_the_users_track(
    client, kind_staff, planning_track, seeded
):
    client.force_login(kind_staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert _queues(response, planning_track) == {
        "to_screen": 2,
        "overdue": 1,
        "to_release": 1,
        "deliverables": 1,
    }
    assert response.context["work_total"] == 5
    overdue = _queue(response, planning_track, "overdue")
    assert overdue.nearest_due == seeded["late"].due_at
    assert _queue(response, planning_track, "deliverables").nearest_due == (
        seeded["deliverable"].due_on
    )
    body = response.content.decode()
    assert "5 items waiting on your tracks" in body
    assert "2 days overdue" in body and "5 days left" in body


def test_staff_home_never_counts_another_secretariats_track(
    client, kind_staff, kaia_staff, planning_track, demonstration_track, seeded
):
    client.force_login(kind_staff)
    kind_home = client.get(URL)
    assert [item.track for item in kind_home.context["work"]] == [planning_track]
    client.force_login(kaia_staff)
    kaia_home = client.get(URL)
    assert [item.track for item in kaia_home.context["work"]] == [demonstration_track]
    assert _queues(kaia_home, demonstration_track) == {"to_screen": 3, "overdue": 1}
    assert "2026-PL-077" not in kaia_home.content.decode()


def test_programme_admin_sees_every_track_and_projects_without_one(
    client, programme_admin, planning_track, demonstration_track, seeded
):
    historical = ProjectFactory(year=2021)
    DeliverableFactory(project=historical, status=Deliverable.Status.SUBMITTED)
    client.force_login(programme_admin)
    response = client.get(URL)
    tracks = [item.track for item in response.context["work"]]
    assert tracks[-1] is None  # the projects funded before the portal come last
    assert set(tracks[:-1]) == {planning_track, demonstration_track}
    assert _queues(response, None) == {"deliverables": 1}
    assert "Projects funded before the portal" in response.content.decode()


def test_staff_home_links_open_the_filtered_lists(client, kind_staff, planning_track, seeded):
    client.force_login(kind_staff)
    response = client.get(URL)
    screening = _queue(response, planning_track, "to_screen").url
    assert screening == (
        reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk})
        + "?status=submitted"
    )
    listed = client.get(screening).context["applications"]
    assert {a.pk for a in listed} == {a.pk for a in seeded["to_screen"]}
    board_url = _queue(response, planning_track, "overdue").url
    assert board_url == (
        reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk}) + "?state=overdue"
    )
    board = client.get(board_url).context["board"]
    assert [row.application.reference for row in board.rows] == ["2026-PL-077"]
    assert _queue(response, planning_track, "to_release").url == reverse(
        "staff_results:selection", kwargs={"track_id": planning_track.pk}
    )
    assert _queue(response, planning_track, "deliverables").url == reverse("awards:deliverables")
    body = response.content.decode()
    assert f'href="{screening}"' in body
    assert reverse("staff_reporting:system_status") in body


def test_clarifications_and_assignments_without_declaration_are_their_own_queues(
    client, kind_staff, planning_track
):
    waiting = SubmittedApplicationFactory(
        track=planning_track, status=Application.Status.CLARIFICATION
    )
    due = timezone.now() + datetime.timedelta(days=3)
    ClarificationRequest.objects.create(
        application=waiting, requested_by=kind_staff, message="Land status?", due_at=due
    )
    answered = SubmittedApplicationFactory(track=planning_track)
    ClarificationRequest.objects.create(
        application=answered,
        requested_by=kind_staff,
        message="Budget lines?",
        status=ClarificationRequest.Status.ANSWERED,
        response="Attached.",
    )
    AssignmentFactory(
        application=SubmittedApplicationFactory(
            track=planning_track, status=Application.Status.ELIGIBLE
        ),
        status=Assignment.Status.INVITED,
    )
    client.force_login(kind_staff)
    response = client.get(URL)
    assert _queues(response, planning_track) == {
        "to_rescreen": 1,
        "clarifications": 1,
        "awaiting_declaration": 1,
    }
    assert _queue(response, planning_track, "clarifications").nearest_due == due


def test_jobs_queue_counts_running_and_unresolved_failures(client, kind_staff, planning_track):
    earlier = timezone.now() - datetime.timedelta(hours=2)
    Job.objects.create(track=planning_track, kind=Job.Kind.ASSIGN, status=Job.Status.RUNNING)
    # A failed aggregation run again successfully since: nothing left to look at.
    Job.objects.create(
        track=planning_track,
        kind=Job.Kind.AGGREGATE,
        status=Job.Status.FAILED,
        created_at=earlier,
    )
    Job.objects.create(track=planning_track, kind=Job.Kind.AGGREGATE, status=Job.Status.SUCCEEDED)
    client.force_login(kind_staff)
    assert _queues(client.get(URL), planning_track) == {"jobs": 1}
    Job.objects.create(track=planning_track, kind=Job.Kind.AGGREGATE, status=Job.Status.FAILED)
    assert _queues(client.get(URL), planning_track) == {"jobs": 2}


def test_staff_home_says_when_nothing_waits(client, kind_staff, planning_track):
    client.force_login(kind_staff)
    response = client.get(URL)
    assert response.context["work"] == []
    assert "Nothing waits on your tracks" in response.content.decode()


def test_staff_home_query_count_is_the_same_for_1_and_20_applications(
    client, programme_admin, planning_track, demonstration_track
):
    def add_work(n):
        for _ in range(n):
            SubmittedApplicationFactory(track=planning_track)
            AssignmentFactory(
                application=SubmittedApplicationFactory(
                    track=demonstration_track, status=Application.Status.UNDER_REVIEW
                ),
                status=Assignment.Status.INVITED,
                due_at=timezone.now() - datetime.timedelta(days=1),
            )

    add_work(1)
    client.force_login(programme_admin)
    client.get(URL)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    add_work(19)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(many.captured_queries) == len(one.captured_queries)
    assert _queues(response, planning_track) == {"to_screen": 20}
    assert _queues(response, demonstration_track) == {"awaiting_declaration": 20, "overdue": 20}


def test_overdue_sql_twin_agrees_with_the_model(planning_track):
    """``overdue_q`` / ``effective_due_expression`` and ``Assignment.is_overdue_at`` /
    ``effective_due`` say the same for own due dates, track deadlines, none, and closed work."""
    now = timezone.now()
    past, future = now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)
    planning_track.review_deadline = past
    planning_track.save()
    cases = [
        (Assignment.Status.ACCEPTED, None),  # the track's deadline, past
        (Assignment.Status.IN_PROGRESS, future),  # own date wins over the track's
        (Assignment.Status.INVITED, past),
        (Assignment.Status.SUBMITTED, past),  # submitted is never overdue
    ]
    for status, due_at in cases:
        AssignmentFactory(
            application=SubmittedApplicationFactory(track=planning_track),
            reviewer=UserFactory(),
            status=status,
            due_at=due_at,
            total=50 if status == Assignment.Status.SUBMITTED else None,
            submitted_at=now if status == Assignment.Status.SUBMITTED else None,
        )
    rows = Assignment.objects.select_related("application__track").annotate(
        sql_due=effective_due_expression()
    )
    overdue_ids = set(Assignment.objects.filter(overdue_q(now)).values_list("pk", flat=True))
    assert len(overdue_ids) == 2
    for row in rows:
        assert row.sql_due == row.effective_due
        assert (row.pk in overdue_ids) == row.is_overdue_at(now)


def test_staff_home_in_korean_uses_the_catalogues_labels(
    client, kind_staff, planning_track, seeded
):
    client.cookies["django_language"] = "ko"
    client.force_login(kind_staff)
    body = client.get(URL).content.decode()
    with override("ko"):
        labels = [
            gettext("Applications to screen"),
            gettext("Reviews overdue"),
            gettext("Decisions to release"),
            gettext("Deliverables to accept"),
            gettext("Nearest due date"),
            gettext("Staff area"),
        ]
    assert labels[-1] != "Staff area"  # the page really is rendered in Korean
    for label in labels:
        assert label in body
