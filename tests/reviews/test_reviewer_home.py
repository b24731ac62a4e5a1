"""The reviewer's home (/reviews/): open work first with its count, grouped by what it needs
(declare a conflict of interest, score), due dates on the reviewer's own clock; finished
reviews below, most recent first, a page at a time."""

import datetime
import zoneinfo

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from reviews.models import Assignment
from reviews.views import FINISHED_PER_PAGE
from tests.factories import (
    AssignmentFactory,
    CallFactory,
    ConflictDeclarationFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("reviews:workspace")


@pytest.fixture
def busy_reviewer(reviewer, planning_track, kind):
    """25 reviews submitted in 2022, 5 assignments of this year's call waiting for a conflict
    declaration (due in 1 to 5 days), and 1 accepted one to score, already overdue."""
    now = timezone.now()
    old_track = TrackFactory(call=CallFactory(year=2022, status="archived"), secretariat=kind)
    for day in range(25):
        submitted_at = now - datetime.timedelta(days=900 - day)
        application = SubmittedApplicationFactory(
            track=old_track, status="reviewed", reference=f"2022-PL-{day:03d}"
        )
        ConflictDeclarationFactory(reviewer=reviewer, application=application)
        AssignmentFactory(
            application=application,
            reviewer=reviewer,
            status=Assignment.Status.SUBMITTED,
            total=70,
            submitted_at=submitted_at,
        )
    for day in (5, 3, 1, 4, 2):
        AssignmentFactory(
            application=SubmittedApplicationFactory(
                track=planning_track, status="under_review", reference=f"2026-PL-10{day}"
            ),
            reviewer=reviewer,
            status=Assignment.Status.INVITED,
            due_at=now + datetime.timedelta(days=day, hours=1),
        )
    to_score = AssignmentFactory(
        application=SubmittedApplicationFactory(
            track=planning_track,
            status="under_review",
            reference="2026-PL-200",
            title="Klang smart parking",
        ),
        reviewer=reviewer,
        status=Assignment.Status.ACCEPTED,
        due_at=now - datetime.timedelta(days=2),
    )
    ConflictDeclarationFactory(reviewer=reviewer, application=to_score.application)
    return reviewer


def test_open_assignments_come_first_with_their_count(client, busy_reviewer):
    client.force_login(busy_reviewer)
    response = client.get(URL)
    home = response.context["home"]
    assert home.open_count == 6
    assert [a.application.reference for a in home.to_declare] == [
        f"2026-PL-10{day}" for day in (1, 2, 3, 4, 5)
    ]
    assert [a.application.reference for a in home.to_score] == ["2026-PL-200"]
    assert len(home.finished) == 25
    body = response.content.decode()
    assert "6 reviews waiting for you" in body
    assert "Declare a conflict of interest to accept (5)" in body
    assert "To score (1)" in body
    # Every open assignment is on the page before any finished review.
    last_open = max(body.index(f"2026-PL-10{day}") for day in range(1, 6))
    assert body.index("2026-PL-200") < body.index("Finished reviews (25)")
    assert last_open < body.index("2022-PL-")


def test_finished_reviews_are_most_recent_first_a_page_at_a_time(client, busy_reviewer):
    client.force_login(busy_reviewer)
    first = client.get(URL)
    page = [a.application.reference for a in first.context["finished"].object_list]
    assert page == [f"2022-PL-{day:03d}" for day in range(24, 24 - FINISHED_PER_PAGE, -1)]
    assert "2022-PL-000" not in first.content.decode()
    last = client.get(URL, {"page": 3})
    assert [a.application.reference for a in last.context["finished"].object_list] == [
        f"2022-PL-{day:03d}" for day in range(4, -1, -1)
    ]
    assert "Page 3 of 3" in last.content.decode()


def test_links_match_what_each_assignment_needs(client, busy_reviewer):
    client.force_login(busy_reviewer)
    response = client.get(URL)
    home = response.context["home"]
    body = response.content.decode()
    declare = home.to_declare[0]
    score = home.to_score[0]
    assert f'href="{reverse("reviews:assignment", args=[declare.pk])}"' in body
    assert f'href="{reverse("reviews:score", args=[declare.pk])}"' not in body
    assert f'href="{reverse("reviews:score", args=[score.pk])}"' in body
    # The title of an application stays hidden until the reviewer declares.
    assert declare.application.title not in body
    assert "Klang smart parking" in body


def test_due_dates_are_on_the_reviewers_clock_with_days_left(client, reviewer, planning_track):
    reviewer.time_zone = "America/La_Paz"  # UTC−4, no summer time
    reviewer.save()
    due = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    AssignmentFactory(
        application=SubmittedApplicationFactory(track=planning_track, status="under_review"),
        reviewer=reviewer,
        status=Assignment.Status.INVITED,
        due_at=due,
    )
    late = AssignmentFactory(
        application=SubmittedApplicationFactory(track=planning_track, status="under_review"),
        reviewer=reviewer,
        status=Assignment.Status.INVITED,
        due_at=due - datetime.timedelta(days=5),
    )
    client.force_login(reviewer)
    body = client.get(URL).content.decode()
    la_paz = due.astimezone(zoneinfo.ZoneInfo("America/La_Paz"))
    seoul = due.astimezone(zoneinfo.ZoneInfo("Asia/Seoul"))
    with timezone.override(la_paz.tzinfo):
        shown = date_filter(timezone.localtime(due), "DATETIME_FORMAT")
    with timezone.override(seoul.tzinfo):
        shown_seoul = date_filter(timezone.localtime(due), "DATETIME_FORMAT")
    assert f'<time datetime="{la_paz.isoformat()}">{shown} -04</time>' in body
    # The programme's clock beside the reader's.
    assert f"({shown_seoul} KST)" in body
    assert "3 days left" in body
    assert "2 days overdue" in body
    assert late.is_overdue


def test_nothing_waiting_says_so(client, reviewer):
    client.force_login(reviewer)
    response = client.get(URL)
    assert response.context["home"].open_count == 0
    body = response.content.decode()
    assert "0 reviews waiting for you" in body
    assert "Nothing waits for you at the moment." in body


def test_reviewer_home_in_korean_uses_the_catalogues_labels(client, busy_reviewer):
    client.cookies["django_language"] = "ko"
    client.force_login(busy_reviewer)
    body = client.get(URL).content.decode()
    with override("ko"):
        labels = [
            gettext("My reviews"),
            gettext("Show your submitted reviews, most recent first"),
            gettext("Declare conflicts"),
        ]
    assert labels[0] != "My reviews"  # the page really is rendered in Korean
    for label in labels:
        assert label in body
