"""The track's application list for its staff: who may open it, its filters, search, sorting,
pages and status counts, and a query count that does not grow with applications or reviewers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ClarificationRequest
from reviews.models import Assignment
from reviews.selectors import overdue_q
from tests.factories import ApplicationFactory, CountryFactory, SubmittedApplicationFactory
from tests.factories.scale import bulk_applications, bulk_assignments, bulk_committee

pytestmark = pytest.mark.django_db
SECRET = "Confidential harbour plan"


def _url(track):
    return reverse("staff_applications:track_applications", kwargs={"track_id": track.pk})


def _listed(client, track, **params) -> list[str]:
    response = client.get(_url(track), params)
    assert response.status_code == 200
    return [a.reference for a in response.context["page"].object_list]


@pytest.fixture
def track_with_panel(planning_track, role_groups):
    planning_track.min_reviewers = 3
    planning_track.save()
    apps = bulk_applications(planning_track, 5)
    panel = bulk_committee(planning_track, 3)
    bulk_assignments(apps, panel, per_application=2)
    return planning_track, apps, panel


def test_list_allowed_to_track_staff_and_programme_admin(
    client, planning_track, kind_staff, programme_admin
):
    SubmittedApplicationFactory(track=planning_track, title=SECRET)
    for user in (kind_staff, programme_admin):
        client.force_login(user)
        response = client.get(_url(planning_track))
        assert response.status_code == 200
        assert SECRET in response.content.decode()


def test_list_denied_to_other_secretariat_applicant_and_reviewer(
    client, planning_track, kaia_staff, applicant, reviewer
):
    SubmittedApplicationFactory(track=planning_track, title=SECRET)
    for user in (kaia_staff, applicant, reviewer):
        client.force_login(user)
        response = client.get(_url(planning_track))
        assert response.status_code == 403
        assert SECRET not in response.content.decode()


def test_list_never_shows_drafts_and_links_each_staff_page(client, planning_track, kind_staff):
    shown = SubmittedApplicationFactory(track=planning_track)
    ApplicationFactory(track=planning_track, title="Unsubmitted draft")
    client.force_login(kind_staff)
    response = client.get(_url(planning_track))
    body = response.content.decode()
    assert "Unsubmitted draft" not in body
    assert reverse("staff_applications:screen", kwargs={"pk": shown.pk}) in body
    assert response.context["total"] == 1


def test_status_counts_and_status_filter(client, planning_track, kind_staff):
    bulk_applications(planning_track, 3, status="submitted")
    eligible = bulk_applications(planning_track, 2, status="eligible")
    client.force_login(kind_staff)
    response = client.get(_url(planning_track))
    counts = {value: n for value, _label, n in response.context["status_counts"]}
    assert counts == {"submitted": 3, "eligible": 2}
    assert "?status=eligible" in response.content.decode()
    assert sorted(_listed(client, planning_track, status="eligible")) == sorted(
        a.reference for a in eligible
    )


def test_search_by_reference_or_title(client, planning_track, kind_staff):
    one = SubmittedApplicationFactory(track=planning_track, title="Smart water for Khulna")
    two = SubmittedApplicationFactory(track=planning_track, title="Mobility plan")
    client.force_login(kind_staff)
    assert _listed(client, planning_track, q="khulna") == [one.reference]
    assert _listed(client, planning_track, q=two.reference.lower()) == [two.reference]


def test_country_filter(client, planning_track, kind_staff):
    thailand = CountryFactory(code="TH", iso3="THA", name="Thailand")
    there = SubmittedApplicationFactory(track=planning_track, country=thailand, city=None)
    SubmittedApplicationFactory(track=planning_track)
    client.force_login(kind_staff)
    assert _listed(client, planning_track, country="TH") == [there.reference]


def test_over_budget_flag(client, planning_track, kind_staff):
    inside = SubmittedApplicationFactory(
        track=planning_track, budget_requested=planning_track.budget_floor
    )
    outside = SubmittedApplicationFactory(
        track=planning_track, budget_requested=planning_track.budget_ceiling + 1
    )
    client.force_login(kind_staff)
    assert _listed(client, planning_track, flag="over_budget") == [outside.reference]
    body = client.get(_url(planning_track)).content.decode()
    row = body.split(f">{outside.reference}</a>")[1].split("</tr>")[0]
    assert "Amount outside the track&#x27;s range" in row
    assert inside.reference in body


def test_conflict_and_overdue_review_flags(client, kind_staff, track_with_panel):
    track, apps, _panel = track_with_panel
    client.force_login(kind_staff)
    conflicted = {
        a.reference
        for a in apps
        if a.conflict_declarations.filter(has_conflict=True).exists()
        or a.assignments.filter(status="conflict").exists()
    }
    assert conflicted and set(_listed(client, track, flag="conflict")) == conflicted
    # The flag says what reviews.selectors.overdue_q says (the one definition of overdue).
    late = set(
        Assignment.objects.filter(overdue_q(timezone.now()), application__track=track).values_list(
            "application__reference", flat=True
        )
    )
    assert late and set(_listed(client, track, flag="overdue_review")) == late


def test_overdue_review_flag_uses_the_track_deadline_when_no_due_date(
    client, planning_track, kind_staff, role_groups
):
    (application,) = bulk_applications(planning_track, 1)
    (reviewer,) = bulk_committee(planning_track, 1)
    Assignment.objects.create(application=application, reviewer=reviewer, status="in_progress")
    client.force_login(kind_staff)
    assert _listed(client, planning_track, flag="overdue_review") == []
    planning_track.review_deadline = timezone.now() - datetime.timedelta(hours=1)
    planning_track.save()
    assert _listed(client, planning_track, flag="overdue_review") == [application.reference]


def test_late_clarification_flag(client, planning_track, kind_staff):
    late = SubmittedApplicationFactory(track=planning_track, status="clarification")
    ClarificationRequest.objects.create(
        application=late,
        requested_by=kind_staff,
        message="Send the land title.",
        due_at=timezone.now() - datetime.timedelta(days=1),
    )
    SubmittedApplicationFactory(track=planning_track)
    client.force_login(kind_staff)
    assert _listed(client, planning_track, flag="clarification_late") == [late.reference]


def test_reviewer_filter(client, kind_staff, track_with_panel):
    track, _apps, panel = track_with_panel
    client.force_login(kind_staff)
    theirs = set(
        Assignment.objects.filter(
            reviewer=panel[0], status__in=Assignment.ACTIVE_STATUSES
        ).values_list("application__reference", flat=True)
    )
    assert theirs and set(_listed(client, track, reviewer=panel[0].pk)) == theirs


def test_sorting_and_pages_of_25_50_100(client, planning_track, kind_staff):
    apps = bulk_applications(planning_track, 60)
    client.force_login(kind_staff)
    first = _listed(client, planning_track)
    assert len(first) == 25 and first == sorted(a.reference for a in apps)[:25]
    assert len(_listed(client, planning_track, per_page=50)) == 50
    assert len(_listed(client, planning_track, per_page=100)) == 60
    assert len(_listed(client, planning_track, page=3)) == 10
    assert _listed(client, planning_track, sort="-budget", per_page=100) == [
        a.reference for a in sorted(apps, key=lambda a: (-a.budget_requested, a.reference))
    ]
    body = client.get(_url(planning_track), {"sort": "title", "page": 1}).content.decode()
    assert "?sort=title&amp;page=2" in body  # the page links keep the sort


def test_bad_filter_input_is_ignored_and_said(client, planning_track, kind_staff):
    SubmittedApplicationFactory(track=planning_track)
    client.force_login(kind_staff)
    response = client.get(_url(planning_track), {"per_page": "7", "sort": "drop", "flag": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert len(response.context["page"].object_list) == 1


def test_track_pages_link_the_list(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    for name in ("board", "assignments", "track"):
        body = client.get(
            reverse(f"staff_reviews:{name}", kwargs={"track_id": planning_track.pk})
        ).content.decode()
        assert _url(planning_track) in body, name


def test_list_query_count_does_not_grow_with_applications_or_reviewers(
    client, kind_staff, track_with_panel
):
    track, _apps, panel = track_with_panel
    client.force_login(kind_staff)
    views = [
        {},
        {"flag": "conflict", "sort": "-budget"},
        {"reviewer": panel[0].pk, "per_page": "100"},
        {"q": "Bulk", "status": "under_review", "sort": "country"},
    ]

    def counts():
        result = []
        for params in views:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(_url(track), params)
            assert response.status_code == 200 and response.context["page"].object_list, params
            result.append(len(ctx.captured_queries))
        return result

    before = counts()
    more = bulk_applications(track, 55)
    bulk_assignments(more, bulk_committee(track, 27, prefix="more"), per_application=3)
    assert Application.objects.filter(track=track).count() == 60
    assert counts() == before
    assert max(before) <= 20


def test_ranking_flag_lists_applications_the_aggregation_flagged(
    client, planning_track, kind_staff
):
    from results.models import ApplicationResult

    flagged, clean, _unranked = bulk_applications(planning_track, 3, status="reviewed")
    ApplicationResult.objects.create(application=flagged, track=planning_track, flags=["spread"])
    ApplicationResult.objects.create(application=clean, track=planning_track, flags=[])
    client.force_login(kind_staff)
    assert _listed(client, planning_track, flag="ranking_flag") == [flagged.reference]
