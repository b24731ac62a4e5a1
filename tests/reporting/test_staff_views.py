"""The staff home and statistics pages: staff only, figures from the database, flat queries."""

import pytest
from django.urls import reverse

from tests.factories import CityFactory, ProjectFactory, SubmittedApplicationFactory

PAGES = ["staff_reporting:index", "staff_reporting:statistics"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_staff_page_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_staff_page_denied_to_applicant_and_reviewer(client, applicant, reviewer, name):
    ProjectFactory(year=2022, code="2022-PL-SECRET")
    for user in (applicant, reviewer):
        client.force_login(user)
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert b"2022" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["programme_admin", "kind_staff"])
def test_staff_page_shows_figures_to_staff(client, request, name, who):
    city = CityFactory(name="Klang")
    ProjectFactory(year=2022, country=city.country, city=city)
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(name))
    assert response.status_code == 200
    rows = response.context["stats"]
    assert rows == [
        {
            "year": 2022,
            "applications": 0,
            "applicant_countries": 0,
            "selected": 1,
            "selected_countries": 1,
            "cumulative_projects": 1,
            "cumulative_countries": 1,
            "cumulative_cities": 1,
        }
    ]
    assert "Programme statistics" in response.content.decode()


@pytest.mark.django_db
def test_staff_index_lists_only_the_users_tracks(
    client, kind_staff, planning_track, demonstration_track
):
    client.force_login(kind_staff)
    response = client.get(reverse("staff_reporting:index"))
    assert list(response.context["tracks"]) == [planning_track]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_staff_page_query_count_does_not_grow_with_rows(
    client, programme_admin, planning_track, django_assert_max_num_queries, name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(programme_admin)
    ProjectFactory(year=2026)
    SubmittedApplicationFactory(track=planning_track)
    client.get(reverse(name))  # warm caches
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(name))
    for _ in range(6):
        ProjectFactory(year=2026)
        SubmittedApplicationFactory(track=planning_track)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse(name))
    assert response.context["stats"][0]["cumulative_projects"] == 7


@pytest.mark.django_db
def test_staff_index_track_links_open_the_filtered_admin_list(
    client, kind_staff, planning_track, demonstration_track
):
    mine = SubmittedApplicationFactory(track=planning_track)
    SubmittedApplicationFactory(track=demonstration_track)
    client.force_login(kind_staff)
    index = client.get(reverse("staff_reporting:index"))
    link = (
        reverse("admin:applications_application_changelist")
        + f"?call__id__exact={planning_track.call_id}&track__kind__exact={planning_track.kind}"
    )
    assert link.replace("&", "&amp;") in index.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    assert [a.pk for a in response.context["cl"].result_list] == [mine.pk]
