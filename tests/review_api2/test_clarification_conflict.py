"""Answering a clarification request that is no longer open (a colleague answered it, or the
secretariat closed it meanwhile) is a conflict with the current state: the page answers 409
with the typed text kept; the API answered 400 as if the input were wrong. Now both say 409,
with the service's code (``no_request``, one of ``core.api.exceptions.CONFLICT_CODES``)."""

import pytest
from django.urls import reverse

from applications.models import Application, ClarificationRequest
from tests.api.conftest import client_for
from tests.factories import DocumentFactory, SubmittedApplicationFactory, UserFactory
from tests.review_api2.conftest import detail

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(applicant, kind_staff, planning_track):
    application = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first()
    )
    DocumentFactory(application=application, kind="letter_of_intent")
    DocumentFactory(application=application, kind="concept_paper")
    response = client_for(kind_staff).post(
        detail(application, "request-clarification"),
        {"message": "Please attach the site map.", "sections": ["documents"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    return application


def test_answering_a_request_a_colleague_answered_meanwhile_is_409(asked, applicant):
    colleague = UserFactory(organizations=[asked.organization])
    first = client_for(colleague).post(
        detail(asked, "answer-clarification"), {"response": "Attached."}, format="json"
    )
    assert first.status_code == 200, first.content

    late = client_for(applicant).post(
        detail(asked, "answer-clarification"), {"response": "Here it is."}, format="json"
    )
    assert late.status_code == 409, late.content
    assert late.json()["code"] == "no_request"
    request = ClarificationRequest.objects.get(application=asked)
    assert request.response == "Attached."


def test_the_page_and_the_api_give_the_same_status_for_it(asked, applicant, client):
    ClarificationRequest.objects.filter(application=asked).update(
        status=ClarificationRequest.Status.ANSWERED
    )
    Application.objects.filter(pk=asked.pk).update(status=Application.Status.SUBMITTED)
    client.force_login(applicant)
    page = client.post(
        reverse("applications:answer_clarification", kwargs={"pk": asked.pk}),
        {"response": "Typed text"},
    )
    api = client_for(applicant).post(
        detail(asked, "answer-clarification"), {"response": "Typed text"}, format="json"
    )
    assert page.status_code == api.status_code == 409, (page.status_code, api.content)
