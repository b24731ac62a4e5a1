"""Details of the page markup: every page links the favicon, a notice's "Open" button reads as a
verb in Korean and links in its body are clickable, a fixed-amount track's selection page shows
one amount, and the criteria page offers no move past either end of the list."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from notifications.services import queue_message
from tests.conftest import login
from tests.factories.results import make_criteria

pytestmark = pytest.mark.django_db


def test_favicon_is_linked_from_every_page_and_exists(client):
    body = client.get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in body
    path = finders.find("favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")


def test_notice_open_button_reads_as_a_verb_in_korean(client, applicant):
    queue_message(
        recipient=applicant,
        template="applications/withdrawn",
        context={"reference": "2026-PL-001", "title": "Plan", "call": "Call"},
        channels=("in_app",),
        link="/applications/",
    )
    applicant.language = "ko"
    applicant.save(update_fields=["language"])
    login(client, applicant)
    body = client.get(reverse("notifications:list")).content.decode()
    # "Open" the notice, not the call status "Open" (진행 중).
    assert re.search(r'name="open" value="1" class="button button-small">열기</button>', body)
    assert "진행 중" not in body
    # The time carries the programme zone like every other time on the site.
    assert "KST" in body and "data-local" in body


def test_notice_links_in_the_body_are_clickable(client, applicant, settings):
    queue_message(
        recipient=applicant,
        template="reviews/reviewer_dropped",
        context={"reference": "2026-PL-002", "reviewer": "Dr. Kim", "why": "conflict"},
        channels=("in_app",),
        link="/applications/",
    )
    login(client, applicant)
    body = client.get(reverse("notifications:list")).content.decode()
    site = settings.SITE_URL
    assert f'<a href="{site}/applications/" rel="nofollow">{site}/applications/</a>' in body


def test_selection_of_a_fixed_amount_track_shows_one_amount(
    client, kaia_staff, demonstration_track
):
    login(client, kaia_staff)
    body = client.get(
        reverse("staff_results:selection", kwargs={"track_id": demonstration_track.pk})
    ).content.decode()
    assert "KRW 400,000,000 – KRW 400,000,000" not in body
    # The tile shows the compact amount once, the full one for screen readers (krw_tile).
    assert "KRW 400\u00a0M</span>" in body and "KRW 400\u00a0M</span> –" not in body
    assert '<span class="visually-hidden">KRW 400,000,000</span></span>Per project' in body


def test_criteria_page_offers_no_move_past_either_end(client, kind_staff, planning_track):
    make_criteria(
        planning_track,
        ("first", 40, None, None),
        ("middle", 30, None, None),
        ("last", 30, None, None),
    )
    login(client, kind_staff)
    body = client.get(
        reverse("staff_reviews:criteria", kwargs={"track_id": planning_track.pk})
    ).content.decode()
    assert body.count('name="direction" value="up"') == 2
    assert body.count('name="direction" value="down"') == 2
    assert 'Up<span class="visually-hidden"> First</span>' not in body
    assert 'Down<span class="visually-hidden"> Last</span>' not in body
    assert 'Down<span class="visually-hidden"> First</span>' in body
