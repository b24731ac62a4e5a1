"""The API answers as its description says: JSON errors on every path under /api/, query
parameters validated (a bad one is a 400 naming it), the ranges and enums described, times in
ISO 8601 with their offset; and the small items around it (the docs page's language, the
"My applications" entry only for those who have applications)."""

import datetime
from unittest import mock

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.api.views import server_error
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"detail", "code", "errors"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    if code:
        assert body["code"] == code
    return body


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v2/calls/", "/api/", "/api/v1/calls/1/nope/"]
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_path_is_a_json_404(client, path, method):
    assert_error(getattr(client, method)(path), 404, "not_found")


def test_api_path_without_its_slash_still_redirects(client):
    response = client.get("/api/v1/calls?year=2026")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/calls/?year=2026"
    # A path that would not exist with the slash either is a 404, not a redirect.
    assert_error(client.get("/api/v1/nothing-here"), 404)


def test_unknown_path_outside_the_api_keeps_the_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_unsupported_method_is_a_json_405(client):
    assert_error(client.delete(reverse("api:call-list")), 405, "method_not_allowed")


def test_server_error_under_the_api_is_json_and_elsewhere_html(client):
    client.raise_request_exception = False
    with mock.patch("projects.api.CallViewSet.list", side_effect=RuntimeError("boom")):
        response = client.get(reverse("api:call-list"))
    body = assert_error(response, 500, "server_error")
    assert "boom" not in body["detail"]  # the cause stays in the server's log
    page = server_error(RequestFactory().get("/calls/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_request_refused_before_any_view_is_json_under_the_api(client):
    response = client.get(reverse("api:call-list"), HTTP_HOST="evil.example")
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    "path,parameter",
    [
        ("/api/v1/tracks/", "year"),
        ("/api/v1/calls/", "year"),
        ("/api/v1/projects/", "year_from"),
        ("/api/v1/events/", "year"),
        ("/api/v1/criteria/", "track"),
    ],
)
@pytest.mark.parametrize("value", ["0.5", "2026.5", "abc", "9" * 30])
def test_integer_filter_rejects_what_is_not_a_whole_number(client, path, parameter, value):
    body = assert_error(client.get(path, {parameter: value}), 400, "invalid")
    assert list(body["errors"]) == [parameter]


def test_integer_filters_of_logged_in_lists_are_checked_too(applicant, programme_admin):
    for user, path in ((applicant, "/api/v1/applications/"), (programme_admin, "/api/v1/results/")):
        body = assert_error(client_for(user).get(path, {"year": "0.5"}), 400, "invalid")
        assert list(body["errors"]) == ["year"]


def test_a_whole_year_still_filters(client, planning_track):
    year = planning_track.call.year
    assert client.get("/api/v1/tracks/", {"year": year}).json()["count"] == 1
    assert client.get("/api/v1/tracks/", {"year": year + 1}).json()["count"] == 0


def test_ordering_names_only_allowed_fields(client, planning_track):
    body = assert_error(client.get("/api/v1/calls/", {"ordering": "-year,secret"}), 400)
    assert list(body["errors"]) == ["ordering"]
    assert "secret" in body["errors"]["ordering"][0]
    assert client.get("/api/v1/calls/", {"ordering": "-year,opens_at"}).status_code == 200


@pytest.mark.parametrize(
    "query,parameter",
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
    ],
)
def test_page_and_page_size_are_validated(client, query, parameter):
    body = assert_error(client.get("/api/v1/countries/", query), 400, "invalid")
    assert list(body["errors"]) == [parameter]


def test_page_within_range_and_past_the_last(client, planning_track):
    assert client.get("/api/v1/tracks/", {"page_size": 200, "page": 1}).status_code == 200
    assert_error(client.get("/api/v1/tracks/", {"page": 99}), 404, "not_found")


def _parameters(client, path: str) -> dict:
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = schema.json()["paths"][path]["get"]
    return {parameter["name"]: parameter for parameter in operation["parameters"]}


def test_schema_states_the_ranges_and_enums_it_enforces(client):
    parameters = _parameters(client, "/api/v1/calls/")
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1}
    assert parameters["year"]["schema"]["type"] == "integer"
    assert parameters["year"]["schema"]["maximum"] == 2**63 - 1
    ordering = parameters["ordering"]
    assert (ordering["style"], ordering["explode"]) == ("form", False)
    assert set(ordering["schema"]["items"]["enum"]) == {
        "year",
        "-year",
        "opens_at",
        "-opens_at",
        "closes_at",
        "-closes_at",
    }
    events = _parameters(client, "/api/v1/events/")
    assert events["year"]["schema"]["type"] == "integer"


def test_times_are_iso_8601_with_an_offset(client, planning_track):
    (call,) = client.get(reverse("api:call-list")).json()["results"]
    for field in ("opens_at", "closes_at"):
        value = datetime.datetime.fromisoformat(call[field])
        assert value.utcoffset() is not None, (field, call[field])


def test_api_docs_page_names_its_language(client):
    response = client.get(reverse("api-docs"))
    assert '<html lang="en">' in response.content.decode()
    client.cookies["django_language"] = "ko"
    assert '<html lang="ko">' in client.get(reverse("api-docs")).content.decode()


def test_my_applications_only_for_those_who_apply(client, applicant, reviewer, kind_staff):
    dashboard = f'href="{reverse("applications:dashboard")}"'

    def nav():
        page = client.get(reverse("home")).content.decode()
        return page.split('<ul class="nav">', 1)[1].split("</ul>", 1)[0]

    client.force_login(applicant)
    assert dashboard in nav()
    for user in (reviewer, kind_staff):
        client.force_login(user)
        assert dashboard not in nav()


def test_a_contractor_reaches_their_projects_from_the_navigation(client, contractor):
    client.force_login(contractor)
    page = client.get(reverse("home")).content.decode()
    nav = page.split('<ul class="nav">', 1)[1].split("</ul>", 1)[0]
    assert f'href="{reverse("applications:dashboard")}">My projects<' in nav
    assert "My applications" not in nav


def test_a_filter_by_an_unknown_row_gives_an_empty_list_not_a_400(kind_staff, planning_track):
    # The schema says "an integer": an id that matches nothing (or a row the user may not see)
    # filters the list to nothing; a malformed id is still a 400 that names the parameter.
    from tests.factories import CriterionFactory

    CriterionFactory(track=planning_track)
    client = client_for(kind_staff)
    url = reverse("api:criterion-list")
    mine = client.get(url, {"track": planning_track.pk})
    assert mine.status_code == 200 and mine.json()["count"] == 1
    unknown = client.get(url, {"track": 0})
    assert unknown.status_code == 200, unknown.content
    assert unknown.json()["count"] == 0
    malformed = client.get(url, {"track": "x"})
    assert malformed.status_code == 400
    assert "track" in malformed.json()["errors"]


def test_the_browsable_api_lists_no_rows_the_user_may_not_see(applicant, planning_track):
    """The browsable API's HTML form drew a drop-down from each related field's whole
    queryset (the tracks of a call not yet published, every agreement's tranches); only the
    raw JSON form is offered."""
    from tests.factories import CallFactory, TrackFactory

    hidden = TrackFactory(
        call=CallFactory(name="Unannounced call", status="draft"), name="Secret track"
    )
    client = client_for(applicant)
    for path, field in (
        ("/api/v1/applications/", "track"),
        ("/api/v1/payment-requests/", "tranche"),
    ):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        page = response.content.decode()
        assert hidden.name not in page and "Unannounced call" not in page, path
        assert f'<select name="{field}"' not in page, path
        assert 'id="id__content"' in page  # the raw JSON form is still there
