"""programme_stats counts submitted proposals and funded projects, never stored figures
(except the reported intake of the years before the portal)."""

import pytest

from applications.models import Application
from reporting.statistics import programme_stats, programme_years
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CityFactory,
    CountryFactory,
    ProjectFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)


@pytest.mark.django_db
def test_programme_stats_ignore_drafts_and_withdrawals():
    track = TrackFactory(call=CallFactory(year=2026))
    SubmittedApplicationFactory(track=track)
    SubmittedApplicationFactory(track=track, status=Application.Status.WITHDRAWN)
    ApplicationFactory(track=track)  # a draft
    assert programme_stats(2026)["applications"] == 1


@pytest.mark.django_db
def test_programme_stats_reported_intake_used_only_without_portal_applications():
    call = CallFactory(year=2027, reported_applications=50, reported_applicant_countries=20)
    assert programme_stats(2027)["applications"] == 50
    assert programme_stats(2027)["applicant_countries"] == 20
    SubmittedApplicationFactory(track=TrackFactory(call=call))
    assert programme_stats(2027)["applications"] == 1
    assert programme_stats(2027)["applicant_countries"] == 1


@pytest.mark.django_db
def test_programme_stats_contractor_selection_calls_do_not_count():
    project = ProjectFactory(year=2026)
    call = CallFactory(year=2026, kind="contractor_selection", project=project)
    SubmittedApplicationFactory(track=TrackFactory(call=call))
    assert programme_stats(2026)["applications"] == 0


@pytest.mark.django_db
def test_programme_stats_cumulative_counts_distinct_cities_and_countries():
    city = CityFactory(name="Klang")
    ProjectFactory(year=2024, country=city.country, city=city)
    ProjectFactory(year=2025, country=city.country, city=city)
    ProjectFactory(year=2026, country=CountryFactory(code="BD", iso3="BGD", name="Bangladesh"))
    stats = programme_stats(2025)
    assert (stats["selected"], stats["cumulative_projects"]) == (1, 2)
    assert (stats["cumulative_countries"], stats["cumulative_cities"]) == (1, 1)
    assert programme_stats(2026)["cumulative_countries"] == 2
    assert programme_years() == [2024, 2025, 2026]
