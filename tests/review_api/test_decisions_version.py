"""Proposing and confirming a track's decisions through the API can say which decisions the
client read, as the selection page's forms do (``results.services.decisions_version``): a
colleague's change made meanwhile is not confirmed unseen. Before, the API had no way to send
it, so a programme admin confirmed whatever the decisions had become since they listed them."""

import pytest

from results import services as selection
from results.aggregation import aggregate_track
from results.models import Decision
from tests.api.conftest import client_for, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed_track(planning_track, kind_staff):
    from tests.factories.results import make_criteria, reviewed_application, submit_review

    (criterion,) = make_criteria(planning_track, ("feasibility", 100, None, 1))
    planning_track.min_reviewers = 1
    planning_track.save()
    for total in (90, 60):
        submit_review(reviewed_application(planning_track), None, {criterion: total})
    aggregate_track(track=planning_track, actor=kind_staff)
    selection.propose_funding_line(track=planning_track, actor=kind_staff)
    return planning_track


def _version(client, track) -> str:
    response = client.get(url("staff-track", track))
    assert response.status_code == 200, response.content
    return response.json()["decisions_version"]


def test_confirming_what_a_colleague_changed_since_is_refused(
    proposed_track, kind_staff, programme_admin
):
    admin = client_for(programme_admin)
    seen = _version(admin, proposed_track)
    # A colleague turns the rejection into a reserve on the page meanwhile.
    rejected = Decision.objects.get(track=proposed_track, outcome="rejected")
    selection.change_decision(
        decision=rejected,
        outcome="reserve",
        reason="The site is nearly ready.",
        amount=400_000_000,
        actor=kind_staff,
    )
    stale = admin.post(
        url("staff-track", proposed_track, "confirm-decisions"),
        {"version": seen},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert stale.status_code == 409, stale.content
    assert stale.json()["code"] == "changed_meanwhile"
    assert not Decision.objects.filter(confirmed_at__isnull=False).exists()

    fresh = admin.post(
        url("staff-track", proposed_track, "confirm-decisions"),
        {"version": _version(admin, proposed_track)},
        format="json",
    )
    assert fresh.status_code == 200, fresh.content
    assert fresh.json() == {"count": 2}


def test_proposing_again_over_a_colleagues_change_is_refused(proposed_track, kind_staff):
    staff = client_for(kind_staff)
    seen = _version(staff, proposed_track)
    rejected = Decision.objects.get(track=proposed_track, outcome="rejected")
    selection.change_decision(
        decision=rejected,
        outcome="reserve",
        reason="The site is nearly ready.",
        amount=400_000_000,
        actor=kind_staff,
    )
    stale = staff.post(
        url("staff-track", proposed_track, "propose-funding-line"), {"version": seen}, format="json"
    )
    assert stale.status_code == 409, stale.content
    assert Decision.objects.get(pk=rejected.pk).outcome == "reserve"  # nothing replaced


def test_the_staff_track_list_reads_decisions_in_one_query(
    proposed_track, programme_admin, demonstration_track, django_assert_max_num_queries
):
    client = client_for(programme_admin)
    client.get(url("staff-track"))  # the token's first use writes its last-used time
    with django_assert_max_num_queries(12):
        rows = client.get(url("staff-track")).json()["results"]
    assert {row["id"] for row in rows} >= {proposed_track.pk, demonstration_track.pk}
    assert all(row["decisions_version"] for row in rows)
