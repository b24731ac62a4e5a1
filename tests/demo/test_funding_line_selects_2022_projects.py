"""On the seeded 2022 call, the portal's own aggregation and funding line select exactly the ten
projects the programme announced (DESIGN.md), in nine countries."""

from accounts.models import User
from projects.models import Call
from results.aggregation import aggregate_track
from results.models import Decision
from results.services import propose_funding_line
from tests.demo.conftest import REAL_2022_SITES


def test_demo_aggregation_and_funding_line_select_the_ten_2022_projects():
    call = Call.objects.get(year=2022, kind=Call.Kind.ANNUAL)
    admin = User.objects.filter(groups__name="programme_admin").first()
    selected_cities = set()
    for track in call.tracks.all():
        aggregate_track(track=track, actor=admin)
        # Start from the portal's own proposal, not the seeded decisions.
        Decision.objects.filter(track=track).delete()
        propose_funding_line(track=track, actor=admin)
        cities = set(
            Decision.objects.filter(track=track, outcome="selected").values_list(
                "application__city__name", flat=True
            )
        )
        assert cities == REAL_2022_SITES[track.code], track.code
        selected_cities |= cities
    assert len(selected_cities) == 10
    countries = set(
        Decision.objects.filter(track__call=call, outcome="selected").values_list(
            "application__country", flat=True
        )
    )
    assert len(countries) == 9
