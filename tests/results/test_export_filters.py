"""The rankings export lists what the board lists: the board's filters (search, flag, order) go
into its download links, the file follows them and its title row names them."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from tests.factories.results import ensure_email_templates
from tests.results.test_views import build_track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _export(client, track, kind="rankings", query=""):
    url = reverse("staff_results:export", args=[track.pk, kind, "csv"])
    return _rows(client.get(url + query))


def test_rankings_export_follows_the_boards_search(client, planning_track, kind_staff):
    apps = build_track(planning_track, 3)
    client.force_login(kind_staff)
    wanted = apps[0].reference
    rows = _export(client, planning_track, query=f"?q={wanted}")
    assert {row[1] for row in rows[3:]} == {wanted}
    assert f"search “{wanted}”" in rows[0][0]
    unfiltered = _export(client, planning_track)
    assert {row[1] for row in unfiltered[3:]} == {a.reference for a in apps}
    assert "search" not in unfiltered[0][0]


def test_rankings_export_follows_the_boards_order_and_flag(client, planning_track, kind_staff):
    build_track(planning_track, 3)
    client.force_login(kind_staff)
    by_country = _export(client, planning_track, query="?sort=country")
    assert "sorted by Country" in by_country[0][0]
    flagged = _export(client, planning_track, query="?flag=too_few_reviewers")
    assert flagged[3:] == []  # every application has its three reviewers
    assert "Fewer reviewers than the minimum" in flagged[0][0]


def test_an_invalid_filter_exports_the_whole_ranking(client, planning_track, kind_staff):
    apps = build_track(planning_track, 2)
    client.force_login(kind_staff)
    rows = _export(client, planning_track, query="?flag=nonsense")
    assert len(rows[3:]) == len(apps)


def test_the_boards_links_carry_its_filters_to_the_rankings_export_only(
    client, planning_track, kind_staff
):
    apps = build_track(planning_track, 2)
    client.force_login(kind_staff)
    wanted = apps[1].reference
    board = client.get(
        reverse("staff_results:board", args=[planning_track.pk])
        + f"?q={wanted}&reveal=1&columns=all&page=1"
    ).content.decode()
    links = {unescape(href) for href in re.findall(r'href="([^"]*/export/[^"]*)"', board)}
    rankings = reverse("staff_results:export", args=[planning_track.pk, "rankings", "csv"])
    applications = reverse("staff_results:export", args=[planning_track.pk, "applications", "csv"])
    assert f"{rankings}?q={wanted}" in links
    assert applications in links  # its rows are not the board's: no filters to carry
    # The file behind the link is the board's list, its title says so.
    rows = _export(client, planning_track, query=f"?q={wanted}")
    assert [row[1] for row in rows[3:]] == [wanted]
    applications_rows = _export(client, planning_track, kind="applications", query=f"?q={wanted}")
    assert len(applications_rows[3:]) == len(apps)
    assert "search" not in applications_rows[0][0]
