"""The staff system-status page (/staff/system/): outbox, stuck jobs, worker heartbeat, checks."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core import health
from core.models import Heartbeat
from notifications.models import Message
from reporting.system_status import outbox_status, stuck_jobs_for_user, worker_status
from reviews.models import Job
from tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("staff_reporting:system_status")
# Added to the outbox by its delivery claim; the page works with and without them.
SENDING = getattr(Message.Status, "SENDING", None)
HAS_CLAIMED_AT = any(f.name == "claimed_at" for f in Message._meta.get_fields())


def _email(status="pending", age_minutes=0, **extra) -> Message:
    message = Message.objects.create(
        channel=Message.Channel.EMAIL,
        to_email="officer@klang.gov.my",
        template="applications/submitted",
        status=status,
        **extra,
    )
    # created_at has a default: set the age after the row exists.
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=age_minutes)
    )
    return message


def _job(track, status, *, age_minutes, started_minutes_ago=None, kind=Job.Kind.AGGREGATE) -> Job:
    now = timezone.now()
    return Job.objects.create(
        track=track,
        kind=kind,
        status=status,
        created_at=now - datetime.timedelta(minutes=age_minutes),
        started_at=(
            now - datetime.timedelta(minutes=started_minutes_ago)
            if started_minutes_ago is not None
            else None
        ),
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_applicant_and_reviewer_are_refused(client, applicant, reviewer):
    _email(age_minutes=30)
    for user in (applicant, reviewer):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403
        assert b"outbox" not in response.content


def test_staff_home_links_to_the_page(client, kind_staff):
    client.force_login(kind_staff)
    assert URL in client.get(reverse("staff_reporting:index")).content.decode()


def test_outbox_backlog_failed_dead_and_stuck_sending():
    _email(age_minutes=45)
    _email(age_minutes=1)
    Message.objects.create(channel=Message.Channel.IN_APP, recipient=UserFactory(), template="x")
    _email(status="failed")
    _email(status="dead")
    _email(status="dead")
    if SENDING is not None:
        long_ago = timezone.now() - datetime.timedelta(minutes=30)
        _email(
            status=SENDING, age_minutes=30, **({"claimed_at": long_ago} if HAS_CLAIMED_AT else {})
        )
        _email(status=SENDING, **({"claimed_at": timezone.now()} if HAS_CLAIMED_AT else {}))

    status = outbox_status()
    assert status.pending_emails == 2  # in-app notices are not e-mails waiting
    assert timezone.now() - status.oldest_pending_at > datetime.timedelta(minutes=44)
    assert status.backlog_is_old
    assert (status.failed, status.dead) == (1, 2)
    if SENDING is None:
        assert status.stuck_sending is None
    else:
        assert status.stuck_sending == 1


def test_stuck_jobs_are_old_waiting_or_running_ones_on_the_users_tracks(
    kind_staff, kaia_staff, programme_admin, planning_track, demonstration_track
):
    # One active job per track and kind (a database constraint): a second track holds the
    # healthy ones.
    waiting = _job(planning_track, Job.Status.PENDING, age_minutes=30)
    running = _job(
        planning_track, Job.Status.RUNNING, age_minutes=40, started_minutes_ago=35, kind="assign"
    )
    _job(planning_track, Job.Status.FAILED, age_minutes=90)
    other = TrackFactory(secretariat=planning_track.secretariat)
    _job(other, Job.Status.PENDING, age_minutes=2)  # just queued
    _job(other, Job.Status.RUNNING, age_minutes=3, started_minutes_ago=2, kind="assign")
    kaia_job = _job(demonstration_track, Job.Status.PENDING, age_minutes=30)

    assert {j.pk for j in stuck_jobs_for_user(kind_staff)} == {waiting.pk, running.pk}
    assert {j.pk for j in stuck_jobs_for_user(kaia_staff)} == {kaia_job.pk}
    assert len(stuck_jobs_for_user(programme_admin)) == 3


def test_worker_heartbeat_age_and_staleness():
    assert worker_status().is_stale  # never seen
    health.record_heartbeat(name=health.WORKER_HEARTBEAT, detail={"hostname": "celery@w1"})
    assert not worker_status().is_stale
    Heartbeat.objects.update(seen_at=timezone.now() - datetime.timedelta(minutes=4))
    status = worker_status()
    assert status.is_stale
    assert status.age_seconds >= 240


def test_page_shows_everything_to_a_programme_admin_with_admin_links(
    client, programme_admin, planning_track
):
    _email(age_minutes=45)
    _email(status="failed")
    _job(planning_track, Job.Status.PENDING, age_minutes=30)
    health.record_heartbeat(name=health.WORKER_HEARTBEAT, detail={"hostname": "celery@w1"})
    client.force_login(programme_admin)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "E-mail outbox" in page
    assert "/admin/notifications/message/?status__exact=failed" in page
    assert "Score aggregation" in page
    assert reverse("admin:reviews_job_change", args=[Job.objects.get().pk]) in page
    assert "celery@w1" in page
    assert "Running" in page
    assert "Database migrations applied" in page
    assert "no-cache" in response["Cache-Control"]


def test_page_says_the_worker_is_not_running_when_its_heartbeat_is_old(client, kind_staff):
    health.record_heartbeat(name=health.WORKER_HEARTBEAT)
    Heartbeat.objects.update(seen_at=timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(kind_staff)
    page = client.get(URL).content.decode()
    assert "Not running" in page
    assert "Attention" in page


def test_secretariat_staff_see_counts_but_no_link_to_the_outbox_they_cannot_open(
    client, kind_staff
):
    _email(status="failed")
    client.force_login(kind_staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["status"].outbox.failed == 1
    assert "/admin/notifications/message/" not in response.content.decode()


def test_page_renders_in_korean(client, kind_staff):
    kind_staff.language = "ko"
    kind_staff.save(update_fields=["language"])
    client.force_login(kind_staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert '<html lang="ko">' in response.content.decode()
