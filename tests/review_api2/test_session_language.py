"""docs/api.md promises every error "in the request's language (``Accept-Language``, or the
user's language)". A token request kept that promise; a request of a logged-in browser
session answered in the profile language whatever ``Accept-Language`` said. Under ``/api/``
the header now wins for a session too (an API client sets it on purpose); the pages keep the
profile language over the browser's own header."""

import pytest
from django.urls import reverse

from tests.api.conftest import session_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_reader(applicant):
    applicant.language = "en"
    applicant.save(update_fields=["language"])
    return applicant


def test_a_session_api_call_answers_in_the_language_it_asks_for(english_reader):
    response = session_client_for(english_reader).get(
        "/api/v1/applications/999999/", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "찾을 수 없습니다."
    assert response["Content-Language"] == "ko"


def test_without_the_header_a_session_api_call_uses_the_profile_language(applicant):
    applicant.language = "ko"
    applicant.save(update_fields=["language"])
    response = session_client_for(applicant).get("/api/v1/applications/999999/")
    assert response.json()["detail"] == "찾을 수 없습니다."


def test_the_pages_keep_the_profile_language_over_the_browsers_header(english_reader, client):
    client.force_login(english_reader)
    response = client.get(reverse("applications:dashboard"), HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
