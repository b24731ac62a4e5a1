"""reviews 0006 applies on a database that already has several active jobs for one track and
kind (left by the outages issue 12 is about): the older ones are failed, the newest kept."""

import datetime

import pytest
from django.utils import timezone

from reviews.models import Job
from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reviews", "0005_move_results_and_awards")]


def test_migration_fails_duplicate_active_jobs_then_holds_one_per_track_and_kind(
    planning_track, demonstration_track
):
    state = migrate(BEFORE)
    OldJob = state.get_model("reviews", "Job")
    now = timezone.now()
    stuck = [
        OldJob.objects.create(
            track_id=planning_track.pk,
            kind="aggregate",
            status=status,
            created_at=now - datetime.timedelta(hours=hours),
        ).pk
        for status, hours in (("pending", 3), ("running", 2), ("pending", 1))
    ]
    other_kind = OldJob.objects.create(
        track_id=planning_track.pk, kind="assign", status="running", created_at=now
    ).pk
    other_track = OldJob.objects.create(
        track_id=demonstration_track.pk, kind="aggregate", status="pending", created_at=now
    ).pk
    finished = OldJob.objects.create(
        track_id=planning_track.pk, kind="aggregate", status="succeeded", created_at=now
    ).pk
    migrate(latest())
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in stuck] == ["failed", "failed", "pending"]
    assert Job.objects.get(pk=stuck[0]).message.startswith("Stopped when the portal was updated")
    assert Job.objects.get(pk=stuck[0]).finished_at is not None
    assert statuses[other_kind] == "running"
    assert statuses[other_track] == "pending"
    assert statuses[finished] == "succeeded"
