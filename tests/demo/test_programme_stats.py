"""Programme statistics: computed from the database, exactly the published figures on the demo."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from applications.models import Application
from reporting.statistics import programme_stats
from tests.factories import CountryFactory, SubmittedApplicationFactory

PUBLISHED = {
    2020: {
        "applications": 80,
        "applicant_countries": 23,
        "selected": 12,
        "selected_countries": 11,
        "cumulative_projects": 12,
        "cumulative_countries": 11,
        "cumulative_cities": 12,
    },
    2021: {
        "applications": 111,
        "applicant_countries": 39,
        "selected": 11,
        "selected_countries": 11,
        "cumulative_projects": 23,
        "cumulative_countries": 19,
        "cumulative_cities": 21,
    },
    2022: {
        "applications": 33,
        "applicant_countries": 17,
        "selected": 10,
        "selected_countries": 9,
        "cumulative_projects": 33,
        "cumulative_countries": 21,
        "cumulative_cities": 31,
    },
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_programme_stats_json_matches_published_figures(year):
    out = io.StringIO()
    call_command("programme_stats", year=year, json=True, stdout=out)
    assert json.loads(out.getvalue()) == PUBLISHED[year]


def test_programme_stats_2022_json_is_exactly_the_documented_line():
    out = io.StringIO()
    call_command("programme_stats", "--year", "2022", "--json", stdout=out)
    assert out.getvalue().strip() == (
        '{"applications": 33, "applicant_countries": 17, "selected": 10, '
        '"selected_countries": 9, "cumulative_projects": 33, "cumulative_countries": 21, '
        '"cumulative_cities": 31}'
    )


def test_programme_stats_table_without_json():
    out = io.StringIO()
    call_command("programme_stats", year=2022, stdout=out)
    text = out.getvalue()
    assert "K-City Network 2022" in text
    assert "Applicant countries" in text and "17" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_programme_stats_year_before_programme_is_refused():
    with pytest.raises(CommandError):
        call_command("programme_stats", year=2019, stdout=io.StringIO())


def test_programme_stats_count_from_database_not_constants():
    """One more submitted application from a new country changes 2022's figures."""
    track = Application.objects.filter(call__year=2022).first().track
    country = CountryFactory(code="ZA", iso3="ZAF", name="South Africa")
    SubmittedApplicationFactory(track=track, country=country)
    stats = programme_stats(2022)
    assert (stats["applications"], stats["applicant_countries"]) == (34, 18)
