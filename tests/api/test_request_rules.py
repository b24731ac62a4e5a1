"""Rules of every request to the API that no single endpoint owns: a body the parser cannot
read, keys a write does not take, a ``true``/``false`` filter, the errors' language, and the
limit on wrong tokens. (From the outside review of the API.)"""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from core.api.viewsets import field_of
from tests.api.conftest import client_for, session_client_for, url
from tests.factories.projects import EventFactory

pytestmark = pytest.mark.django_db


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) >= {"detail", "code", "errors"}, body
    assert body["code"] == code, body
    return body


# --- A body the parser cannot read ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['{"a":' * 5000 + "1" + "}" * 5000, "[" * 100_000 + "]" * 100_000],
    ids=["nested-objects", "nested-lists"],
)
def test_deeply_nested_json_body_is_a_400_not_a_500(application, applicant, body):
    """Nested brackets make the JSON decoder recurse until RecursionError, which DRF's parser
    let escape as a 500 (core.api.parsers)."""
    client = client_for(applicant)
    client.raise_request_exception = False
    response = client.generic(
        "PATCH", url("application", application), body, content_type="application/json"
    )
    _error(response, 400, "parse_error")


def test_viewsets_with_their_own_parsers_use_the_portal_json_parser():
    from applications.api import ApplicationViewSet  # noqa: PLC0415
    from awards.api import DeliverableViewSet  # noqa: PLC0415
    from awards.funding_api import PaymentRequestViewSet  # noqa: PLC0415
    from core.api.parsers import PortalJSONParser  # noqa: PLC0415

    for viewset in (ApplicationViewSet, DeliverableViewSet, PaymentRequestViewSet):
        assert PortalJSONParser in viewset.parser_classes, viewset


# --- Errors in the request's language -------------------------------------------------------


def test_validation_error_detail_is_in_korean(applicant):
    response = client_for(applicant).post(
        url("application"), {}, format="json", HTTP_ACCEPT_LANGUAGE="ko"
    )
    body = _error(response, 400, "invalid")
    assert response["Content-Language"] == "ko"
    assert body["detail"] == "유효하지 않은 입력입니다."


def test_not_found_detail_is_in_korean_and_names_no_model(application, applicant, other_applicant):
    """Another organisation's application and one that does not exist answer what an unknown
    path answers, never "No Application matches the given query."."""
    client = client_for(other_applicant)
    hidden = client.get(url("application", application), HTTP_ACCEPT_LANGUAGE="ko")
    missing = client.get("/api/v1/applications/999999/", HTTP_ACCEPT_LANGUAGE="ko")
    unknown_path = client.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="ko")
    expected = _error(unknown_path, 404, "not_found")["detail"]
    assert expected == "찾을 수 없습니다."
    for response in (hidden, missing):
        body = _error(response, 404, "not_found")
        assert body["detail"] == expected
    english = client.get(url("application", application))
    assert _error(english, 404, "not_found")["detail"] == "Not found."


# --- Boolean filters --------------------------------------------------------------------------


def test_boolean_filter_with_a_bad_value_is_refused(reviewer):
    """``?upcoming=maybe`` answered every event, ``?has_conflict=yes`` every declaration."""
    body = _error(APIClient().get("/api/v1/events/", {"upcoming": "maybe"}), 400, "invalid")
    assert "upcoming" in body["errors"]
    body = _error(
        client_for(reviewer).get("/api/v1/conflict-declarations/", {"has_conflict": "yes"}),
        400,
        "invalid",
    )
    assert "has_conflict" in body["errors"]
    body = _error(APIClient().get("/api/v1/events/", {"upcoming": "1"}), 400, "invalid")
    assert "upcoming" in body["errors"]


def test_boolean_filter_takes_true_and_false():
    today = timezone.localdate()
    past = EventFactory(
        starts_on=today - datetime.timedelta(days=30), ends_on=today - datetime.timedelta(days=29)
    )
    future = EventFactory(
        starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=31)
    )

    def listed(**params):
        response = APIClient().get("/api/v1/events/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert listed(upcoming="true") == listed(upcoming="True") == {future.pk}
    assert listed(upcoming="false") == {past.pk}
    assert listed(upcoming="") == listed() == {past.pk, future.pk}


# --- Writes: keys the serializer does not take -----------------------------------------------


def test_patch_with_an_unknown_or_read_only_field_is_refused(application, applicant):
    """A PATCH whose only field is a typo or a read-only field answered 200 and saved nothing."""
    client = client_for(applicant)
    before = application.title
    typo = client.patch(
        url("application", application),
        {"titel": "New title"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert _error(typo, 400, "invalid")["errors"] == {"titel": ["알 수 없는 항목입니다."]}
    read_only = client.patch(
        url("application", application), {"title": "New", "status": "selected"}, format="json"
    )
    assert _error(read_only, 400, "invalid")["errors"] == {
        "status": ["This field cannot be changed."]
    }
    application.refresh_from_db()
    assert application.title == before


def test_an_action_body_with_an_unknown_field_is_refused(application, applicant):
    response = client_for(applicant).post(
        url("application", application, "withdraw"),
        {"reason": "No longer needed", "notify": True},
        format="json",
    )
    assert _error(response, 400, "invalid")["errors"] == {"notify": ["Unknown field."]}


def test_a_form_body_keeps_its_nested_keys_and_csrf_token(application, applicant):
    """In a form body DRF reads ``lines.personnel`` as the dict field ``lines``: not unknown;
    a browser session's form may carry ``csrfmiddlewaretoken``."""
    form = {"lines.personnel": "1", "sections[0]": "a"}
    data = QueryDict(mutable=True)
    data.update(form)
    assert [field_of(key, data) for key in form] == ["lines", "sections"]
    assert field_of("lines.personnel", {"lines.personnel": 1}) == "lines.personnel"
    client = session_client_for(applicant)
    response = client.patch(
        url("application", application),
        "title=From+a+form&csrfmiddlewaretoken=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    application.refresh_from_db()
    assert application.title == "From a form"


# --- Wrong tokens -----------------------------------------------------------------------------


def test_wrong_token_guesses_are_limited_per_address(settings, applicant):
    """DRF authenticates before it throttles, so a client guessing keys got 401 forever; past
    ``KCITY_API_TOKEN_FAILURE_RATE`` its address gets 429 with Retry-After, a right key
    included, while other addresses and browser sessions are not touched."""
    settings.KCITY_API_TOKEN_FAILURE_RATE = "3/10m"
    right = client_for(applicant)
    for _attempt in range(5):  # successes are not counted
        assert right.get("/api/v1/me/").status_code == 200
    guesser = APIClient()
    statuses = []
    for attempt in range(5):
        guesser.credentials(HTTP_AUTHORIZATION=f"Token guessed-key-{attempt}")
        statuses.append(guesser.get("/api/v1/me/").status_code)
    assert statuses == [401, 401, 401, 429, 429]
    limited = guesser.get("/api/v1/me/")
    body = _error(limited, 429, "throttled")
    assert 0 < int(limited["Retry-After"]) <= 600
    assert body["errors"] == {}
    # The address is limited for any key, a right one included...
    assert right.get("/api/v1/me/").status_code == 429
    # ...but not another address, nor a browser session.
    assert right.get("/api/v1/me/", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert session_client_for(applicant).get("/api/v1/me/").status_code == 200


def test_an_expired_key_is_not_counted_as_a_guess(settings, applicant):
    settings.KCITY_API_TOKEN_FAILURE_RATE = "2/10m"
    client = client_for(applicant)
    ApiToken.objects.filter(user=applicant).update(expires_at=timezone.now())
    for _attempt in range(4):
        assert _error(client.get("/api/v1/me/"), 401, "token_expired")
