"""The applicant's "Decision" panel: shown once the decision is released, never before."""

from decimal import Decimal

import pytest

from applications import selectors
from core.templatetags.portal_format import krw
from results.models import ApplicationResult, Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.factories import UserFactory
from tests.factories.results import ensure_email_templates, reviewed_application, submit_review

pytestmark = pytest.mark.django_db

M = 1_000_000
PANEL = 'id="decision-heading"'
COMMENT = "The pilot site is ready and the city co-funds the operation."


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


@pytest.fixture
def decided_track(planning_track, applicant, kind_staff, programme_admin):
    """Three ranked applications of the applicant: selected, reserve #1, not selected; the
    first has comments by named reviewers. Decisions proposed and confirmed, not released."""
    planning_track.total_budget = 800 * M
    planning_track.save()
    org = applicant.organizations.first()
    specs = [(500, "85.00", []), (450, "80.00", []), (300, "60.00", ["below_overall_threshold"])]
    apps = []
    for rank, (requested, score, flags) in enumerate(specs, start=1):
        app = reviewed_application(planning_track, budget_requested=requested * M, organization=org)
        ApplicationResult.objects.create(
            application=app,
            track=planning_track,
            official_score=Decimal(score),
            rank=rank,
            flags=flags,
            reviewer_count=5,
        )
        apps.append(app)
    reviewers = [UserFactory(name=f"Reviewer Person {i}") for i in range(2)]
    for reviewer in reviewers:
        submit_review(apps[0], reviewer, {}, comment=COMMENT)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    outcomes = [Decision.objects.get(application=app).outcome for app in apps]
    assert outcomes == ["selected", "reserve", "rejected"]
    return planning_track, apps, reviewers


def test_no_decision_text_before_release_even_with_a_confirmed_decision(
    client, applicant, decided_track
):
    _, apps, _ = decided_track
    client.force_login(applicant)
    for app in apps:
        response = client.get(app.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert PANEL not in page
        assert COMMENT not in page
        for label in ("Selected", "Reserve list", "Not selected", "reserve list:"):
            assert label not in page
        app.refresh_from_db()
        assert selectors.released_decision(app) is None


def test_released_decision_panel_outcome_amount_place_and_summary(
    client, applicant, decided_track, programme_admin
):
    track, (selected, reserve, rejected), reviewers = decided_track
    release_decisions(track=track, actor=programme_admin)
    client.force_login(applicant)

    page = client.get(selected.get_absolute_url()).content.decode()
    panel = page[page.index(PANEL) :]
    assert "Selected" in panel
    assert krw(Decision.objects.get(application=selected).amount) in panel
    assert COMMENT in panel
    for reviewer in reviewers:
        assert reviewer.name not in page and reviewer.email not in page

    page = client.get(reserve.get_absolute_url()).content.decode()
    assert PANEL in page and "Reserve list" in page
    assert "Your place on the reserve list: 1." in page
    assert "Decided amount" not in page

    page = client.get(rejected.get_absolute_url()).content.decode()
    assert PANEL in page and "Not selected" in page
    assert "Decided amount" not in page and "reserve list:" not in page


def test_decision_panel_of_another_organisation_is_404(
    client, other_applicant, decided_track, programme_admin
):
    track, (selected, _, _), _ = decided_track
    release_decisions(track=track, actor=programme_admin)
    client.force_login(other_applicant)
    assert client.get(selected.get_absolute_url()).status_code == 404
