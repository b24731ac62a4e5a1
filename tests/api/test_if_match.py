"""A staff client changing a criterion through the API can say what it read: the answer to a
read or a change carries an ``ETag`` (the fingerprint the staff page carries), and a PATCH that
sends it back in ``If-Match`` is refused (409 ``changed_meanwhile``, nothing written) when a
colleague changed the criterion since. Before, the API had no such check and the last write won
over a colleague's change made on the page."""

import pytest

from accounts.models import AuditEvent
from core.concurrency import row_fingerprint
from reviews import services
from reviews.models import Criterion
from tests.factories import CriterionFactory

from .conftest import client_for, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def criterion(planning_track):
    return CriterionFactory(track=planning_track, code="feasibility", max_points=30)


def test_a_patch_with_a_stale_etag_is_refused_and_a_fresh_one_goes_through(
    criterion, kind_staff, second_staff
):
    client = client_for(kind_staff)
    read = client.get(url("staff-criterion", criterion))
    assert read.status_code == 200
    etag = read["ETag"]
    criterion.refresh_from_db()
    assert etag == f'"{row_fingerprint(criterion, Criterion.EDITABLE_FIELDS)}"'

    # A colleague raises the points on the staff page meanwhile.
    criterion.max_points = 40
    services.save_criterion(criterion=criterion, actor=second_staff)
    audit_rows = AuditEvent.objects.count()

    stale = client.patch(
        url("staff-criterion", criterion),
        {"name": "Feasibility (revised)"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 409, stale.content
    assert stale.json()["code"] == "changed_meanwhile"
    criterion.refresh_from_db()
    assert (criterion.name, criterion.max_points) != ("Feasibility (revised)", 30)
    assert criterion.max_points == 40
    assert AuditEvent.objects.count() == audit_rows

    fresh_tag = client.get(url("staff-criterion", criterion))["ETag"]
    assert fresh_tag != etag
    done = client.patch(
        url("staff-criterion", criterion),
        {"name": "Feasibility (revised)"},
        format="json",
        HTTP_IF_MATCH=fresh_tag,
    )
    assert done.status_code == 200, done.content
    criterion.refresh_from_db()
    assert (criterion.name, criterion.max_points) == ("Feasibility (revised)", 40)
    # The answer carries the new ETag, for the next change.
    assert done["ETag"] == f'"{row_fingerprint(criterion, Criterion.EDITABLE_FIELDS)}"'


def test_without_if_match_the_last_write_wins_as_documented(criterion, kind_staff, second_staff):
    criterion.max_points = 40
    services.save_criterion(criterion=criterion, actor=second_staff)
    response = client_for(kind_staff).patch(
        url("staff-criterion", criterion), {"max_points": "35"}, format="json"
    )
    assert response.status_code == 200, response.content
    criterion.refresh_from_db()
    assert criterion.max_points == 35


def test_the_schema_documents_if_match_on_the_change(client):
    from drf_spectacular.generators import SchemaGenerator  # noqa: PLC0415

    schema = SchemaGenerator().get_schema(request=None, public=True)
    patch = schema["paths"]["/api/v1/staff-criteria/{id}/"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    get = schema["paths"]["/api/v1/staff-criteria/{id}/"]["get"]
    assert not any(p["name"] == "If-Match" for p in get.get("parameters", []))
