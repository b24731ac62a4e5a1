"""Readiness of a call (issue 14): ``call_problems`` names what stops a call from opening, the
one service that opens calls refuses while there is any (whoever asks: staff, the admin's
action, the beat job), the beat job logs it and leaves the call published with one audit row,
and staff see the problems and a preview of each track's form in both languages."""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_events_for
from projects import services
from projects.models import Call, DocumentRequirement
from projects.tasks import task_sync_call_statuses
from tests.conftest import login
from tests.factories import CallFactory, CriterionFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_call(kind):
    """A published call whose opening time has come, with one track that is ready."""
    now = timezone.now()
    call = CallFactory(
        status=Call.Status.PUBLISHED,
        slug="ready-call",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=60),
    )
    track = TrackFactory(call=call, secretariat=kind, code="PL")
    for code, points in (("feasibility", 60), ("site", 40)):
        CriterionFactory(track=track, code=code, max_points=points)
    return call


def _messages(call):
    return [str(p.message) for p in services.call_problems(call)]


def test_a_ready_call_has_no_problems(ready_call):
    assert services.call_problems(ready_call) == []


def test_criteria_that_do_not_add_up_are_a_problem_of_their_track(ready_call):
    track = ready_call.tracks.get()
    track.criteria.filter(code="site").update(max_points=30)
    (problem,) = services.call_problems(ready_call)
    assert problem.track == track
    assert problem.code == "criteria"
    assert "the criteria add up to 90 points; they must add up to 100" in str(problem.message)


def test_a_track_without_criteria_is_a_problem(ready_call):
    ready_call.tracks.get().criteria.all().delete()
    assert _messages(ready_call) == [
        "Smart City Planning: the criteria add up to 0 points; they must add up to 100."
    ]


def test_a_track_without_a_required_document_is_a_problem(ready_call, programme_admin):
    track = ready_call.tracks.get()
    for requirement in list(track.document_requirements.all()) or []:
        requirement.delete()
    track.required_documents = []
    track.save()
    assert _messages(ready_call) == ["Smart City Planning: require at least one document."]
    # An optional document is not enough.
    services.save_document_requirement(
        requirement=DocumentRequirement(
            track=track, kind="site_map", name="Site map", is_required=False
        ),
        actor=programme_admin,
    )
    assert _messages(ready_call) == ["Smart City Planning: require at least one document."]


def test_budgets_not_set_are_a_problem(ready_call):
    ready_call.tracks.update(target_awards=0)
    assert _messages(ready_call) == [
        "Smart City Planning: set the per-project budget, the total budget and the number of awards."
    ]


def test_an_early_review_deadline_is_a_problem(ready_call):
    track = ready_call.tracks.get()
    track.review_deadline = ready_call.closes_at - datetime.timedelta(days=1)
    track.save()
    assert _messages(ready_call) == [
        "Smart City Planning: the review deadline must come after the call closes."
    ]
    track.review_deadline = ready_call.closes_at + datetime.timedelta(days=1)
    track.save()
    assert _messages(ready_call) == []


# --- Opening is refused in one place ----------------------------------------------------------------


def test_opening_a_call_with_problems_is_refused_and_changes_nothing(ready_call, programme_admin):
    ready_call.tracks.get().criteria.filter(code="site").delete()
    with pytest.raises(services.CallNotReady) as refused:
        services.transition_call(call=ready_call, to=Call.Status.OPEN, actor=programme_admin)
    assert "The call cannot open yet" in str(refused.value.message)
    assert "add up to 60 points" in str(refused.value.message)
    ready_call.refresh_from_db()
    assert ready_call.status == Call.Status.PUBLISHED
    assert not audit_events_for(ready_call).exists()


def test_opening_a_ready_call_works(ready_call, programme_admin):
    services.transition_call(call=ready_call, to=Call.Status.OPEN, actor=programme_admin)
    ready_call.refresh_from_db()
    assert ready_call.status == Call.Status.OPEN


def test_admin_action_reports_the_refusal(client, ready_call, programme_admin):
    ready_call.tracks.get().criteria.all().delete()
    client.force_login(programme_admin)
    response = client.post(
        reverse("admin:projects_call_changelist"),
        {"action": "open_calls", "_selected_action": [ready_call.pk]},
        follow=True,
    )
    assert "The call cannot open yet" in response.content.decode()
    ready_call.refresh_from_db()
    assert ready_call.status == Call.Status.PUBLISHED


# --- Reopening a closed call ------------------------------------------------------------------


@pytest.fixture
def closed_call(ready_call):
    """The ready call, opened and then closed at its closing time, which has passed."""
    Call.objects.filter(pk=ready_call.pk).update(
        status=Call.Status.CLOSED, closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    ready_call.refresh_from_db()
    return ready_call


def test_reopening_a_call_past_its_closing_time_is_refused(closed_call, programme_admin):
    """Reopened with its closing time passed, the call would take no proposal (the clock
    decides), read "Closed" to the public and be closed again by the beat job: the refusal
    says to move the closing time first, next to it."""
    with pytest.raises(services.CallNotReady) as refused:
        services.transition_call(call=closed_call, to=Call.Status.OPEN, actor=programme_admin)
    assert "move the closing time first" in str(refused.value.message)
    assert refused.value.field == "closes_at"
    assert [p.code for p in refused.value.problems] == ["closes_at"]
    closed_call.refresh_from_db()
    assert closed_call.status == Call.Status.CLOSED
    assert not audit_events_for(closed_call).exists()


def test_a_published_call_past_its_closing_time_does_not_open(ready_call, programme_admin):
    """Not only a closed call being reopened: opening a published call whose closing time
    has passed is refused the same way (no proposal could be submitted, and the beat job
    would close it again at once)."""
    Call.objects.filter(pk=ready_call.pk).update(
        closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    ready_call.refresh_from_db()
    assert [p.code for p in services.call_problems(ready_call)] == ["closes_at"]
    with pytest.raises(services.CallNotReady) as refused:
        services.transition_call(call=ready_call, to=Call.Status.OPEN, actor=programme_admin)
    assert "move the closing time first, then open the call" in str(refused.value.message)
    assert refused.value.field == "closes_at"
    ready_call.refresh_from_db()
    assert ready_call.status == Call.Status.PUBLISHED


def test_reopening_a_call_works_once_its_closing_time_moved(closed_call, programme_admin):
    services.update_call(
        call=closed_call,
        actor=programme_admin,
        closes_at=timezone.now() + datetime.timedelta(days=7),
    )
    services.transition_call(call=closed_call, to=Call.Status.OPEN, actor=programme_admin)
    closed_call.refresh_from_db()
    assert closed_call.status == Call.Status.OPEN
    assert closed_call.is_accepting_applications


def test_reopening_past_the_closing_time_is_refused_on_every_door(
    client, closed_call, programme_admin
):
    """The call's page lists it as what stops the call from opening and its "Open" button is
    refused with it; the admin's action is refused in the same words."""
    login(client, programme_admin)
    page = client.get(reverse("staff_projects:call", args=[closed_call.pk])).content.decode()
    assert "move the closing time first" in page
    response = client.post(
        reverse("staff_projects:call_status", args=[closed_call.pk]), {"to": "open"}, follow=True
    )
    assert "move the closing time first" in response.content.decode()
    response = client.post(
        reverse("admin:projects_call_changelist"),
        {"action": "open_calls", "_selected_action": [closed_call.pk]},
        follow=True,
    )
    assert "move the closing time first" in response.content.decode()
    closed_call.refresh_from_db()
    assert closed_call.status == Call.Status.CLOSED


def test_beat_job_leaves_a_call_with_problems_published_logs_and_audits_once(ready_call, caplog):
    ready_call.tracks.get().criteria.all().delete()
    with caplog.at_level(logging.WARNING, logger="projects.services"):
        assert task_sync_call_statuses() == 0
        assert task_sync_call_statuses() == 0
    ready_call.refresh_from_db()
    assert ready_call.status == Call.Status.PUBLISHED
    (event,) = audit_events_for(ready_call)
    assert event.action == "open_refused"
    assert event.detail["problems"] == [
        "Smart City Planning: the criteria add up to 0 points; they must add up to 100."
    ]
    assert "Call ready-call not opened at its date" in caplog.text
    # A new problem is a new row.
    ready_call.tracks.update(target_awards=0)
    task_sync_call_statuses()
    assert audit_events_for(ready_call).filter(action="open_refused").count() == 2


def test_beat_job_opens_a_ready_call(ready_call):
    assert task_sync_call_statuses() == 1
    ready_call.refresh_from_db()
    assert ready_call.status == Call.Status.OPEN


# --- Staff see it --------------------------------------------------------------------------------------


def test_call_page_shows_the_problems_to_programme_admins(client, ready_call, programme_admin):
    ready_call.tracks.get().criteria.all().delete()
    client.force_login(programme_admin)
    response = client.get(reverse("staff_projects:call", kwargs={"call_id": ready_call.pk}))
    assert response.status_code == 200
    assert "the criteria add up to 0 points" in response.content.decode()


def test_call_list_is_for_programme_admins(client, ready_call, programme_admin, kind_staff):
    client.force_login(kind_staff)
    assert client.get(reverse("staff_projects:calls")).status_code == 403
    client.force_login(programme_admin)
    response = client.get(reverse("staff_projects:calls"))
    assert ready_call.name in response.content.decode()


def test_preview_shows_the_form_and_documents_in_english_and_korean(client, ready_call, kind_staff):
    track = ready_call.tracks.get()
    services.save_document_requirement(
        requirement=DocumentRequirement(
            track=track,
            kind="site_map",
            name="Site map at 1:5,000",
            name_ko="1:5,000 대상지 지도",
            formats=["png"],
            max_size_mb=3,
        ),
        actor=kind_staff,
    )
    client.force_login(kind_staff)
    url = reverse("staff_projects:track_preview", kwargs={"track_id": track.pk})
    english = client.get(url).content.decode()
    assert "Site map at 1:5,000" in english
    assert "PNG; at most 3.0\xa0MB" in english
    # The applicant's own fields, read-only: the budget range of this track and its title.
    budget = english.split('name="budget-budget_requested"', 1)[1].split(">", 1)[0]
    assert "disabled" in budget
    assert "between KRW 300,000,000 and KRW 500,000,000 for this track" in english
    korean = client.get(url + "?lang=ko").content.decode()
    assert "1:5,000 대상지 지도" in korean
    assert "참여의향서" in korean


def test_preview_shows_the_tracks_questions_read_only_in_both_languages(
    client, ready_call, kind_staff
):
    from applications.models import Question
    from tests.factories import QuestionFactory

    track = ready_call.tracks.get()
    QuestionFactory(
        track=track,
        code="population",
        type=Question.Type.NUMBER,
        label="Population of the city",
        label_ko="도시 인구",
        required=True,
    )
    client.force_login(kind_staff)
    url = reverse("staff_projects:track_preview", kwargs={"track_id": track.pk})
    english = client.get(url).content.decode()
    assert "Population of the city" in english
    field = english.split('name="questions-q_population"', 1)[1].split(">", 1)[0]
    assert "disabled" in field
    assert "도시 인구" in client.get(url + "?lang=ko").content.decode()


def test_preview_and_readiness_refused_to_another_secretariat(client, ready_call, kaia_staff):
    track = ready_call.tracks.get()
    client.force_login(kaia_staff)
    url = reverse("staff_projects:track_preview", kwargs={"track_id": track.pk})
    assert client.get(url).status_code == 403


def test_call_page_query_count_does_not_grow_with_tracks(client, ready_call, programme_admin, kaia):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(programme_admin)
    url = reverse("staff_projects:call", kwargs={"call_id": ready_call.pk})
    client.get(url)  # warm the caches (content types, permissions)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for code in ("DM", "SP", "XX"):
        track = TrackFactory(call=ready_call, secretariat=kaia, code=code)
        CriterionFactory(track=track, code="all", max_points=100)
        services.save_document_requirement(
            requirement=DocumentRequirement(track=track, kind="site_map", name="Map"),
            actor=programme_admin,
        )
    assert count() == one
