"""Who reads the execution table and its downloads: programme admins every portal project,
secretariat staff their tracks' projects only (``projects_for_staff``), nobody else."""

import pytest
from django.urls import reverse

from reporting.execution import Grouping, execution_table, export_execution
from tests.reporting.execution_data import M, programme
from tests.reporting.test_execution_exports import csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(planning_track, demonstration_track):
    return programme(planning_track, demonstration_track)


def test_execution_secretariat_staff_read_only_their_tracks_projects(data, kind_staff, kaia_staff):
    kind = execution_table(kind_staff, {"group": Grouping.PROJECT})
    assert {r.project for r in kind.rows} == {data["p1"], data["p2"], data["p4"]}
    assert kind.total.awarded == 1200 * M
    kaia = execution_table(kaia_staff, {"group": Grouping.DETAIL})
    assert [(r.track_kind, r.country.code, r.awarded // M) for r in kaia.rows] == [
        ("demonstration", "TH", 400)
    ]
    assert kaia.total.paid == 0


def test_execution_filter_choices_are_the_users_own(data, kaia_staff, client):
    client.force_login(kaia_staff)
    form = client.get(reverse("staff_reporting:execution")).context["form"]
    assert [code for code, _name in form.fields["country"].choices] == ["", "TH"]
    assert [year for year, _name in form.fields["year"].choices] == ["", 2022]
    # Asking for another secretariat's country is refused next to the field, not answered.
    response = client.get(reverse("staff_reporting:execution"), {"country": "MY"})
    assert "country" in response.context["form"].errors
    assert "Malaysia" not in response.content.decode()


def test_execution_page_secretariat_staff_do_not_see_other_tracks_projects(
    data, kaia_staff, client
):
    client.force_login(kaia_staff)
    response = client.get(reverse("staff_reporting:execution"), {"group": "project"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mukdahan smart grid" in body
    assert "Klang master plan" not in body and "Khulna" not in body


def test_execution_export_secretariat_staff_get_their_tracks_rows_only(data, kaia_staff):
    content, _type, _name = export_execution(
        user=kaia_staff, filters={"group": "project"}, fmt="csv", lang="en"
    )
    rows = csv_rows(content)
    assert [row[0] for row in rows[3:]] == [data["p3"].code]


def test_execution_programme_admin_reads_every_portal_project(data, programme_admin):
    table = execution_table(programme_admin, {"group": Grouping.PROJECT})
    assert {r.project for r in table.rows} == {data[k] for k in ("p1", "p2", "p3", "p4")}


@pytest.mark.parametrize("who", ["applicant", "reviewer", "contractor"])
def test_execution_page_and_downloads_refused_to_everyone_else(
    data, client, applicant, reviewer, contractor, who
):
    client.force_login(
        {"applicant": applicant, "reviewer": reviewer, "contractor": contractor}[who]
    )
    for url in (
        reverse("staff_reporting:execution"),
        reverse("staff_reporting:execution_export", args=["csv"]),
        reverse("staff_reporting:execution_export", args=["xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert b"Klang" not in response.content


def test_execution_page_asks_anonymous_visitors_to_log_in(data, client):
    response = client.get(reverse("staff_reporting:execution"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_execution_page_allowed_to_secretariat_staff_and_programme_admins(
    data, client, kind_staff, programme_admin
):
    for user in (kind_staff, programme_admin):
        client.force_login(user)
        assert client.get(reverse("staff_reporting:execution")).status_code == 200
