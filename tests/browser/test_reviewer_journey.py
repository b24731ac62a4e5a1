"""A reviewer in a real browser: declares no conflict, scores, saves a draft, submits.

Plus axe-core on the declaration and scoring pages (no serious or critical violations).
"""

import pytest

from accounts import roles
from reviews.models import Assignment, CommitteeMember
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import CriterionFactory, SubmittedApplicationFactory, UserFactory
from tests.reviews.review_fixtures import sign_declaration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JUSTIFICATION = "The site is ready: land is available and the city has a budget line for it."


@pytest.fixture
def reviewer_assignment(role_groups, planning_track, applicant):
    criteria = [
        CriterionFactory(track=planning_track, code=f"c{i}", name=name, max_points=points, order=i)
        for i, (name, points) in enumerate(
            [("Feasibility", 40), ("Site preparation", 30), ("Cooperation", 30)], start=1
        )
    ]
    application = SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
        status="under_review",
        title="Klang smart mobility master plan",
        reference="2026-PL-101",
    )
    reviewer = UserFactory(
        email="journey@expert.example.net", name="Dr Journey", roles=[roles.REVIEWER]
    )
    CommitteeMember.objects.create(track=planning_track, reviewer=reviewer)
    sign_declaration(reviewer)
    assignment = Assignment.objects.create(application=application, reviewer=reviewer)
    return assignment, criteria


def test_reviewer_declares_scores_saves_draft_and_submits(page, live_server, reviewer_assignment):
    assignment, criteria = reviewer_assignment
    log_in(page, live_server, assignment.reviewer)

    page.goto("/reviews/")
    page.get_by_role("link", name="Declare conflicts").click()
    assert_accessible(page)
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Record my declaration").click()

    page.wait_for_url(f"**/reviews/assignments/{assignment.pk}/application/")
    assert "Klang smart mobility master plan" in page.content()
    page.get_by_role("link", name="Score this application").click()

    # A first criterion and a bad half point, saved as a draft: the error is next to the field.
    first = criteria[0]
    page.fill(f"#id_points_{first.pk}", "33.3")
    page.fill(f"#id_justification_{first.pk}", JUSTIFICATION)
    page.get_by_role("button", name="Save draft").click()
    assert page.locator(f"#id_points_{first.pk}-error").inner_text().strip() == (
        "Use whole or half points (for example 7 or 7.5)."
    )
    assert page.input_value(f"#id_justification_{first.pk}") == JUSTIFICATION

    page.fill(f"#id_points_{first.pk}", "33.5")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("text=Draft saved.")
    assignment.refresh_from_db()
    assert assignment.status == "in_progress"
    assert page.input_value(f"#id_points_{first.pk}") == "33.5"
    assert_accessible(page)

    for criterion, points in zip(criteria[1:], ["25", "20.5"], strict=True):
        page.fill(f"#id_points_{criterion.pk}", points)
        page.fill(f"#id_justification_{criterion.pk}", JUSTIFICATION)
    page.select_option("#id_recommendation", "fund")
    page.select_option("#id_confidence", "3")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit review").click()

    page.wait_for_selector("text=Your review is submitted. Thank you.")
    assignment.refresh_from_db()
    assert assignment.status == "submitted"
    assert str(assignment.total) == "79.00"

    page.goto(f"/reviews/assignments/{assignment.pk}/score/")
    assert "submitted and is locked" in page.content()
    assert page.get_by_role("button", name="Submit review").count() == 0
