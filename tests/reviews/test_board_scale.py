"""The review board and the assignment page at programme scale: one page of applications, each
with its own reviewers (no applications × committee grid), filtered in SQL, and the same number
of queries for 5 or 60 applications and 3 or 30 committee members."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message
from reviews import selectors
from reviews.models import Assignment
from tests.factories.scale import bulk_applications, bulk_assignments, bulk_committee

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(planning_track, role_groups):
    """5 applications under review, 3 committee members, every board state present."""
    planning_track.min_reviewers = 3
    planning_track.save()
    apps = bulk_applications(planning_track, 5)
    panel = bulk_committee(planning_track, 3)
    bulk_assignments(apps, panel, per_application=2)
    return apps, panel


def _grow(track, *, applications=55, reviewers=27):
    """Up to 60 applications and 30 committee members."""
    apps = bulk_applications(track, applications)
    panel = bulk_committee(track, reviewers, prefix="more")
    bulk_assignments(apps, panel, per_application=3)
    return apps, panel


def _queries(client, url, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


def _board(track):
    return reverse("staff_reviews:board", kwargs={"track_id": track.pk})


def _assignments(track):
    return reverse("staff_reviews:assignments", kwargs={"track_id": track.pk})


def test_board_and_assignment_queries_do_not_grow_with_applications_or_committee(
    client, kind_staff, planning_track, small
):
    _apps, panel = small
    client.force_login(kind_staff)
    views = [
        (_board(planning_track), {}),
        (_board(planning_track), {"state": "overdue"}),
        (_board(planning_track), {"state": "conflicted"}),
        (_board(planning_track), {"missing": "1"}),
        (_board(planning_track), {"reviewer": panel[0].pk, "state": "submitted"}),
        (_assignments(planning_track), {}),
        (_assignments(planning_track), {"reviewer": panel[1].pk, "status": "under_review"}),
    ]
    before = [_queries(client, url, params)[0] for url, params in views]
    _grow(planning_track)
    after = []
    for url, params in views:
        count, response = _queries(client, url, params)
        after.append(count)
        page = response.context["page"]
        assert page.object_list, (url, params)  # each view still lists something
    assert after == before
    assert max(after) <= 25


def test_board_lists_one_page_with_each_application_s_own_reviewers(
    client, kind_staff, planning_track, small
):
    _grow(planning_track)
    client.force_login(kind_staff)
    response = client.get(_board(planning_track))
    board = response.context["board"]
    assert board.page.paginator.count == 60 and len(board.rows) == selectors.BOARD_PAGE_SIZE
    for row in board.rows:
        # Only the reviewers of that application (assigned, or a declared conflict), never the
        # whole committee of 30.
        assigned = set(row.application.assignments.values_list("reviewer_id", flat=True))
        assert {c.reviewer.pk for c in row.cells if c.assignment} == assigned
        assert len(row.cells) <= 4
    second = client.get(_board(planning_track), {"page": 2}).context["board"]
    assert len(second.rows) == 10
    assert 'rel="next"' in response.content.decode()


def test_board_totals_count_the_whole_track_and_agree_with_the_rows(
    client, kind_staff, planning_track, small
):
    client.force_login(kind_staff)
    board = client.get(_board(planning_track)).context["board"]
    counted = dict.fromkeys(selectors.BOARD_STATES, 0)
    for row in board.rows:
        for cell in row.cells:
            counted[cell.state] += 1
    assert board.totals == counted
    assert board.totals["overdue"] >= 1 and board.totals["conflicted"] >= 1


@pytest.mark.parametrize("state", selectors.BOARD_STATES)
def test_board_state_filter_keeps_rows_with_a_review_in_that_state(
    client, kind_staff, planning_track, small, state
):
    client.force_login(kind_staff)
    board = client.get(_board(planning_track), {"state": state}).context["board"]
    everything = client.get(_board(planning_track)).context["board"]
    expected = [r.application.pk for r in everything.rows if r.counts[state]]
    assert [r.application.pk for r in board.rows] == expected


def test_board_missing_filter_keeps_applications_below_the_minimum(
    client, kind_staff, planning_track, small
):
    apps, _panel = small
    extra = bulk_applications(planning_track, 1)[0]  # no reviewer at all
    client.force_login(kind_staff)
    board = client.get(_board(planning_track), {"missing": "1"}).context["board"]
    listed = [r.application.pk for r in board.rows]
    assert extra.pk in listed
    # Two assignments each in the small track, of which conflicts and declines do not count.
    for row in board.rows:
        assert row.active < planning_track.min_reviewers
    assert (
        "No reviewer yet." in client.get(_board(planning_track), {"missing": "1"}).content.decode()
    )


def test_board_reviewer_filter_lists_that_reviewer_s_applications(
    client, kind_staff, planning_track, small
):
    _apps, panel = small
    client.force_login(kind_staff)
    board = client.get(_board(planning_track), {"reviewer": panel[0].pk}).context["board"]
    theirs = set(
        Assignment.objects.filter(reviewer=panel[0]).values_list("application_id", flat=True)
    ) | set(panel[0].conflict_declarations.values_list("application_id", flat=True))
    assert {r.application.pk for r in board.rows} == theirs
    assert sum(board.totals.values()) == sum(
        1 for r in board.rows for c in r.cells if c.reviewer.pk == panel[0].pk
    )


def test_remind_all_reaches_overdue_reviews_beyond_the_first_page(
    client, kind_staff, planning_track, small
):
    _grow(planning_track)
    overdue = list(selectors.overdue_assignments_for_track(planning_track))
    last_page = {a.application_id for a in overdue} - {
        r.application.pk for r in selectors.review_board(planning_track).rows
    }
    assert last_page  # some overdue reviews are not on the board's first page
    client.force_login(kind_staff)
    client.post(reverse("staff_reviews:remind", kwargs={"track_id": planning_track.pk}))
    reminded = set(
        Message.objects.filter(template="reviews/reminder", channel="email").values_list(
            "recipient_id", flat=True
        )
    )
    assert reminded == {a.reviewer_id for a in overdue}


def test_assignment_page_offers_only_its_page_and_keeps_the_filters_after_assigning(
    client, kind_staff, planning_track, small
):
    apps, panel = small
    _grow(planning_track)
    newcomer = bulk_committee(planning_track, 1, prefix="new")[0]
    client.force_login(kind_staff)
    url = _assignments(planning_track)
    response = client.get(url, {"page": 2})
    body = response.content.decode()
    page = response.context["page"]
    assert len(page.object_list) == 10 and page.paginator.count == 60
    assert body.count('name="applications"') == 10  # this page's applications only
    assert body.count(f'<option value="{newcomer.pk}"') == 2  # the filter and the form
    target = page.object_list[0]
    response = client.post(
        f"{url}?page=2&short=1",
        {"applications": [target.pk], "reviewers": [newcomer.pk]},
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?page=2&short=1"
    assert Assignment.objects.filter(application=target, reviewer=newcomer).exists()


def test_assignment_page_filters_by_reviewer_status_and_shortfall(
    client, kind_staff, planning_track, small
):
    apps, panel = small
    eligible = bulk_applications(planning_track, 2, status="eligible")
    client.force_login(kind_staff)
    url = _assignments(planning_track)
    listed = lambda params: [a.pk for a in client.get(url, params).context["page"]]  # noqa: E731
    assert set(listed({"status": "eligible"})) == {a.pk for a in eligible}
    active = set(
        Assignment.objects.filter(
            reviewer=panel[0], status__in=Assignment.ACTIVE_STATUSES
        ).values_list("application_id", flat=True)
    )
    assert set(listed({"reviewer": panel[0].pk})) == active
    short = listed({"short": "1"})
    assert {eligible[i].pk for i in range(2)} <= set(short)
    assert len(listed({"status": "nonsense", "reviewer": "x"})) == 7


def test_assignment_form_error_keeps_the_ticked_applications(
    client, kind_staff, planning_track, small
):
    apps, _panel = small
    client.force_login(kind_staff)
    response = client.post(_assignments(planning_track), {"applications": [apps[0].pk]})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'value="{apps[0].pk}" id="assign-application-{apps[0].pk}" checked' in body
    assert "reviewers" in response.context["form"].errors


def test_overdue_state_agrees_with_the_model_definition(planning_track, small):
    """The board's SQL (``_state_q``) and Python (``_state``) say the same of every review."""
    now = timezone.now() + datetime.timedelta(seconds=1)
    for state in selectors.BOARD_STATES:
        in_sql = set(
            Assignment.objects.filter(application__track=planning_track)
            .filter(selectors._state_q(state, now))
            .values_list("pk", flat=True)
        )
        in_python = {
            a.pk
            for a in Assignment.objects.filter(application__track=planning_track).select_related(
                "application__track"
            )
            if selectors._state(a, now) == state
        }
        assert in_sql == in_python, state
