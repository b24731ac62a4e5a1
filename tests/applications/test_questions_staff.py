"""Staff design a track's questions in the browser: list, add, edit, reorder, retire, version
and preview in both languages; only the track's staff, every write audited, an answered
question's type refused next to its field."""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.audit import audit_events_for
from applications import services
from applications.models import Question
from tests.conftest import login
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

T = Question.Type


def url(name, track, **kwargs):
    return reverse(f"staff_applications:{name}", kwargs={"track_id": track.pk, **kwargs})


def design(**extra) -> dict:
    return {
        "code": "population",
        "type": T.NUMBER,
        "label": "Population of the city",
        "label_ko": "도시 인구",
        "section": "The city",
        "section_ko": "도시",
        "section_order": "1",
        "order": "10",
        "min": "1",
        "unit": "inhabitants",
        "unit_ko": "명",
        **extra,
    }


def test_questions_staff_add_edit_and_preview(client, kind_staff, planning_track):
    login(client, kind_staff)
    assert client.get(url("questions", planning_track)).status_code == 200
    response = client.post(url("questions", planning_track), design(required="on"))
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.track, question.required, question.constraints) == (
        planning_track,
        True,
        {"min": 1, "unit": "inhabitants", "unit_ko": "명"},
    )
    assert [e.action for e in audit_events_for(question)] == ["question_created"]
    response = client.post(
        url("questions", planning_track),
        design(
            code="challenges",
            type=T.MULTIPLE_CHOICE,
            label="Main urban challenges",
            label_ko="주요 도시 문제",
            options_text="flood | Flooding | 홍수\ntraffic | Traffic | 교통",
            min="",
            max_choices="2",
            show_if_question="population",
            show_if_value="",
        ),
    )
    assert response.status_code == 302
    challenges = Question.objects.get(code="challenges")
    assert challenges.options[1] == {"value": "traffic", "label": "Traffic", "label_ko": "교통"}
    preview = client.get(url("questions_preview", planning_track)).content.decode()
    assert "Population of the city" in preview and "도시 인구" in preview and "홍수" in preview

    edit = url("question_edit", planning_track, pk=question.pk)
    assert client.get(edit).context["form"].initial["label_ko"] == "도시 인구"
    assert client.post(edit, design(label="Inhabitants")).status_code == 302
    question.refresh_from_db()
    assert question.label == "Inhabitants"
    assert audit_events_for(question).last().action == "question_changed"


def test_questions_staff_form_refusals_show_next_to_the_field(
    client, kind_staff, planning_track, application, applicant
):
    question = QuestionFactory(track=planning_track, code="population", type=T.NUMBER)
    services.save_answers(application=application, answers={"population": 5}, actor=applicant)
    login(client, kind_staff)
    response = client.post(
        url("question_edit", planning_track, pk=question.pk), design(type=T.SHORT_TEXT, min="")
    )
    assert response.status_code == 400
    assert "new version" in response.context["form"].errors["type"][0]
    question.refresh_from_db()
    assert question.type == T.NUMBER
    # A choice question without options is refused next to its options.
    response = client.post(
        url("questions", planning_track), design(code="pick", type=T.SINGLE_CHOICE, min="")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["options_text"] == ["Give at least one option."]
    # A code already on the form.
    response = client.post(url("questions", planning_track), design())
    assert "already has the code" in response.context["form"].errors["code"][0]


def test_questions_staff_move_retire_and_version(client, kind_staff, planning_track):
    first = QuestionFactory(track=planning_track, code="a", order=10)
    second = QuestionFactory(track=planning_track, code="b", order=20)
    login(client, kind_staff)
    client.post(url("question_move", planning_track, pk=second.pk), {"direction": "up"})
    assert [x.code for x in Question.objects.order_by("order")] == ["b", "a"]
    client.post(url("question_new_version", planning_track, pk=first.pk))
    first.refresh_from_db()
    assert first.is_retired
    assert Question.objects.filter(code="a", retired_at__isnull=True).count() == 1
    live = Question.objects.get(code="b")
    client.post(url("question_retire", planning_track, pk=live.pk))
    live.refresh_from_db()
    assert live.is_retired
    assert audit_events_for(live).last().action == "question_retired"


def test_questions_staff_of_another_secretariat_are_refused(
    client, kaia_staff, planning_track, demonstration_track
):
    question = QuestionFactory(track=planning_track, code="a")
    login(client, kaia_staff)
    for name, kwargs in (
        ("questions", {}),
        ("questions_preview", {}),
        ("question_edit", {"pk": question.pk}),
    ):
        assert client.get(url(name, planning_track, **kwargs)).status_code == 403
    for name in ("question_edit", "question_retire", "question_move", "question_new_version"):
        response = client.post(url(name, planning_track, pk=question.pk), design())
        assert response.status_code == 403
    assert client.post(url("questions", planning_track), design(code="x")).status_code == 403
    # Their own track's page does not reach the planning track's question either.
    edit = url("question_edit", demonstration_track, pk=question.pk)
    assert client.get(edit).status_code == 404
    question.refresh_from_db()
    assert not question.is_retired and Question.objects.count() == 1


def test_questions_call_wide_only_by_programme_admins(
    client, kind_staff, programme_admin, planning_track, demonstration_track
):
    login(client, kind_staff)
    response = client.post(url("questions", planning_track), design(call_wide="on"))
    assert response.status_code == 400
    assert "programme admins" in str(response.context["form"].non_field_errors())
    login(client, programme_admin)
    assert client.post(url("questions", planning_track), design(call_wide="on")).status_code == 302
    question = Question.objects.get()
    assert question.track is None and question.call == planning_track.call
    # Asked on both tracks of the call.
    from applications.selectors import questions_for_track

    assert [x.code for x in questions_for_track(demonstration_track)] == ["population"]


def test_questions_staff_mark_a_question_as_identifying_and_it_stays_marked(
    client, kind_staff, programme_admin, planning_track
):
    """ "May identify the applicant" is set on the page, shown again when editing, kept by a
    new version of the question and by a copy of the call, and given by the API."""
    from projects.services import copy_call

    login(client, kind_staff)
    response = client.post(
        url("questions", planning_track),
        design(code="support", type=T.LONG_TEXT, min="", unit="", unit_ko="", identifying="on"),
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.identifying is True
    edit = client.get(url("question_edit", planning_track, pk=question.pk)).content.decode()
    assert 'name="identifying"' in edit and "checked" in edit.split('name="identifying"')[1][:80]
    version = services.new_question_version(question=question, actor=kind_staff)
    assert version.identifying is True
    call = planning_track.call
    copy = copy_call(
        call=call,
        actor=programme_admin,
        year=2027,
        slug="call-2027",
        name="K-City Network 2027",
        opens_at=datetime.datetime(2027, 1, 10, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(2027, 3, 31, tzinfo=datetime.UTC),
    )
    assert Question.objects.get(call=copy, code="support").identifying is True


def test_questions_staff_set_the_character_limit_of_a_text(client, kind_staff, planning_track):
    login(client, kind_staff)
    page = client.get(url("questions", planning_track)).content.decode()
    assert 'name="max_length"' in page
    response = client.post(
        url("questions", planning_track),
        design(code="vision", type=T.LONG_TEXT, min="", unit="", unit_ko="", max_length="1500"),
    )
    assert response.status_code == 302, response.content.decode()
    question = Question.objects.get(code="vision")
    assert question.constraints == {"max_length": 1500}
    edit = client.get(url("question_edit", planning_track, pk=question.pk)).content.decode()
    assert re.search(r'name="max_length" value="1500"', edit)
