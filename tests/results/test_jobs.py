"""Aggregation jobs that cannot stick (issue 12): one active job per track, a broker that
refuses the task, a run killed half-way leaves the previous complete board, redelivery."""

from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from results import aggregation
from results.aggregation import aggregate_track, run_aggregation_job, start_aggregation
from results.models import ApplicationResult, ReviewerTrackStat
from reviews.models import Job
from reviews.services import jobs
from tests.factories import UserFactory
from tests.factories.results import make_criteria, review_totals, reviewed_application


def _broker_down(**kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def scored_track(planning_track):
    planning_track.min_reviewers = 3
    planning_track.save()
    (total,) = make_criteria(planning_track, ("overall", 100, None, 1))
    reviewers = [UserFactory() for _ in range(4)]
    apps = [reviewed_application(planning_track) for _ in range(4)]
    for i, application in enumerate(apps):
        review_totals(application, total, [60 + i, 70 + i, 80 + i], reviewers[:3])
    return planning_track, apps, reviewers


def _board_rows(track):
    return list(
        ApplicationResult.objects.filter(track=track)
        .order_by("application_id")
        .values_list("application_id", "official_score", "rank", "computed_at")
    )


def _stats(track):
    return list(
        ReviewerTrackStat.objects.filter(track=track)
        .order_by("reviewer_id")
        .values_list("reviewer_id", "review_count", "mean_total")
    )


def test_run_killed_half_way_leaves_the_previous_complete_results(scored_track, monkeypatch):
    track, apps, _reviewers = scored_track
    aggregate_track(track=track, actor=None)
    before, stats_before = _board_rows(track), _stats(track)
    assert len(before) == 4
    # New reviews change every figure: a half-written run would show a mix.
    for application in apps:
        application.assignments.update(total=D(99))
        for assignment in application.assignments.all():
            assignment.scores.update(points=D(99))
    written = []
    real = {
        "_upsert_results_orm": aggregation._upsert_results_orm,
        "_upsert_results_copy": aggregation._upsert_results_copy,
    }

    def half_then_crash(name):
        def write(track_, batch, *args, **kwargs):
            if len(written) == 2:
                raise RuntimeError("worker killed half-way")
            written.extend(batch)
            return real[name](track_, batch, *args, **kwargs)

        return write

    monkeypatch.setattr(aggregation, "BATCH_SIZE", 1)
    for name in real:
        monkeypatch.setattr(aggregation, name, half_then_crash(name))
    job = Job.objects.create(track=track, kind=Job.Kind.AGGREGATE)
    job = run_aggregation_job(job=job)
    assert len(written) == 2  # two of four rows were written before the crash…
    assert job.status == Job.Status.FAILED and "worker killed half-way" in job.message
    # …and rolled back with the rest: the board still shows the previous complete run.
    assert _board_rows(track) == before
    assert _stats(track) == stats_before
    # A complete run then replaces every figure at once.
    monkeypatch.undo()
    again = run_aggregation_job(job=Job.objects.create(track=track, kind=Job.Kind.AGGREGATE))
    assert again.status == Job.Status.SUCCEEDED
    assert {row[1] for row in _board_rows(track)} == {D("99.00")}


def test_panel_says_when_the_last_complete_run_finished(
    client, scored_track, kind_staff, monkeypatch
):
    track, _apps, _reviewers = scored_track
    complete = run_aggregation_job(job=Job.objects.create(track=track, kind="aggregate"))
    assert complete.status == "succeeded"

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(aggregation, "aggregate_track", boom)
    failed = run_aggregation_job(job=Job.objects.create(track=track, kind="aggregate"))
    assert failed.status == "failed"
    client.force_login(kind_staff)
    panel = client.get(reverse("staff_results:job", args=[track.pk, failed.pk])).content.decode()
    assert "The board shows the last complete run, finished" in panel
    seoul = complete.finished_at.astimezone(ZoneInfo("Asia/Seoul")).isoformat()
    assert f'datetime="{seoul}"' in panel
    assert "the failed run above changed nothing on it" in panel
    assert "database went away" in panel


def test_start_aggregation_returns_the_active_job(scored_track, kind_staff):
    track, _apps, _reviewers = scored_track
    first = start_aggregation(track=track, actor=kind_staff)
    second = start_aggregation(track=track, actor=kind_staff)
    assert first.pk == second.pk
    assert Job.objects.filter(track=track, kind="aggregate").count() == 1


def test_aggregation_start_racing_another_returns_its_job(scored_track, kind_staff, monkeypatch):
    track, _apps, _reviewers = scored_track
    winner = Job.objects.create(track=track, kind="aggregate", status="running")
    real_active_job = jobs.active_job
    reads = []

    def stale_first_read(track_, kind):
        reads.append(kind)
        return None if len(reads) == 1 else real_active_job(track_, kind)

    monkeypatch.setattr(jobs, "active_job", stale_first_read)
    assert start_aggregation(track=track, actor=kind_staff).pk == winner.pk
    assert Job.objects.filter(track=track).count() == 1


def test_broker_down_answers_normally_and_the_board_offers_a_new_start(
    client, scored_track, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    from results import tasks

    track, _apps, _reviewers = scored_track
    client.force_login(kind_staff)
    url = reverse("staff_results:aggregate", args=[track.pk])
    with monkeypatch.context() as patch:
        patch.setattr(tasks.task_aggregate_scores, "delay", _broker_down)
        # (The test's transaction runs the after-commit publish when this block closes.)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        assert response.status_code == 302
        job = Job.objects.get(track=track)
        assert job.status == "failed" and job.result["reason"] == "queue_unreachable"
        page = client.get(response["Location"]).content.decode()
        assert "Could not reach the task queue; start it again." in page
        assert 'hx-trigger="every 1s"' not in page  # nothing polls a dead job
        assert f'action="{url}"' in page  # the start button
        # The same through htmx: the panel comes back with the failure, not a 500.
        with django_capture_on_commit_callbacks(execute=True):
            partial = client.post(url, HTTP_HX_REQUEST="true")
        assert partial.status_code == 200
        assert Job.objects.filter(track=track, status="failed").count() == 2
        newest = Job.objects.filter(track=track).order_by("-pk").first()
        panel = client.get(reverse("staff_results:job", args=[track.pk, newest.pk]))
        assert "Could not reach the task queue; start it again." in panel.content.decode()
    # The broker is back: "Run the aggregation" starts a new job, which runs.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    newest = Job.objects.filter(track=track).order_by("-pk").first()
    assert newest.status == "succeeded", newest.message
    assert ApplicationResult.objects.filter(track=track).count() == 4


def test_redelivered_aggregation_task_does_nothing_once_finished(scored_track):
    from results.tasks import task_aggregate_scores

    track, _apps, _reviewers = scored_track
    for status in ("succeeded", "failed"):
        job = Job.objects.create(track=track, kind="aggregate", status=status, message="kept")
        task_aggregate_scores.apply(kwargs={"track_id": track.pk, "job_id": job.pk})
        job.refresh_from_db()
        assert (job.status, job.message, job.attempts) == (status, "kept", 0)
    assert not ApplicationResult.objects.exists()


def test_aggregation_redelivered_after_a_lost_worker_restarts(scored_track):
    track, _apps, _reviewers = scored_track
    job = Job.objects.create(track=track, kind="aggregate")
    # Attempt 1 began, then its pool process was killed before writing anything.
    jobs.begin_job(job_id=job.pk, task_id="t-1")
    done = run_aggregation_job(job=job, task_id="t-1")
    assert (done.status, done.attempts, done.done, done.total) == ("succeeded", 2, 4, 4)
    assert done.heartbeat_at is not None
    assert ApplicationResult.objects.filter(track=track).count() == 4


@pytest.mark.django_db(transaction=True)
def test_broker_down_at_commit_the_request_still_answers_with_the_failure(
    client, role_groups, scored_track, kind_staff, monkeypatch
):
    """Without a test transaction around it the publish runs at commit, inside the request:
    its error is caught there, and the page says what happened (it used to be a 500)."""
    from results import tasks

    track, _apps, _reviewers = scored_track
    monkeypatch.setattr(tasks.task_aggregate_scores, "delay", _broker_down)
    client.force_login(kind_staff)
    response = client.post(reverse("staff_results:aggregate", args=[track.pk]), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The aggregation could not be started" in page
    assert "Could not reach the task queue; start it again." in page
    assert "The aggregation has started." not in page
    assert Job.objects.get(track=track).status == "failed"
