"""The retention job: anonymises only what is due, deletes the files, keeps the statistics,
and a second run changes nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from accounts import privacy
from accounts.models import AnonymisedRecord, AuditEvent, User
from accounts.tasks import task_apply_retention
from applications.models import Application, Document
from awards.models import Award
from notifications.models import Message
from reviews.models import Assignment, ConflictDeclaration, Score
from tests.factories import (
    ApplicationFactory,
    AssignmentFactory,
    AwardFactory,
    CallFactory,
    ConflictDeclarationFactory,
    DocumentFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def call_closed(years: float):
    closes = NOW - datetime.timedelta(days=int(365.25 * years))
    call = CallFactory(opens_at=closes - datetime.timedelta(days=60), closes_at=closes)
    return TrackFactory(call=call)


def statistics():
    """What the programme's statistics read: counts per status, country and track, budgets,
    review totals and scores."""
    applications = list(
        Application.objects.values("status", "country__code", "track_id")
        .annotate(count=Count("id"), budget=Sum("budget_requested"))
        .order_by("status", "country__code", "track_id")
    )
    reviews = list(Assignment.objects.order_by("pk").values_list("total", "recommendation"))
    scores = list(Score.objects.order_by("pk").values_list("points", flat=True))
    return applications, reviews, scores


@pytest.fixture
def history(role_groups):
    """Applications of an old call (six years), a recent one (one year ago) and an open one."""
    old, recent = call_closed(6), call_closed(1)
    rejected = SubmittedApplicationFactory(
        track=old, status=Application.Status.REJECTED, contact_phone="+60 3 1234"
    )
    withdrawn = SubmittedApplicationFactory(track=old, status=Application.Status.WITHDRAWN)
    awarded_old = SubmittedApplicationFactory(track=old, status=Application.Status.AWARDED)
    recent_rejected = SubmittedApplicationFactory(track=recent, status=Application.Status.REJECTED)
    old_draft = ApplicationFactory(track=call_closed(2))
    current_draft = ApplicationFactory()
    documents = {
        "rejected": DocumentFactory(application=rejected),
        "recent": DocumentFactory(application=recent_rejected),
        "old_draft": DocumentFactory(application=old_draft),
    }
    review = AssignmentFactory(
        application=rejected,
        status=Assignment.Status.SUBMITTED,
        total=15,
        submitted_at=NOW,
        overall_comment="Weak readiness; the mayor's office was not involved.",
    )
    score = ScoreFactory(assignment=review)
    recent_review = AssignmentFactory(application=recent_rejected, overall_comment="Good.")
    conflict = ConflictDeclarationFactory(
        application=rejected,
        has_conflict=True,
        kind=ConflictDeclaration.Kind.PERSONAL,
        details="My cousin works there.",
    )
    return {
        "rejected": rejected,
        "withdrawn": withdrawn,
        "awarded_old": awarded_old,
        "recent_rejected": recent_rejected,
        "old_draft": old_draft,
        "current_draft": current_draft,
        "documents": documents,
        "review": review,
        "score": score,
        "recent_review": recent_review,
        "conflict": conflict,
    }


def test_retention_anonymises_only_what_is_due(history):
    counts = privacy.apply_retention()
    assert counts["applications.application"] == 2  # rejected and withdrawn, six years ago
    assert counts["applications.draft"] == 1
    assert counts["reviews.review"] == 1
    assert counts["reviews.conflict_declaration"] == 1
    for name in ("rejected", "withdrawn", "old_draft"):
        application = history[name]
        application.refresh_from_db()
        assert (application.contact_name, application.contact_email) == ("", ""), name
        assert application.contact_phone == ""
    for name in ("recent_rejected", "current_draft", "awarded_old"):
        application = history[name]
        application.refresh_from_db()
        assert application.contact_name == "Aminah Rahman", name
    history["review"].refresh_from_db()
    history["recent_review"].refresh_from_db()
    history["score"].refresh_from_db()
    history["conflict"].refresh_from_db()
    assert history["review"].overall_comment == ""
    assert history["score"].justification == "" and history["score"].points == 15
    assert history["recent_review"].overall_comment == "Good."
    assert history["conflict"].details == "" and history["conflict"].has_conflict is True


def test_retention_deletes_documents_from_storage(history, django_capture_on_commit_callbacks):
    documents = history["documents"]
    storage = documents["rejected"].file.storage
    names = {key: document.file.name for key, document in documents.items()}
    assert all(storage.exists(name) for name in names.values())
    with django_capture_on_commit_callbacks(execute=True):
        privacy.apply_retention()
    assert not storage.exists(names["rejected"]) and not storage.exists(names["old_draft"])
    assert storage.exists(names["recent"])
    assert list(Document.objects.values_list("pk", flat=True)) == [documents["recent"].pk]


def test_retention_keeps_the_statistics(history):
    before = statistics()
    assert before[0]  # there is something to compare
    privacy.apply_retention()
    assert statistics() == before


def test_retention_second_run_changes_nothing(history):
    privacy.apply_retention()
    marked = AnonymisedRecord.objects.count()
    events = AuditEvent.objects.count()
    counts = privacy.apply_retention()
    assert set(counts.values()) == {0}
    assert (AnonymisedRecord.objects.count(), AuditEvent.objects.count()) == (marked, events)
    assert privacy.plan_retention() == counts


def test_retention_one_audit_row_per_batch_with_counts(history):
    privacy.apply_retention(batch_size=1)
    rows = AuditEvent.objects.filter(
        action="retention_applied", detail__kind="applications.application"
    )
    assert [row.detail["count"] for row in rows] == [1, 1]
    assert sorted(row.detail["ids"][0] for row in rows) == sorted(
        [history["rejected"].pk, history["withdrawn"].pk]
    )


def test_retention_an_object_that_cannot_be_anonymised_holds_up_only_itself(
    history, monkeypatch, caplog
):
    kind = privacy.get_kind("applications.application")
    poisoned = _refusing(kind.anonymise, history["withdrawn"].pk)
    monkeypatch.setitem(
        privacy._KINDS,
        kind.name,
        privacy.PersonalDataKind(**{**kind.__dict__, "anonymise": poisoned}),
    )
    counts = privacy.apply_retention(batch_size=1)
    # The first object committed and is marked; the second raised, was rolled back, logged
    # and left; the kinds after it were still done.
    assert counts["applications.application"] == 1
    assert AnonymisedRecord.objects.filter(kind=kind.name).count() == 1
    assert "could not be anonymised" in caplog.text
    assert counts["reviews.review"] == 1 and counts["applications.draft"] == 1
    for name, kept in (("rejected", ""), ("withdrawn", "Aminah Rahman")):
        history[name].refresh_from_db()
        assert history[name].contact_name == kept, name
    # The next run, the fault gone, anonymises it.
    monkeypatch.setitem(privacy._KINDS, kind.name, kind)
    assert privacy.apply_retention()["applications.application"] == 1
    assert AnonymisedRecord.objects.filter(kind=kind.name).count() == 2


def test_retention_a_failing_batch_is_done_again_one_object_at_a_time(history, monkeypatch):
    kind = privacy.get_kind("applications.application")
    poisoned = _refusing(kind.anonymise, history["withdrawn"].pk)
    monkeypatch.setitem(
        privacy._KINDS,
        kind.name,
        privacy.PersonalDataKind(**{**kind.__dict__, "anonymise": poisoned}),
    )
    # One batch of both: the second's fault rolls the batch back; one at a time, the first
    # goes through and the second is left.
    assert privacy.apply_retention()["applications.application"] == 1
    assert AnonymisedRecord.objects.filter(kind=kind.name).count() == 1


def _refusing(anonymise, pk):
    """``anonymise``, raising for the object ``pk`` (a row the code cannot handle)."""

    def wrapper(obj):
        if obj.pk == pk:
            raise RuntimeError("cannot anonymise this one")
        anonymise(obj)

    return wrapper


def test_retention_funded_application_after_ten_years(history):
    funded = SubmittedApplicationFactory(track=call_closed(14), status=Application.Status.AWARDED)
    award = AwardFactory(application=funded, status=Award.Status.COMPLETED)
    Award.objects.filter(pk=award.pk).update(updated_at=NOW - datetime.timedelta(days=3700))
    running = SubmittedApplicationFactory(track=call_closed(14), status=Application.Status.AWARDED)
    AwardFactory(application=running, status=Award.Status.IN_PROGRESS)
    assert privacy.apply_retention()["awards.funded_application"] == 1
    funded.refresh_from_db()
    running.refresh_from_db()
    assert funded.contact_name == "" and running.contact_name == "Aminah Rahman"


def test_retention_inactive_account_without_application(role_groups):
    long_gone = UserFactory(email="gone@example.org")
    User.objects.filter(pk=long_gone.pk).update(last_login=NOW - datetime.timedelta(days=1200))
    recent = UserFactory(email="recent@example.org", last_login=NOW)
    applicant_gone = UserFactory(email="applied@example.org")
    User.objects.filter(pk=applicant_gone.pk).update(last_login=NOW - datetime.timedelta(days=1200))
    SubmittedApplicationFactory(created_by=applicant_gone)
    staff = UserFactory(email="old-staff@molit.go.kr", is_staff=True)
    User.objects.filter(pk=staff.pk).update(last_login=NOW - datetime.timedelta(days=1200))
    assert privacy.apply_retention()["accounts.account"] == 1
    long_gone.refresh_from_db()
    assert long_gone.email == privacy.anonymised_email(long_gone.pk)
    assert not long_gone.is_active and not long_gone.has_usable_password()
    for user in (recent, applicant_gone, staff):
        user.refresh_from_db()
        assert user.anonymised_at is None
    assert privacy.apply_retention()["accounts.account"] == 0


def test_retention_deletes_outbox_messages_older_than_a_year(applicant):
    old = Message.objects.create(
        recipient=applicant,
        to_email=applicant.email,
        channel="email",
        template="accounts/verify_email",
        status=Message.Status.SENT,
        created_at=NOW - datetime.timedelta(days=400),
    )
    fresh = Message.objects.create(
        recipient=applicant, channel="in_app", template="accounts/verify_email"
    )
    assert privacy.apply_retention()["notifications.message"] == 1
    assert list(Message.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not Message.objects.filter(pk=old.pk).exists()


def test_dry_run_prints_and_changes_nothing(history):
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "applications.application: would anonymise 2 (5 years after the call closes)" in (
        out.getvalue()
    )
    history["rejected"].refresh_from_db()
    assert history["rejected"].contact_name == "Aminah Rahman"
    assert not AnonymisedRecord.objects.exists()


def test_command_and_task_apply(history):
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "applications.application: anonymised 2" in out.getvalue()
    assert task_apply_retention()["applications.application"] == 0


def test_beat_schedules_the_job_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == task_apply_retention.name == "accounts.apply_retention"


def test_retention_stopped_by_its_time_limit_queues_the_rest(monkeypatch):
    """The task's limits stay under the broker's visibility timeout (never handed to a second
    worker while it runs); a run that reaches its soft limit queues the rest as a new task."""
    from unittest import mock

    from celery.exceptions import SoftTimeLimitExceeded
    from django.conf import settings

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    assert task_apply_retention.time_limit < (visibility or 900)

    def stopped():
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(privacy, "apply_retention", stopped)
    with mock.patch.object(task_apply_retention, "apply_async") as queued:
        assert task_apply_retention() is None
    queued.assert_called_once()
