"""Public programme endpoints: countries, cities, calls, tracks and the funded portfolio."""

import pytest
from django.urls import reverse

from tests.factories import (
    CallFactory,
    CityFactory,
    CountryFactory,
    ProjectFactory,
    TrackFactory,
)

from .conftest import ids, results

pytestmark = pytest.mark.django_db


def test_call_list_public_excludes_drafts(api_client, open_call):
    draft = CallFactory(status="draft")
    response = api_client.get(reverse("api:call-list"))
    slugs = {row["slug"] for row in results(response)}
    assert open_call.slug in slugs
    assert draft.slug not in slugs


def test_call_detail_draft_is_not_found(api_client):
    draft = CallFactory(status="draft")
    response = api_client.get(reverse("api:call-detail", kwargs={"slug": draft.slug}))
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not found.",  # never the model's name
        "code": "not_found",
        "errors": {},
    }


def test_call_detail_nests_tracks(api_client, planning_track, demonstration_track):
    response = api_client.get(reverse("api:call-detail", kwargs={"slug": planning_track.call.slug}))
    assert response.status_code == 200
    body = response.json()
    assert [t["code"] for t in body["tracks"]] == ["PL", "DM"]
    assert body["tracks"][0]["secretariat"] == "KIND"
    assert body["is_accepting_applications"] is True


def test_call_list_filters_by_year_and_status(api_client, open_call):
    old = CallFactory(status="decided", year=2022)
    response = api_client.get(reverse("api:call-list"), {"year": 2022})
    assert ids(response) == {old.pk}
    response = api_client.get(reverse("api:call-list"), {"status": "open"})
    assert ids(response) == {open_call.pk}


def test_call_list_bad_filter_value_is_400(api_client):
    response = api_client.get(reverse("api:call-list"), {"status": "nonsense"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "status" in body["errors"]


def test_call_list_contractor_selection_hidden_unless_open(api_client):
    project = ProjectFactory()
    closed = CallFactory(kind="contractor_selection", project=project, status="closed")
    response = api_client.get(reverse("api:call-list"))
    assert closed.pk not in ids(response)


def test_call_list_query_count_does_not_grow(api_client, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            TrackFactory(call=CallFactory(status="open"))

    make(1)
    # count, calls, tracks, secretariats, the tracks' documents
    with django_assert_max_num_queries(5) as one:
        assert len(results(api_client.get(reverse("api:call-list")))) == 1
    make(9)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(api_client.get(reverse("api:call-list")))) == 10


def test_track_list_only_public_calls(api_client, planning_track):
    hidden = TrackFactory(call=CallFactory(status="draft"))
    response = api_client.get(reverse("api:track-list"))
    assert ids(response) == {planning_track.pk}
    assert hidden.pk not in ids(response)


def test_track_list_filters_by_call_slug_and_kind(api_client, planning_track, demonstration_track):
    TrackFactory(call=CallFactory(status="open"), kind="planning")
    response = api_client.get(
        reverse("api:track-list"), {"call": planning_track.call.slug, "kind": "demonstration"}
    )
    assert ids(response) == {demonstration_track.pk}


def test_track_list_query_count_does_not_grow(api_client, django_assert_max_num_queries):
    TrackFactory(call=CallFactory(status="open"))
    with django_assert_max_num_queries(3) as one:
        assert len(results(api_client.get(reverse("api:track-list")))) == 1
    for _ in range(9):
        TrackFactory(call=CallFactory(status="open"))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(api_client.get(reverse("api:track-list")))) == 10


def test_country_list_filters_by_region(api_client):
    my = CountryFactory()
    kg = CountryFactory(code="KG", iso3="KGZ", name="Kyrgyzstan", region="central_asia")
    response = api_client.get(reverse("api:country-list"), {"region": "central_asia"})
    assert ids(response) == {kg.pk}
    response = api_client.get(reverse("api:country-list"), {"code": "my"})
    assert ids(response) == {my.pk}


def test_country_list_query_count_does_not_grow(api_client, django_assert_max_num_queries):
    CountryFactory()
    with django_assert_max_num_queries(2) as one:
        assert len(results(api_client.get(reverse("api:country-list")))) == 1
    for i in range(9):
        CountryFactory(code=f"A{chr(65 + i)}", iso3=f"AA{chr(65 + i)}", name=f"Country {i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(api_client.get(reverse("api:country-list")))) == 10


def test_city_list_filters_by_country(api_client):
    klang = CityFactory(name="Klang")
    kg = CountryFactory(code="KG", iso3="KGZ", name="Kyrgyzstan", region="central_asia")
    issyk = CityFactory(name="Issyk-Kul", country=kg)
    response = api_client.get(reverse("api:city-list"), {"country": "KG"})
    assert ids(response) == {issyk.pk}
    assert klang.pk not in ids(response)
    assert results(response)[0]["country"] == "KG"


def test_city_list_query_count_does_not_grow(api_client, django_assert_max_num_queries):
    CityFactory()
    with django_assert_max_num_queries(2) as one:
        assert len(results(api_client.get(reverse("api:city-list")))) == 1
    CityFactory.create_batch(9)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(api_client.get(reverse("api:city-list")))) == 10


def test_project_list_filters_by_year_and_country(api_client):
    p2022 = ProjectFactory(year=2022)
    kg = CountryFactory(code="KG", iso3="KGZ", name="Kyrgyzstan", region="central_asia")
    p2020 = ProjectFactory(year=2020, country=kg)
    assert ids(api_client.get(reverse("api:project-list"), {"year": 2022})) == {p2022.pk}
    assert ids(api_client.get(reverse("api:project-list"), {"country": "kg"})) == {p2020.pk}
    assert ids(api_client.get(reverse("api:project-list"), {"year_from": 2021})) == {p2022.pk}


def test_project_detail_by_code(api_client):
    project = ProjectFactory(code="2022-PL-01")
    response = api_client.get(reverse("api:project-detail", kwargs={"code": "2022-PL-01"}))
    assert response.status_code == 200
    assert response.json()["id"] == project.pk
    assert response.json()["city"]["country"] == "MY"


def test_project_list_query_count_does_not_grow(api_client, django_assert_max_num_queries):
    ProjectFactory()
    with django_assert_max_num_queries(2) as one:
        assert len(results(api_client.get(reverse("api:project-list")))) == 1
    ProjectFactory.create_batch(9)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(results(api_client.get(reverse("api:project-list")))) == 10


def test_project_list_ordering_is_stable(api_client):
    projects = ProjectFactory.create_batch(5, year=2022)
    response = api_client.get(reverse("api:project-list"), {"ordering": "year", "page_size": 2})
    first = [row["id"] for row in results(response)]
    response = api_client.get(
        reverse("api:project-list"), {"ordering": "year", "page_size": 2, "page": 2}
    )
    second = [row["id"] for row in results(response)]
    assert set(first).isdisjoint(second)
    assert first + second == sorted(p.pk for p in projects)[:4]


def test_list_page_size_beyond_the_schemas_maximum_is_refused(api_client):
    # The schema says 1-200; a larger page is refused by name rather than quietly cut.
    ProjectFactory.create_batch(3)
    response = api_client.get(reverse("api:project-list"), {"page_size": 10_000})
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]
    assert api_client.get(reverse("api:project-list"), {"page_size": 200}).json()["count"] == 3


def test_public_endpoints_refuse_writes(api_client, open_call):
    response = api_client.post(reverse("api:call-list"), {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_statistics_list_counts_from_the_database(api_client):
    kg = CountryFactory(code="KG", iso3="KGZ", name="Kyrgyzstan", region="central_asia")
    ProjectFactory(year=2020)
    ProjectFactory(year=2022)
    ProjectFactory(year=2022, country=kg)
    response = api_client.get(reverse("api:statistics-list"))
    assert response.status_code == 200
    rows = {row["year"]: row for row in response.json()}
    assert sorted(rows) == [2020, 2022]
    assert rows[2022]["selected"] == 2
    assert rows[2022]["selected_countries"] == 2
    assert rows[2022]["cumulative_projects"] == 3
    assert rows[2022]["cumulative_countries"] == 2
    assert rows[2020]["cumulative_projects"] == 1


def test_statistics_one_year_counts_submitted_applications_only(api_client, planning_track):
    from tests.factories import ApplicationFactory, SubmittedApplicationFactory

    SubmittedApplicationFactory.create_batch(2, track=planning_track)
    ApplicationFactory(track=planning_track)  # a draft is not an application yet
    year = planning_track.call.year
    response = api_client.get(reverse("api:statistics-detail", kwargs={"year": year}))
    assert response.status_code == 200
    assert response.json()["applications"] == 2
    assert response.json()["applicant_countries"] == 1


def test_statistics_unknown_year_is_404(api_client):
    response = api_client.get(reverse("api:statistics-detail", kwargs={"year": 1999}))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_statistics_query_count_does_not_grow_with_projects(
    api_client, django_assert_max_num_queries
):
    ProjectFactory(year=2022)
    with django_assert_max_num_queries(12) as one:
        api_client.get(reverse("api:statistics-list"))
    ProjectFactory.create_batch(9, year=2022)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = api_client.get(reverse("api:statistics-list"))
    assert response.json()[0]["selected"] == 10


def test_project_city_filter_out_of_range_is_400(api_client):
    response = api_client.get(reverse("api:project-list"), {"city": "99999999999999999999"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"city"}
