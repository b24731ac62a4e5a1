"""The programme's events: the public page and the read-only API, split by Korea's date."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from projects.models import Event
from projects.selectors import events
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


def make(name, starts, ends=None, kind="workshop", **extra):
    return Event.objects.create(
        kind=kind, name=name, starts_on=starts, ends_on=ends or starts, **extra
    )


@pytest.fixture
def seoul_today(monkeypatch):
    """Freeze 'now' at 2026-03-10 00:30 in Seoul, still 9 March in UTC."""
    now = datetime.datetime(2026, 3, 9, 15, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return datetime.date(2026, 3, 10)


def test_upcoming_and_past_follow_the_date_in_korea(seoul_today):
    yesterday = make("Ended yesterday (Seoul)", seoul_today - datetime.timedelta(days=1))
    today = make("Ends today", seoul_today - datetime.timedelta(days=2), seoul_today)
    later = make("Next month", seoul_today + datetime.timedelta(days=30))
    assert set(events(upcoming=True)) == {today, later}
    assert set(events(upcoming=False)) == {yesterday}
    assert set(events()) == {yesterday, today, later}


def test_events_page_lists_coming_then_past_in_the_readers_language(client, seoul_today):
    city = CityFactory(name="Bogotá", name_ko="보고타")
    make(
        "Road show",
        seoul_today + datetime.timedelta(days=3),
        kind="road_show",
        city=city,
        partners="IDB",
        name_ko="로드쇼",
    )
    make("Old workshop", datetime.date(2022, 7, 20))
    body = client.get(reverse("projects:events")).content.decode()
    assert body.index("Road show") < body.index("Old workshop")
    assert "IDB" in body and "Bogotá" in body
    client.cookies["django_language"] = "ko"
    body = client.get(reverse("projects:events"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "로드쇼" in body and "보고타" in body
    assert "Road show" not in body


def test_events_page_filters_by_kind_and_ignores_an_unknown_kind(client, seoul_today):
    make("A workshop", datetime.date(2022, 7, 20))
    make("A conference", datetime.date(2022, 11, 15), kind="conference")
    body = client.get(reverse("projects:events"), {"kind": "conference"}).content.decode()
    assert "A conference" in body and "A workshop" not in body
    body = client.get(reverse("projects:events"), {"kind": "<script>"}).content.decode()
    assert "A conference" in body and "A workshop" in body


def test_events_page_empty_states(client):
    body = client.get(reverse("projects:events")).content.decode()
    with translation.override("en"):
        assert "No event is planned at the moment." in body
        assert "No past event." in body


def test_events_page_query_count_does_not_grow(client, django_assert_max_num_queries, seoul_today):
    city = CityFactory()
    for n in range(12):
        make(f"Event {n}", datetime.date(2025, 1, 1) + datetime.timedelta(days=n * 40), city=city)
    # Coming up and past: the events, then their projects, participants and materials.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("projects:events")).status_code == 200


def test_events_api_is_public_and_filters_upcoming(client, seoul_today):
    make("Past", datetime.date(2022, 7, 20))
    make("Soon", seoul_today + datetime.timedelta(days=1), kind="conference")
    data = client.get(reverse("api:event-list")).json()
    assert [e["name"] for e in data["results"]] == ["Soon", "Past"]
    data = client.get(reverse("api:event-list"), {"upcoming": "true"}).json()
    assert [e["name"] for e in data["results"]] == ["Soon"]
    data = client.get(reverse("api:event-list"), {"kind": "workshop", "year": 2022}).json()
    assert [e["name"] for e in data["results"]] == ["Past"]


def test_events_api_refuses_a_year_out_of_range(client):
    response = client.get(reverse("api:event-list"), {"year": 0})
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_every_page_header_links_to_the_events(client):
    body = client.get(reverse("projects:call_list")).content.decode()
    header = body.split('class="site-header"')[1].split("</header>")[0]
    assert f'href="{reverse("projects:events")}"' in header
