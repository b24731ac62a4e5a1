"""Outside review of the reporting figures: who sees which applicant's city on the staff map,
which years the public statistics list, and what the call dashboard's score chart counts."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application
from reporting import dashboards, statistics
from results.models import ApplicationResult
from tests.factories import CallFactory, CityFactory, SubmittedApplicationFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _map_key(html: str) -> str:
    """The staff map's list of cities (its key), as text."""
    return re.sub(r"<[^>]+>", " ", html.split('class="map-key"')[1].split("</ol>")[0])


@pytest.fixture
def applicant_cities(planning_track, demonstration_track):
    """One applicant city on KIND's planning track and one on KAIA's demonstration track."""
    SubmittedApplicationFactory(
        track=planning_track, city=CityFactory(name="Klang", latitude=3.04, longitude=101.45)
    )
    SubmittedApplicationFactory(
        track=demonstration_track,
        city=CityFactory(name="Mukdahan", latitude=16.54, longitude=104.72),
    )


def test_staff_map_shows_secretariat_staff_only_their_tracks_applicant_cities(
    applicant_cities, kind_staff, kaia_staff, client
):
    client.force_login(kind_staff)
    kind_key = _map_key(client.get(reverse("staff_reporting:dashboards")).content.decode())
    assert "Klang" in kind_key and "Mukdahan" not in kind_key

    client.force_login(kaia_staff)
    kaia_key = _map_key(client.get(reverse("staff_reporting:dashboards")).content.decode())
    assert "Mukdahan" in kaia_key and "Klang" not in kaia_key


def test_staff_map_shows_programme_admins_every_tracks_applicant_cities(
    applicant_cities, programme_admin, client
):
    client.force_login(programme_admin)
    key = _map_key(client.get(reverse("staff_reporting:dashboards")).content.decode())
    assert "Klang" in key and "Mukdahan" in key


def test_public_statistics_leave_out_a_year_whose_only_call_is_a_draft(planning_track, client):
    """A call being prepared (not published) is not public: its year is not a programme year
    on the public page, in the open-data API or on the staff statistics."""
    draft = CallFactory(year=2031, status="draft")
    TrackFactory(call=draft)

    assert 2031 not in statistics.programme_years()
    assert 2031 not in [row["year"] for row in client.get("/api/v1/statistics/").json()]
    assert client.get("/api/v1/statistics/2031/").status_code == 404
    page = client.get(reverse("reporting:programme")).content.decode()
    assert '<th scope="row">2031</th>' not in page
    # The open call's year stays.
    assert planning_track.call.year in statistics.programme_years()


def test_call_dashboard_score_chart_counts_only_applications_still_in_the_call(
    planning_track, programme_admin
):
    """An application withdrawn after the scores were aggregated keeps its result row until
    the next aggregation; the dashboard's distribution counts the applications it counts."""
    kept = SubmittedApplicationFactory(track=planning_track, status="reviewed")
    gone = SubmittedApplicationFactory(track=planning_track, status="reviewed")
    for application, score in ((kept, "85.00"), (gone, "55.00")):
        ApplicationResult.objects.create(
            application=application, track=planning_track, official_score=Decimal(score)
        )
    Application.objects.filter(pk=gone.pk).update(status=Application.Status.WITHDRAWN)

    data = dashboards.call_dashboard(planning_track.call, programme_admin)
    (track,) = data["tracks"]
    assert track["applications"] == 1
    assert dict(track["score_chart"].rows) == {
        "0–50": 0,
        "50–60": 0,
        "60–70": 0,
        "70–80": 0,
        "80–90": 1,
        "90–100": 0,
    }
