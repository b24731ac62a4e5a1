"""A submit repeated through the API answers 409 "already submitted", never 403.

The case of the issue: the submit was saved, then the answer was lost (here: the reply fails
after the service committed); the client retries and must learn that its first submit went
through, with the application's status as it may see it.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from applications.api import ApplicationViewSet
from applications.models import Application
from tests.factories import DocumentFactory, SubmittedApplicationFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db
S = Application.Status


def submit_url(application):
    return reverse("api:application-submit", kwargs={"pk": application.pk})


def _complete(application):
    application.budget_requested = 400_000_000
    application.save()
    for kind in application.track.required_documents:
        DocumentFactory(application=application, kind=kind)
    return application


def test_submit_retried_after_a_failure_past_the_save_is_409_already_submitted(
    applicant, application, monkeypatch
):
    _complete(application)
    client = client_for(applicant)
    client.raise_request_exception = False

    def lost_answer(self, instance, code=200):
        raise ConnectionResetError("the answer never reached the client")

    monkeypatch.setattr(ApplicationViewSet, "reply", lost_answer)
    failed = client.post(submit_url(application))
    assert failed.status_code == 500
    application.refresh_from_db()
    assert application.status == S.SUBMITTED  # saved before the failure
    monkeypatch.undo()

    retry = client.post(submit_url(application))
    assert retry.status_code == 409
    body = retry.json()
    assert body["code"] == "already_submitted"
    assert body["status"] == "submitted"
    assert body["reference"] == application.reference
    assert application.reference in body["detail"]
    assert "already submitted" in body["detail"]
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_submit_repeat_in_a_later_status_shows_only_what_the_applicant_may_see(
    applicant, planning_track
):
    """An unreleased decision stays "under review" in the 409, as everywhere else."""
    application = SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        status=S.SELECTED,
    )
    response = client_for(applicant).post(submit_url(application))
    assert response.status_code == 409
    assert response.json()["status"] == "under_review"


def test_submit_of_a_withdrawn_application_is_still_refused_by_the_rule(applicant, planning_track):
    application = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), status=S.WITHDRAWN
    )
    assert client_for(applicant).post(submit_url(application)).status_code == 403


def test_submit_repeat_by_staff_or_another_organisation_is_not_a_409(
    kind_staff, other_applicant, applicant, planning_track
):
    application = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first()
    )
    assert client_for(kind_staff).post(submit_url(application)).status_code == 403
    assert client_for(other_applicant).post(submit_url(application)).status_code == 404
    assert APIClient().post(submit_url(application)).status_code == 401
