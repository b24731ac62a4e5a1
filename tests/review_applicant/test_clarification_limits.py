"""A clarification's message and the applicant's answer have one limit (``core.domain``): the
page's field, the API's serializer and the service agree. Before, the answer page and the
staff's request page took any length while the API refused more than 10,000 characters, and
the service took anything a door let through."""

import pytest
from django.urls import reverse

from applications import services
from applications.api import ClarificationAnswerSerializer, ClarificationCreateSerializer
from applications.forms import ClarificationAnswerForm, ClarificationRequestForm
from core.domain import MESSAGE_MAX_LENGTH, DomainError
from tests.api.conftest import client_for
from tests.conftest import login

pytestmark = pytest.mark.django_db
TOO_LONG = "a" * (MESSAGE_MAX_LENGTH + 1)


def _clarify(application, staff):
    services.submit_application(application=application, actor=application.created_by)
    return services.request_clarification(
        application=application, actor=staff, message="Give the site area.", sections=["site"]
    )


def test_clarification_page_and_api_take_one_limit():
    fields = [
        ClarificationAnswerForm().fields["response"],
        ClarificationRequestForm(sections=[]).fields["message"],
        ClarificationAnswerSerializer().fields["response"],
        ClarificationCreateSerializer().fields["message"],
    ]
    assert {field.max_length for field in fields} == {MESSAGE_MAX_LENGTH}


def test_a_too_long_answer_is_refused_on_the_page_and_kept(client, complete_draft, kind_staff):
    _clarify(complete_draft, kind_staff)
    login(client, complete_draft.created_by)
    url = reverse("applications:answer_clarification", kwargs={"pk": complete_draft.pk})
    response = client.post(url, {"response": TOO_LONG})
    assert response.status_code == 400
    assert response.context["answer_form"].errors["response"]
    assert TOO_LONG in response.content.decode()  # what was typed is kept
    complete_draft.refresh_from_db()
    assert complete_draft.status == "clarification"


def test_a_too_long_answer_is_refused_by_the_api(complete_draft, kind_staff):
    _clarify(complete_draft, kind_staff)
    url = reverse("api:application-answer-clarification", kwargs={"pk": complete_draft.pk})
    response = client_for(complete_draft.created_by).post(
        url, {"response": TOO_LONG}, format="json"
    )
    assert response.status_code == 400
    assert "response" in response.json()["errors"]
    complete_draft.refresh_from_db()
    assert complete_draft.status == "clarification"


def test_the_service_refuses_a_too_long_answer_whichever_door(complete_draft, kind_staff):
    _clarify(complete_draft, kind_staff)
    with pytest.raises(DomainError) as refused:
        services.answer_clarification(
            application=complete_draft, actor=complete_draft.created_by, response=TOO_LONG
        )
    assert (refused.value.code, refused.value.field) == ("too_long", "response")


def test_an_answer_at_the_limit_with_line_breaks_goes_through(client, complete_draft, kind_staff):
    _clarify(complete_draft, kind_staff)
    login(client, complete_draft.created_by)
    url = reverse("applications:answer_clarification", kwargs={"pk": complete_draft.pk})
    text = ("a" * 99 + "\r\n") * (MESSAGE_MAX_LENGTH // 100)  # CRLF counts once
    response = client.post(url, {"response": text})
    assert response.status_code == 302
    complete_draft.refresh_from_db()
    assert complete_draft.status == "submitted"


def test_the_service_refuses_a_too_long_request_message(complete_draft, kind_staff):
    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    with pytest.raises(DomainError) as refused:
        services.request_clarification(
            application=complete_draft, actor=kind_staff, message=TOO_LONG, sections=["site"]
        )
    assert (refused.value.code, refused.value.field) == ("too_long", "message")
    complete_draft.refresh_from_db()
    assert complete_draft.status == "submitted"
