"""Query counts that must not grow with rows: the review board and the reviewer's list."""

import pytest
from django.urls import reverse

from reviews.models import ConflictDeclaration
from tests.factories import AssignmentFactory, SubmittedApplicationFactory
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import committee_reviewer, sign_declaration

pytestmark = pytest.mark.django_db


def _add_rows(track, reviewer, count):
    for _ in range(count):
        application = SubmittedApplicationFactory(track=track, status="under_review")
        ConflictDeclaration.objects.create(
            reviewer=reviewer, application=application, has_conflict=False, kind="none"
        )
        AssignmentFactory(application=application, reviewer=reviewer, status="in_progress")


def test_review_board_query_count_does_not_grow(
    client, kind_staff, planning_track, assignment, django_assert_max_num_queries
):
    url = reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk})
    client.force_login(kind_staff)
    with django_assert_max_num_queries(40) as one:
        assert client.get(url).status_code == 200
    for i in range(4):
        committee_reviewer(planning_track, f"more{i}@expert.example.net")
    _add_rows(planning_track, assignment.reviewer, 8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["board"].rows) == 9


def test_reviewer_workspace_query_count_does_not_grow(
    client, assignment, planning_track, django_assert_max_num_queries
):
    url = reverse("reviews:workspace")
    client.force_login(assignment.reviewer)
    with django_assert_max_num_queries(40) as one:
        assert client.get(url).status_code == 200
    _add_rows(planning_track, assignment.reviewer, 8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["assignments"]) == 9


def test_assignments_page_query_count_does_not_grow(
    client, kind_staff, planning_track, assignment, django_assert_max_num_queries
):
    url = reverse("staff_reviews:assignments", kwargs={"track_id": planning_track.pk})
    client.force_login(kind_staff)
    with django_assert_max_num_queries(40) as one:
        assert client.get(url).status_code == 200
    _add_rows(planning_track, assignment.reviewer, 8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_committee_page_query_count_does_not_grow(
    client, kind_staff, planning_track, assignment, django_assert_max_num_queries
):
    url = reverse("staff_reviews:committee", kwargs={"track_id": planning_track.pk})
    client.force_login(kind_staff)
    with django_assert_max_num_queries(40) as one:
        assert client.get(url).status_code == 200
    for i in range(6):
        sign_declaration(committee_reviewer(planning_track, f"c{i}@expert.example.net"))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)
