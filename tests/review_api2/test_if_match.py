"""``If-Match`` is one mechanism across the API (``core.api.viewsets``, ``version_fields``).

Before, only a criterion answered an ``ETag`` and honoured ``If-Match``; an application, whose
PATCH is protected by a ``version`` in the body, ignored the header, so a client that sent it
got last-write-wins. Now the application answers its ``version`` as its ``ETag`` and a PATCH
with ``If-Match`` is checked as the body's ``version`` is (409 ``edit_conflict``); a write that
cannot evaluate ``If-Match`` (no ``ETag`` on that resource or action) refuses it (400
``precondition_unsupported``) rather than acting as if the client had not asked."""

import pytest
from django.urls import reverse

from applications.models import Application
from tests.api.conftest import client_for, url
from tests.factories import CriterionFactory
from tests.review_api2.conftest import detail

pytestmark = pytest.mark.django_db


def _patch(client, application, data, **headers):
    return client.patch(detail(application), data, format="json", **headers)


def test_an_application_answers_its_version_as_etag(complete_draft):
    api = client_for(complete_draft.created_by)
    read = api.get(detail(complete_draft))
    assert read.status_code == 200, read.content
    assert read["ETag"] == f'"{read.json()["version"]}"'
    changed = _patch(api, complete_draft, {"title": "First"}, HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == f'"{changed.json()["version"]}"' != read["ETag"]


def test_an_application_patch_with_a_stale_if_match_is_refused(complete_draft, colleague):
    api = client_for(complete_draft.created_by)
    etag = api.get(detail(complete_draft))["ETag"]
    assert _patch(client_for(colleague), complete_draft, {"title": "Theirs"}).status_code == 200

    stale = _patch(api, complete_draft, {"title": "Mine"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 409, stale.content
    body = stale.json()
    assert body["code"] == "edit_conflict"
    assert body["section"] == "project"
    complete_draft.refresh_from_db()
    assert complete_draft.title == "Theirs"

    fresh = _patch(api, complete_draft, {"title": "Mine"}, HTTP_IF_MATCH=f'"{body["version"]}"')
    assert fresh.status_code == 200, fresh.content
    complete_draft.refresh_from_db()
    assert complete_draft.title == "Mine"


def test_an_if_match_that_is_no_etag_of_the_application_is_refused(complete_draft):
    api = client_for(complete_draft.created_by)
    response = _patch(api, complete_draft, {"title": "Mine"}, HTTP_IF_MATCH='"yesterday"')
    assert response.status_code == 400, response.content
    assert "If-Match" in response.json()["errors"]
    complete_draft.refresh_from_db()
    assert complete_draft.title != "Mine"


def test_if_match_star_on_an_existing_application_goes_through(complete_draft):
    api = client_for(complete_draft.created_by)
    response = _patch(api, complete_draft, {"title": "Mine"}, HTTP_IF_MATCH="*")
    assert response.status_code == 200, response.content


def test_if_match_on_a_write_without_etag_is_refused_not_ignored(complete_draft):
    api = client_for(complete_draft.created_by)
    response = api.post(
        detail(complete_draft, "withdraw"),
        {"reason": "We apply next year."},
        format="json",
        HTTP_IF_MATCH='"3"',
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "precondition_unsupported"
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.DRAFT


def test_if_match_on_a_criterion_delete_is_refused_not_ignored(planning_track, kind_staff):
    criterion = CriterionFactory(track=planning_track)
    client = client_for(kind_staff)
    etag = client.get(url("staff-criterion", criterion))["ETag"]
    response = client.delete(url("staff-criterion", criterion), HTTP_IF_MATCH=etag)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "precondition_unsupported"
    assert type(criterion).objects.filter(pk=criterion.pk).exists()


def test_the_schema_describes_the_applications_etag_and_if_match(client):
    schema = client.get(
        reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    operations = schema["paths"]["/api/v1/applications/{id}/"]
    assert any(p["name"] == "If-Match" for p in operations["patch"]["parameters"])
    assert "ETag" in operations["get"]["responses"]["200"].get("headers", {})
    assert "ETag" in operations["patch"]["responses"]["200"].get("headers", {})
    withdraw = schema["paths"]["/api/v1/applications/{id}/withdraw/"]["post"]
    assert not any(p["name"] == "If-Match" for p in withdraw.get("parameters", []))


def test_a_method_the_route_does_not_offer_is_still_405_with_if_match(complete_draft):
    api = client_for(complete_draft.created_by)
    response = api.put(detail(complete_draft), {"title": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 405, response.content
    listed = api.delete(reverse("api:application-list"), HTTP_IF_MATCH='"1"')
    assert listed.status_code == 405, listed.content
