"""The public side as an anonymous visitor reads it: the front page says each call's status as
the call pages do (the server's clock decides), and the portfolio's filter never answers a 500."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import CallFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _badges(client, url: str) -> list[str]:
    body = client.get(url).content.decode()
    return re.findall(r'<span class="badge badge-([a-z_]+)">([^<]*)</span>', body)


def test_front_page_says_a_call_past_its_closing_time_is_closed(client):
    now = timezone.now()
    # The beat has not run yet: the status is still "open", the clock says closed.
    CallFactory(
        status="open",
        opens_at=now - datetime.timedelta(days=60),
        closes_at=now - datetime.timedelta(hours=1),
    )
    assert _badges(client, reverse("home")) == [("closed", "Closed")]
    assert _badges(client, reverse("projects:call_list")) == [("closed", "Closed")]


def test_front_page_says_a_call_not_open_yet_is_upcoming(client):
    now = timezone.now()
    CallFactory(
        status="open",
        opens_at=now + datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=60),
    )
    CallFactory(status="published")
    assert _badges(client, reverse("home")) == [("upcoming", "Upcoming")] * 2


def test_front_page_badges_in_korean(client):
    CallFactory(status="published")
    client.cookies["django_language"] = "ko"
    ((kind, label),) = _badges(client, reverse("home"))
    assert kind == "upcoming" and label != "Upcoming" and label.strip()


@pytest.mark.parametrize("year", ["²", "¹⁹", "٢٠٢٢x", "abc", "99999999999999999999"])
def test_portfolio_with_an_odd_year_shows_every_project(year):
    client = Client(raise_request_exception=False)
    ProjectFactory(source="historical", year=2022, name="Issyk-Kul smart plan")
    response = client.get(reverse("projects:portfolio"), {"year": year})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Issyk-Kul smart plan" in body
    year_filter = body.split('id="year-filter"', 1)[1].split("</select>", 1)[0]
    assert "selected" not in year_filter


def test_portfolio_filters_by_a_listed_year(client):
    ProjectFactory(source="historical", year=2021, name="Clark plan")
    ProjectFactory(source="historical", year=2022, name="Zuunmod plan")
    body = client.get(reverse("projects:portfolio"), {"year": "2022"}).content.decode()
    assert "Zuunmod plan" in body and "Clark plan" not in body
    assert '<option value="2022" selected>' in body
