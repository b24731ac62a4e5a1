"""The ranking board's columns: the essential ones by default (rank, application, official
score, flags, decision), every figure in each row's details, and ?columns=all for every figure
as a column. The decision column links to the decision form until the decision is released."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from results.models import Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.results.test_views import _email_templates, board_url, build_track  # noqa: F401

pytestmark = pytest.mark.django_db


def _header(page: str) -> str:
    return page.split("<thead>")[1].split("</thead>")[0]


def test_default_board_has_the_essential_columns_and_figures_in_details(
    client, planning_track, kind_staff
):
    apps = build_track(planning_track, 2)
    client.force_login(kind_staff)
    page = client.get(board_url(planning_track)).content.decode()
    header = _header(page)
    assert header.count("<th ") == 5
    assert "Feasibility" not in header and "Mean" not in header and "Decision" in header
    row = page.split(f'id="result-{apps[0].pk}"')[1].split("</tbody>")[0]
    assert '<dl class="result-figures">' in row
    assert "<dt>Feasibility</dt>" in row and "<dt>Spread</dt>" in row
    assert f"<dd>{apps[0].result.mean}</dd>" in row
    assert "Not proposed" in row


def test_all_columns_view_adds_every_figure_and_keeps_the_filters(
    client, planning_track, kind_staff
):
    build_track(planning_track, 2)
    client.force_login(kind_staff)
    page = client.get(board_url(planning_track) + "?columns=all&sort=mean").content.decode()
    header = _header(page)
    for title in ("Mean", "Trimmed", "Median", "Normalised", "Spread", "Feasibility", "Site"):
        assert f">{title}</th>" in header, title
    assert '<dl class="result-figures">' not in page  # the figures are columns now
    assert '<input type="hidden" name="columns" value="all">' in page
    assert 'href="?sort=mean">Show the essential columns</a>' in page
    default = client.get(board_url(planning_track) + "?sort=mean").content.decode()
    assert 'href="?sort=mean&amp;columns=all">Show every column</a>' in default


def test_decision_column_links_the_decision_until_released(
    client, planning_track, kind_staff, programme_admin
):
    build_track(planning_track, 2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    decision = Decision.objects.filter(track=planning_track).order_by("pk").first()
    change = reverse("staff_results:decision", args=[planning_track.pk, decision.pk])
    client.force_login(kind_staff)
    page = client.get(board_url(planning_track)).content.decode()
    row = page.split(f'id="result-{decision.application_id}"')[1].split("</tr>")[0]
    assert decision.get_outcome_display() in row and f'href="{change}"' in row
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    page = client.get(board_url(planning_track)).content.decode()
    row = page.split(f'id="result-{decision.application_id}"')[1].split("</tr>")[0]
    assert decision.get_outcome_display() in row and change not in row


def test_both_column_sets_cost_the_same_queries(client, planning_track, kind_staff):
    build_track(planning_track, 3)
    propose_funding_line(track=planning_track, actor=kind_staff)
    client.force_login(kind_staff)
    counts = []
    for suffix in ("", "?columns=all"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(board_url(planning_track) + suffix).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
