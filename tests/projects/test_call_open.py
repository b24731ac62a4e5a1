"""The staff call page publishes and opens a call (issue 14): through ``transition_call``, so the
readiness checks refuse an incomplete call and each problem is shown as a message; programme
admins only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_events_for
from projects.models import Call
from tests.conftest import login
from tests.factories import CallFactory, CriterionFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_call(kind):
    """A published call with one track that is ready to open."""
    now = timezone.now()
    call = CallFactory(
        status=Call.Status.PUBLISHED,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=60),
    )
    track = TrackFactory(call=call, secretariat=kind, code="PL")
    for code, points in (("feasibility", 60), ("site", 40)):
        CriterionFactory(track=track, code=code, max_points=points)
    return call


def _post(client, call, to):
    return client.post(reverse("staff_projects:call_status", args=[call.pk]), {"to": to})


def test_call_page_offers_to_open_a_published_call(client, programme_admin, published_call):
    login(client, programme_admin)
    page = client.get(reverse("staff_projects:call", args=[published_call.pk])).content.decode()
    assert "Open the call" in page and "Publish the call" not in page


def test_open_button_opens_a_ready_call_with_an_audit_row(client, programme_admin, published_call):
    login(client, programme_admin)
    response = _post(client, published_call, "open")
    assert response.status_code == 302
    published_call.refresh_from_db()
    assert published_call.status == Call.Status.OPEN
    event = audit_events_for(published_call).get(action="status")
    assert (event.old_value, event.new_value, event.actor) == ("published", "open", programme_admin)
    page = client.get(response.url).content.decode()
    assert "The call is open for applications." in page
    assert "Open the call" not in page


def test_open_button_shows_each_problem_of_an_incomplete_call(
    client, programme_admin, published_call
):
    published_call.tracks.get().criteria.filter(code="site").delete()
    published_call.tracks.update(target_awards=0)
    login(client, programme_admin)
    response = _post(client, published_call, "open")
    published_call.refresh_from_db()
    assert published_call.status == Call.Status.PUBLISHED
    assert not audit_events_for(published_call).filter(action="status").exists()
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown == [
        "The call cannot open yet. Fix these first:",
        "Smart City Planning: set the per-project budget, the total budget and the number of "
        "awards.",
        "Smart City Planning: the criteria add up to 60 points; they must add up to 100.",
    ]


def test_a_draft_call_is_published_first(client, programme_admin, published_call):
    Call.objects.filter(pk=published_call.pk).update(status=Call.Status.DRAFT)
    login(client, programme_admin)
    page = client.get(reverse("staff_projects:call", args=[published_call.pk])).content.decode()
    assert "Publish the call" in page and "Open the call" not in page
    assert _post(client, published_call, "open").status_code == 302
    published_call.refresh_from_db()
    assert published_call.status == Call.Status.DRAFT  # the lifecycle goes through published
    _post(client, published_call, "published")
    _post(client, published_call, "open")
    published_call.refresh_from_db()
    assert published_call.status == Call.Status.OPEN


def test_only_publish_and_open_are_offered(client, programme_admin, published_call):
    login(client, programme_admin)
    response = _post(client, published_call, "archived")
    assert response.status_code == 302
    published_call.refresh_from_db()
    assert published_call.status == Call.Status.PUBLISHED


def test_secretariat_staff_cannot_open_a_call(client, kind_staff, published_call):
    login(client, kind_staff)
    assert _post(client, published_call, "open").status_code == 403
    assert (
        client.get(reverse("staff_projects:call_status", args=[published_call.pk])).status_code
        == 405
    )
    published_call.refresh_from_db()
    assert published_call.status == Call.Status.PUBLISHED
