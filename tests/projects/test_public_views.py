import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CallFactory, CriterionFactory, ProjectFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _call_with_track(**kwargs):
    call = CallFactory(**kwargs)
    track = TrackFactory(call=call, code=f"PL{call.pk}")
    CriterionFactory(track=track, code="feasibility", name="Feasibility", max_points=30)
    CriterionFactory(track=track, code="site", name="Preparation status of the site", max_points=70)
    return call


def test_call_list_shows_status_budget_criteria_documents(client):
    _call_with_track(name="K-City Network 2026")
    body = client.get(reverse("projects:call_list")).content.decode()
    assert "K-City Network 2026" in body
    assert 'class="badge badge-open">Open' in body
    assert "KRW 300,000,000 – KRW 500,000,000" in body
    assert "Preparation status of the site (70)" in body
    assert "Letter of intent, Project concept paper" in body
    assert "data-local" in body and "KST" in body


def test_call_list_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    _call_with_track()
    with django_assert_max_num_queries(10) as one:
        client.get(reverse("projects:call_list"))
    for _ in range(4):
        _call_with_track()
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("projects:call_list"))
    assert response.content.decode().count("Preparation status of the site") == 5


def test_call_list_hides_draft_calls(client):
    _call_with_track(name="Secret draft call", status="draft")
    assert "Secret draft call" not in client.get(reverse("projects:call_list")).content.decode()


def test_call_status_upcoming_and_closed(client):
    now = timezone.now()
    _call_with_track(
        name="Future call",
        status="published",
        opens_at=now + datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=60),
    )
    _call_with_track(
        name="Past call",
        status="open",
        opens_at=now - datetime.timedelta(days=60),
        closes_at=now - datetime.timedelta(minutes=1),
    )
    body = client.get(reverse("projects:call_list")).content.decode()
    assert 'badge-upcoming">Upcoming' in body
    assert 'badge-closed">Closed' in body


def test_call_detail_offers_apply_when_open(client, applicant):
    call = _call_with_track()
    client.force_login(applicant)
    body = client.get(reverse("projects:call_detail", kwargs={"slug": call.slug})).content.decode()
    assert "Apply to Smart City Planning" in body
    assert "Total" in body and ">100<" in body


def test_call_detail_draft_not_found(client):
    call = _call_with_track(status="draft")
    assert (
        client.get(reverse("projects:call_detail", kwargs={"slug": call.slug})).status_code == 404
    )


def test_portfolio_lists_projects_with_year_filter(client, django_assert_max_num_queries):
    ProjectFactory(name="Zuunmod plan", year=2022)
    ProjectFactory(name="Cusco plan", year=2020)
    with django_assert_max_num_queries(5):
        body = client.get(reverse("projects:portfolio"), {"year": "2022"}).content.decode()
    assert "Zuunmod plan" in body and "Cusco plan" not in body


def test_project_detail_page(client):
    project = ProjectFactory(name="Klang smart city plan", budget_krw=400_000_000)
    body = client.get(project.get_absolute_url()).content.decode()
    assert "Klang smart city plan" in body and "KRW 400,000,000" in body


def test_portfolio_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    ProjectFactory()
    with django_assert_max_num_queries(10) as one:
        client.get(reverse("projects:portfolio"))
    for _ in range(6):
        ProjectFactory()
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("projects:portfolio"))
    assert response.content.decode().count("Smart city plan") == 7


def test_call_detail_query_count_does_not_grow_with_criteria(client, django_assert_max_num_queries):
    call = _call_with_track()
    url = reverse("projects:call_detail", kwargs={"slug": call.slug})
    with django_assert_max_num_queries(10) as one:
        client.get(url)
    track = call.tracks.get()
    for n in range(5):
        CriterionFactory(track=track, code=f"extra-{n}", max_points=1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)
