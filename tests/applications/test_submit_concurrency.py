"""Submissions in parallel (issue 16): many applicants of one call submitting at once.

``submit_application`` locks only the application's own row and share-locks the call's; the
reference number comes from the prefix's PostgreSQL sequence (``ReferenceSequence``), taken
as the last step before the commit; one proposal per city is a partial unique constraint.
The first tests run on any database and check how references are numbered; the others need
PostgreSQL, where the locks and the sequences are real, and submit from threads, each with
its own connection.
"""

import re
import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from accounts.models import AuditEvent, Organization
from applications import services
from applications.models import Application, Document, ReferenceSequence
from core.domain import DomainError
from notifications.models import Message
from projects.models import Call, Track
from projects.services import transition_call
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CountryFactory,
    DocumentFactory,
    OrganizationFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

S = Application.Status
REFERENCE = re.compile(r"^2026-PL-\d{3,}$")


def complete_drafts(track, count: int, *, country=None, organization=None, city=None):
    """``count`` drafts ready to submit, each (unless given) of its own organisation, member
    and city, with the track's required documents."""
    country = country or CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    drafts = []
    for _ in range(count):
        org = organization or OrganizationFactory(kind="city_government", country_code="MY")
        user = UserFactory(organizations=[org]) if organization is None else org.members.first()
        application = ApplicationFactory(
            track=track,
            organization=org,
            created_by=user,
            country=country,
            city=city or CityFactory(country=country),
        )
        for kind in track.required_documents:
            DocumentFactory(application=application, kind=kind)
        drafts.append(application)
    return drafts


def submit(application):
    return services.submit_application(application=application, actor=application.created_by)


def submitted_mails(application) -> int:
    return Message.objects.filter(
        channel=Message.Channel.EMAIL,
        template="applications/submitted",
        link=application.get_absolute_url(),
    ).count()


def submitted_audits(application) -> int:
    return AuditEvent.objects.filter(
        object_id=str(application.pk), action="status", new_value=S.SUBMITTED
    ).count()


# --- Reference numbers (any database) -----------------------------------------------------------


@pytest.mark.django_db
def test_submit_application_first_reference_follows_highest_stored_number(planning_track):
    """Stored numbers are compared as numbers (1000 after 999, where text order puts 999
    last), and references of other prefixes or in another shape do not count."""
    for reference in ("2026-PL-999", "2026-PL-1000", "2026-PL-A-5000", "2026-DM-4000"):
        SubmittedApplicationFactory(track=planning_track, reference=reference)
    SubmittedApplicationFactory(reference="2025-PL-3000")
    first, second = complete_drafts(planning_track, 2)

    submit(first)
    submit(second)

    assert [Application.objects.get(pk=a.pk).reference for a in (first, second)] == [
        "2026-PL-1001",
        "2026-PL-1002",
    ]


@pytest.mark.django_db
def test_next_reference_each_track_prefix_numbered_on_its_own(planning_track, demonstration_track):
    SubmittedApplicationFactory(track=demonstration_track, reference="2026-DM-004")

    assert services._next_reference(ApplicationFactory(track=planning_track)) == "2026-PL-001"
    assert services._next_reference(ApplicationFactory(track=demonstration_track)) == "2026-DM-005"


@pytest.mark.django_db
def test_submit_application_rolled_back_number_is_never_given_twice(planning_track):
    """A submission that fails after taking its number leaves no reference behind. SQLite
    gives the number again (nothing was stored); a PostgreSQL sequence does not, so the
    next one is a number further on — never one given before."""
    first, failed, third = complete_drafts(planning_track, 3)
    submit(first)

    with pytest.raises(RuntimeError), transaction.atomic():
        submit(failed)
        assert Application.objects.get(pk=failed.pk).reference == "2026-PL-002"
        raise RuntimeError("the request failed after the submission")
    submit(third)

    assert Application.objects.get(pk=failed.pk).reference is None
    expected = "2026-PL-003" if connection.vendor == "postgresql" else "2026-PL-002"
    assert Application.objects.get(pk=third.pk).reference == expected


@pytest.mark.django_db
def test_submit_application_references_follow_in_sequence_and_repeats_take_none(
    planning_track,
):
    first, second, third = complete_drafts(planning_track, 3)

    submit(first)
    with pytest.raises(services.AlreadySubmitted):
        submit(first)  # a double click: no second number, audit row or mail
    submit(second)
    submit(third)

    references = [Application.objects.get(pk=a.pk).reference for a in (first, second, third)]
    assert references == ["2026-PL-001", "2026-PL-002", "2026-PL-003"]
    assert [submitted_audits(a) for a in (first, second, third)] == [1, 1, 1]
    assert [submitted_mails(a) for a in (first, second, third)] == [1, 1, 1]


@pytest.mark.django_db
def test_submit_application_other_integrity_error_is_not_reported_as_duplicate_city(
    planning_track, monkeypatch
):
    """Only the one-per-city constraint becomes the applicant's "already submitted for this
    city"; any other refusal of the database is a fault and is raised as it is."""
    (draft,) = complete_drafts(planning_track, 1)

    def refuse(**kwargs):
        raise IntegrityError("some other constraint")

    monkeypatch.setattr(services, "transition_application", refuse)
    with pytest.raises(IntegrityError):
        submit(draft)


# --- Under real concurrency (PostgreSQL) ------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only (row locks, sequences; SQLite lets one transaction write at a "
    "time): set DATABASE_URL=postgres://… to run it",
)


def in_threads(jobs):
    """Run the callables together, each in its own thread and database connection, started
    at the same moment; returns what each returned or raised, in order."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            outcomes[index] = job()
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


class Held:
    """A transaction in another thread, held open after ``work`` until ``release``."""

    def __init__(self, work):
        self.done, self.release_event = threading.Event(), threading.Event()
        self.outcome = None
        self.thread = threading.Thread(target=self._run, args=(work,))
        self.thread.start()
        assert self.done.wait(30), "the held transaction did not get going"
        if isinstance(self.outcome, Exception):
            raise self.outcome

    def _run(self, work):
        try:
            with transaction.atomic():
                try:
                    self.outcome = work()
                except Exception as exc:  # noqa: BLE001 - handed to the test
                    self.outcome = exc
                self.done.set()
                self.release_event.wait(30)
        finally:
            self.done.set()
            connections.close_all()

    def release(self):
        self.release_event.set()
        self.thread.join()


def lock_refused(query, *, lock_timeout: bool = False) -> bool:
    """Whether ``query`` (taking a lock with NOWAIT, or any query with ``lock_timeout``: a
    wait of more than a millisecond fails) finds something locked by someone else."""
    try:
        with transaction.atomic():
            if lock_timeout:
                connection.cursor().execute("SET LOCAL lock_timeout = 1")
            query()
    except DatabaseError:
        return True
    return False


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_submit_many_applications_of_one_call_at_once(planning_track):
    """24 applicants of one call submit at the same moment, 6 of them twice (double clicks):
    each application is submitted once, with its own reference in sequence after the ones
    already stored, one audit row and one confirmation mail; none is lost."""
    SubmittedApplicationFactory(track=planning_track, reference="2026-PL-007")
    drafts = complete_drafts(planning_track, 24)
    twice = drafts[::4]
    jobs = [(lambda pk=a.pk: submit(Application.objects.get(pk=pk))) for a in [*drafts, *twice]]

    outcomes = in_threads(jobs)

    refused_repeats = [o for o in outcomes if isinstance(o, services.AlreadySubmitted)]
    errors = [o for o in outcomes if isinstance(o, Exception) and o not in refused_repeats]
    assert errors == []
    assert len(refused_repeats) == len(twice)
    rows = list(Application.objects.filter(pk__in=[a.pk for a in drafts]))
    assert {row.status for row in rows} == {S.SUBMITTED}
    references = sorted((row.reference for row in rows), key=lambda r: int(r.rsplit("-", 1)[1]))
    assert all(REFERENCE.match(r) for r in references)
    assert references == [f"2026-PL-{n:03d}" for n in range(8, 8 + len(drafts))]
    assert [submitted_audits(a) for a in drafts] == [1] * len(drafts)
    assert [submitted_mails(a) for a in drafts] == [1] * len(drafts)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_submit_application_locks_only_its_row_and_shares_the_call(planning_track):
    """While a submission is under way, other applications of the call, the track and the
    applicant organisation stay free, other submissions may read the call and take the next
    reference number of the track; the call cannot be changed until it commits."""
    first, other, held, later = complete_drafts(planning_track, 4)
    submit(first)  # the track's numbering exists from here on

    submission = Held(lambda: submit(held))
    try:
        call_id, pk = planning_track.call_id, planning_track.pk
        organisation = held.organization_id
        assert not lock_refused(
            lambda: Application.objects.select_for_update(nowait=True).get(pk=other.pk)
        )
        assert not lock_refused(lambda: Track.objects.select_for_update(nowait=True).get(pk=pk))
        assert not lock_refused(
            lambda: Organization.objects.select_for_update(nowait=True).get(pk=organisation)
        )
        assert not lock_refused(
            lambda: connection.cursor().execute(
                "SELECT id FROM projects_call WHERE id = %s FOR SHARE NOWAIT", [call_id]
            )
        )
        assert lock_refused(lambda: Call.objects.select_for_update(nowait=True).get(pk=call_id))
        assert not lock_refused(lambda: services._next_reference(later), lock_timeout=True)
        assert lock_refused(
            lambda: Application.objects.select_for_update(nowait=True).get(pk=held.pk)
        )
    finally:
        submission.release()

    # The number taken above by a transaction rolled back since is not given again.
    assert Application.objects.get(pk=held.pk).reference == "2026-PL-002"
    submit(later)
    assert Application.objects.get(pk=later.pk).reference == "2026-PL-004"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_document_removed_during_a_submission_waits_and_is_refused(planning_track):
    """A document removal (or upload) started while the submission checks the documents waits
    for the submission's commit, then finds the application submitted and changes nothing: a
    submitted application never loses a required document it was checked with."""
    (held,) = complete_drafts(planning_track, 1)
    document = held.documents.first()
    submission = Held(lambda: submit(held))
    removal = {}

    def remove():
        try:
            services.remove_document(
                document=Document.objects.get(pk=document.pk), actor=held.created_by
            )
        except DomainError as exc:
            removal["refused"] = exc.code
        finally:
            connections.close_all()

    remover = threading.Thread(target=remove)
    remover.start()
    while not waiting_on_a_lock():  # the removal is queued behind the submission
        remover.join(0.01)
        assert remover.is_alive(), "a document was removed under a submission in progress"
    submission.release()
    remover.join()

    assert removal == {"refused": "not_editable"}
    assert Application.objects.get(pk=held.pk).status == S.SUBMITTED
    assert Document.objects.filter(pk=document.pk).exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_draft_saves_lock_only_the_application_row(planning_track):
    """Saving a draft's section or its documents holds only that application's row: other
    drafts' saves and submissions of the call go on (the call and track are not locked)."""
    (draft,) = complete_drafts(planning_track, 1)
    saving = Held(
        lambda: services.save_application_section(
            application=Application.objects.get(pk=draft.pk),
            section="project",
            data={"title": "Flood sensors, second draft"},
            actor=draft.created_by,
        )
    )
    try:
        call_id, track_id = planning_track.call_id, planning_track.pk
        assert not lock_refused(lambda: Call.objects.select_for_update(nowait=True).get(pk=call_id))
        assert not lock_refused(
            lambda: Track.objects.select_for_update(nowait=True).get(pk=track_id)
        )
        assert lock_refused(
            lambda: Application.objects.select_for_update(nowait=True).get(pk=draft.pk)
        )
    finally:
        saving.release()
    assert not isinstance(saving.outcome, Exception), saving.outcome


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_close_call_waits_for_the_submission_under_way(planning_track, programme_admin):
    """Closing the call while a submission holds its share lock waits for that submission's
    commit; the submission counts, and the next one finds the call closed."""
    held, late = complete_drafts(planning_track, 2)
    submission = Held(lambda: submit(held))
    closing = threading.Thread(
        target=lambda: (
            transition_call(call=Call.objects.get(pk=planning_track.call_id), to="closed"),
            connections.close_all(),
        )
    )
    closing.start()
    while not waiting_on_a_lock():  # the close is queued behind the submission
        closing.join(0.01)
        assert closing.is_alive(), "the call was closed under a submission in progress"
    submission.release()
    closing.join()

    assert Application.objects.get(pk=held.pk).status == S.SUBMITTED
    assert Call.objects.get(pk=planning_track.call_id).status == Call.Status.CLOSED
    with pytest.raises(DomainError) as exc:
        submit(Application.objects.get(pk=late.pk))
    assert exc.value.code == "deadline"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_twin_proposals_for_one_city_submitted_together_only_one_counts(planning_track):
    """Two drafts of one organisation for the same city, submitted at once: the second waits
    at the partial unique constraint for the first, then is refused as a duplicate city; it
    stays a draft and takes no reference, audit row or mail."""
    org = OrganizationFactory(kind="city_government", country_code="MY")
    UserFactory(organizations=[org])
    country = CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    city = CityFactory(country=country, name="Klang")
    first, twin = complete_drafts(planning_track, 2, country=country, organization=org, city=city)
    submission = Held(lambda: submit(first))
    outcome = {}

    def submit_twin():
        try:
            submit(Application.objects.get(pk=twin.pk))
        except DomainError as exc:
            outcome["code"] = exc.code
        finally:
            connections.close_all()

    racing = threading.Thread(target=submit_twin)
    racing.start()
    while not waiting_on_a_lock():  # the twin's save waits on the first one's index entry
        racing.join(0.01)
        assert racing.is_alive(), f"the twin did not meet the constraint: {outcome}"
    submission.release()
    racing.join()

    assert outcome == {"code": "duplicate_city"}
    twin = Application.objects.get(pk=twin.pk)
    assert (twin.status, twin.reference) == (S.DRAFT, None)
    assert (submitted_audits(twin), submitted_mails(twin)) == (0, 0)
    assert Application.objects.get(pk=first.pk).reference == "2026-PL-001"
    (next_one,) = complete_drafts(planning_track, 1, country=country)
    submit(next_one)  # the refused twin took no number
    assert Application.objects.get(pk=next_one.pk).reference == "2026-PL-002"


@postgresql_only
@pytest.mark.django_db
def test_submit_application_numbering_cleared_starts_again_after_highest_stored(
    planning_track,
):
    """With its numbering row gone (a flushed test database), a prefix's next submission
    replaces the old sequence by one starting after the highest reference stored."""
    first, second = complete_drafts(planning_track, 2)
    submit(first)
    ReferenceSequence.objects.all().delete()
    SubmittedApplicationFactory(track=planning_track, reference="2026-PL-050")

    submit(second)

    assert Application.objects.get(pk=second.pk).reference == "2026-PL-051"
    assert ReferenceSequence.objects.get(prefix="2026-PL-").started_after == 50


@postgresql_only
@pytest.mark.django_db
def test_submit_application_sequence_missing_starts_again_after_highest_stored(
    planning_track,
):
    """A database restored from its rows alone, without the sequence: the next submission
    starts a new one after the highest reference stored, instead of failing."""
    first, second = complete_drafts(planning_track, 2)
    submit(first)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP SEQUENCE {ReferenceSequence.objects.get(prefix='2026-PL-').sequence_name}"
        )

    submit(second)

    assert Application.objects.get(pk=second.pk).reference == "2026-PL-002"
