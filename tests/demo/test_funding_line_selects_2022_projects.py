"""On the seeded demo data, the portal's aggregation and funding line select exactly the ten
2022 projects the programme announced (DESIGN.md), and the figures come out of the data."""

import pytest
from django.core.management import call_command

from projects.models import Call, Project
from reporting.statistics import programme_stats
from results.aggregation import aggregate_track
from results.models import Decision
from results.services import propose_funding_line

PLANNING_2022 = {
    "Issyk-Kul",
    "Zuunmod",
    "Klang",
    "Khulna",
    "Zangilan",
    "Jakarta",
    "Warnes",
    "Ho Chi Minh City",
}
DEMONSTRATION_2022 = {"Mukdahan", "Madiun"}


@pytest.fixture
def seeded(db, tmp_path):
    call_command("seed_demo", credentials_file=str(tmp_path / "credentials.txt"))
    return Call.objects.get(year=2022, kind=Call.Kind.ANNUAL)


def test_demo_aggregation_and_funding_line_select_the_ten_2022_projects(seeded):
    from accounts.models import User

    admin = User.objects.filter(groups__name="programme_admin").first()
    selected_cities = set()
    for track in seeded.tracks.all():
        aggregate_track(track=track, actor=admin)
        # Start from the portal's own proposal, not the seeded decisions.
        Decision.objects.filter(track=track).delete()
        propose_funding_line(track=track, actor=admin)
        cities = set(
            Decision.objects.filter(track=track, outcome="selected").values_list(
                "application__city__name", flat=True
            )
        )
        expected = PLANNING_2022 if track.kind == "planning" else DEMONSTRATION_2022
        assert cities == expected, track.code
        selected_cities |= cities
    assert len(selected_cities) == 10
    countries = set(
        Decision.objects.filter(track__call=seeded, outcome="selected").values_list(
            "application__country", flat=True
        )
    )
    assert len(countries) == 9


def test_demo_programme_figures_match_design(seeded):
    stats = programme_stats(2022)
    assert (stats["applications"], stats["applicant_countries"]) == (33, 17)
    assert (stats["selected"], stats["selected_countries"]) == (10, 9)
    assert (
        stats["cumulative_projects"],
        stats["cumulative_countries"],
        stats["cumulative_cities"],
    ) == (33, 21, 31)
    assert Project.objects.filter(year=2022, source="portal").count() == 10
