"""An integration authenticated by its token reads the API as its user does in the browser:
times in the user's time zone, messages in the user's language unless the request names one
(``Accept-Language``). DRF authenticates a token after every middleware has run, so the
middleware that applies the user's preferences never saw the token's user."""

import datetime

import pytest

from tests.api.conftest import client_for, session_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def malaysian_korean_reader(applicant):
    applicant.time_zone = "Asia/Kuala_Lumpur"
    applicant.language = "ko"
    applicant.save(update_fields=["time_zone", "language"])
    return applicant


def _offset(response) -> datetime.timedelta:
    assert response.status_code == 200, response.content
    (call,) = response.json()["results"]
    return datetime.datetime.fromisoformat(call["opens_at"]).utcoffset()


def test_token_times_are_in_the_users_time_zone(planning_track, malaysian_korean_reader):
    eight_hours = datetime.timedelta(hours=8)
    assert _offset(session_client_for(malaysian_korean_reader).get("/api/v1/calls/")) == eight_hours
    assert _offset(client_for(malaysian_korean_reader).get("/api/v1/calls/")) == eight_hours


def test_token_messages_are_in_the_users_language(malaysian_korean_reader):
    response = client_for(malaysian_korean_reader).get("/api/v1/applications/999999/")
    assert response.status_code == 404
    assert response.json()["detail"] == "찾을 수 없습니다."
    assert response["Content-Language"] == "ko"


def test_accept_language_of_a_token_request_still_wins(malaysian_korean_reader):
    response = client_for(malaysian_korean_reader).get(
        "/api/v1/applications/999999/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["detail"] == "Not found."
