"""The questions through the API (the track's questions; answers read and written on the
application) and in the applications export: one column per question."""

import csv
import io

import pytest
from django.urls import reverse

from applications import services
from applications.models import Answer, Application, Question
from tests.api.conftest import client_for
from tests.factories import QuestionFactory, SubmittedApplicationFactory

pytestmark = pytest.mark.django_db

T = Question.Type


@pytest.fixture
def form(planning_track):
    return [
        QuestionFactory(
            track=planning_track,
            code="population",
            type=T.NUMBER,
            label="Population of the city",
            label_ko="도시 인구",
            constraints={"min": 1},
            # Explicit: the factory's order grows with every question the worker made before.
            order=10,
        ),
        QuestionFactory(
            track=planning_track,
            code="grant",
            type=T.AMOUNT_KRW,
            label="Local contribution",
            order=900,
        ),
    ]


def test_questions_api_lists_a_tracks_questions_in_both_languages(form, planning_track):
    response = client_for(None).get(
        reverse("api:track-question-list", kwargs={"track_id": planning_track.pk})
    )
    assert response.status_code == 200
    first = response.json()[0]
    assert (first["code"], first["label"], first["label_ko"], first["call_wide"]) == (
        "population",
        "Population of the city",
        "도시 인구",
        False,
    )
    assert [row["code"] for row in response.json()] == ["population", "grant"]


def test_questions_api_unpublished_track_is_404(form, planning_track):
    planning_track.call.status = "draft"
    planning_track.call.save(update_fields=["status"])
    response = client_for(None).get(
        reverse("api:track-question-list", kwargs={"track_id": planning_track.pk})
    )
    assert response.status_code == 404


def test_questions_api_patch_writes_and_get_reads_answers(form, application, applicant):
    client = client_for(applicant)
    detail = reverse("api:application-detail", kwargs={"pk": application.pk})
    refused = client.patch(detail, {"answers": {"population": 0}}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"answers.population": ["Enter at least 1."]}
    unknown = client.patch(detail, {"answers": {"nothing": 1}}, format="json")
    assert unknown.status_code == 400 and "answers.nothing" in unknown.json()["errors"]
    assert not Answer.objects.exists()

    saved = client.patch(
        detail, {"answers": {"population": "250,000", "grant": 5_000_000}}, format="json"
    )
    assert saved.status_code == 200
    assert saved.json()["answers"] == {"population": 250000, "grant": 5_000_000}
    # Codes left out keep their answer; null clears one.
    client.patch(detail, {"answers": {"grant": None}}, format="json")
    assert client.get(detail).json()["answers"] == {"population": 250000}


def test_questions_api_patch_with_stale_version_is_409(form, application, applicant):
    client = client_for(applicant)
    detail = reverse("api:application-detail", kwargs={"pk": application.pk})
    version = client.get(detail).json()["version"]
    services.save_answers(application=application, answers={"population": 7}, actor=applicant)
    stale = client.patch(detail, {"answers": {"population": 8}, "version": version}, format="json")
    assert stale.status_code == 409 and stale.json()["section"] == "questions"
    assert Answer.objects.get().value == 7


def test_questions_export_has_one_column_per_question(
    client, form, planning_track, kind_staff, applicant
):
    application = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), reference="PL-1"
    )
    Application.objects.filter(pk=application.pk).update(status="draft")
    services.save_answers(
        application=application, answers={"population": 1200, "grant": 300_000_000}, actor=applicant
    )
    Application.objects.filter(pk=application.pk).update(status="submitted")
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_results:export", args=[planning_track.pk, "applications", "csv"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    headers, keys, data = rows[1], rows[2], rows[3]
    assert keys[-2:] == ["question.population", "question.grant"]
    assert headers[-2:] == ["Population of the city", "Local contribution"]
    assert data[-2:] == ["1,200", "300000000"]
