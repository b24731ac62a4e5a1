"""The execution table's filters offer only what the user may see: a secretariat's staff never
read the other secretariat's track kind among the options, on the page or in a download's title
(the options come from the same projects as the rows)."""

import pytest
from django.urls import reverse

from reporting.execution import export_execution
from tests.reporting.execution_data import programme
from tests.reporting.test_execution_exports import csv_rows

pytestmark = pytest.mark.django_db

DEMONSTRATION = "Smart Solution Overseas Demonstration"


@pytest.fixture
def data(planning_track, demonstration_track):
    return programme(planning_track, demonstration_track)


def test_execution_track_options_for_kind_staff_leave_out_kaias_kind(data, kind_staff, client):
    client.force_login(kind_staff)
    response = client.get(reverse("staff_reporting:execution"))
    assert response.status_code == 200
    kinds = [code for code, _name in response.context["form"].fields["track_kind"].choices]
    assert kinds == ["", "planning"]
    assert DEMONSTRATION not in response.content.decode()


def test_execution_track_options_for_kaia_staff_leave_out_kinds_kind(data, kaia_staff, client):
    client.force_login(kaia_staff)
    response = client.get(reverse("staff_reporting:execution"))
    kinds = [code for code, _name in response.context["form"].fields["track_kind"].choices]
    assert kinds == ["", "demonstration"]


def test_execution_asking_for_the_other_secretariats_kind_is_refused_next_to_the_field(
    data, kind_staff, client
):
    client.force_login(kind_staff)
    response = client.get(reverse("staff_reporting:execution"), {"track_kind": "demonstration"})
    assert response.status_code == 200
    assert "track_kind" in response.context["form"].errors
    assert DEMONSTRATION not in response.content.decode()


def test_execution_download_title_never_names_the_other_secretariats_kind(data, kind_staff, client):
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_reporting:execution_export", args=["csv"]),
        {"track_kind": "demonstration", "lang": "en"},
    )
    assert response.status_code == 200
    rows = csv_rows(response.content)
    assert DEMONSTRATION not in rows[0][0]


def test_programme_admin_sees_every_kind_funded(data, programme_admin, client):
    client.force_login(programme_admin)
    response = client.get(reverse("staff_reporting:execution"))
    kinds = [code for code, _name in response.context["form"].fields["track_kind"].choices]
    assert kinds == ["", "planning", "demonstration"]
    content, _type, _name = export_execution(
        user=programme_admin, filters={"track_kind": "demonstration"}, fmt="csv", lang="en"
    )
    assert DEMONSTRATION in csv_rows(content)[0][0]
