"""A question's design edited from a page opened before a colleague's save: the second save
must not silently put back what the first changed (``core.concurrency``)."""

import pytest
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import Question
from tests.factories import QuestionFactory
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db


def _question_page(user, track, question):
    url = reverse(
        "staff_applications:question_edit", kwargs={"track_id": track.pk, "pk": question.pk}
    )
    browser = Client()
    browser.force_login(user)
    return browser, url, form_data(browser.get(url).content.decode(), having="label")


def test_stale_question_form_does_not_overwrite_a_colleagues_change(
    kind_staff, second_staff, planning_track
):
    question = QuestionFactory(track=planning_track, code="population", label="Population")
    browser, url, stale = _question_page(kind_staff, planning_track, question)
    services.update_question(
        question=question, actor=second_staff, help_text="Inhabitants at the last census."
    )
    stale.update(label_ko="인구")
    response = browser.post(url, stale)
    question = Question.objects.get(pk=question.pk)
    assert question.help_text == "Inhabitants at the last census."
    assert question.label_ko == ""
    assert response.status_code == 409
    page = response.content.decode()
    assert "Inhabitants at the last census." in page
    again = form_data(page, having="label")
    assert again["label_ko"] == "인구"
    # Sent again on purpose, with the colleague's help text taken over: saved.
    again["help_text"] = "Inhabitants at the last census."
    assert browser.post(url, again).status_code == 302
    question = Question.objects.get(pk=question.pk)
    assert (question.label_ko, question.help_text) == ("인구", "Inhabitants at the last census.")


def test_question_form_unchanged_since_opened_saves(kind_staff, planning_track):
    question = QuestionFactory(track=planning_track, code="population", label="Population")
    browser, url, sent = _question_page(kind_staff, planning_track, question)
    assert sent["seen_version"]
    sent.update(label_ko="인구")
    assert browser.post(url, sent).status_code == 302
    assert Question.objects.get(pk=question.pk).label_ko == "인구"
