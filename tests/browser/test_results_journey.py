"""Results in a real browser: staff run the aggregation (htmx progress panel), read the board
and a row's justifications, propose the funding line; a programme admin confirms and releases;
axe on each results page."""

import pytest
from playwright.sync_api import expect

from applications.models import Application
from notifications.models import Message
from results.models import Decision
from tests.browser.conftest import accept_confirmations, assert_accessible, log_in
from tests.factories import UserFactory
from tests.factories.results import make_criteria, review_totals, reviewed_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

M = 1_000_000


def test_staff_aggregate_read_board_select_and_release(
    page, live_server, kind_staff, programme_admin, planning_track, applicant
):
    planning_track.min_reviewers = 3
    planning_track.total_budget = 900 * M
    planning_track.save()
    (criterion,) = make_criteria(planning_track, ("feasibility", 100, None, 1))
    panel = [UserFactory(name=f"Secret Expert {i}") for i in range(3)]
    org = applicant.organizations.first()
    apps = []
    for title, totals in (
        ("Klang smart mobility", [88, 90, 92]),
        ("Khulna flood sensors", [80, 84, 85]),
        ("Warnes digital twin", [75, 78, 79]),
        ("Zuunmod e-services", [50, 60, 65]),
    ):
        app = reviewed_application(
            planning_track, title=title, budget_requested=450 * M, organization=org
        )
        review_totals(app, criterion, totals, panel)
        apps.append(app)

    accept_confirmations(page)
    log_in(page, live_server, kind_staff)
    page.goto(f"/staff/reviews/results/{planning_track.pk}/")
    page.get_by_role("button", name="Run the aggregation").click()
    page.wait_for_selector("#aggregation-job >> text=Finished")
    assert page.locator("#aggregation-job").inner_text().count("4 applications") == 1
    page.get_by_role("link", name="Reload the board").click()

    rows = page.locator("table.ranking tbody tr[id^='result-']")
    expect(rows).to_have_count(4)
    assert "Klang smart mobility" in rows.nth(0).inner_text()
    assert "90.00" in rows.nth(0).inner_text()
    assert "Below the overall threshold" in rows.nth(3).inner_text()
    assert_accessible(page)

    page.locator(f"#result-{apps[0].pk} + tr summary").click()
    page.wait_for_selector(f"#reviews-{apps[0].pk}")
    reviews = page.locator(f"#reviews-{apps[0].pk}").inner_text()
    assert "Reviewer A" in reviews and "Secret Expert" not in reviews

    page.get_by_role("link", name="Selection").first.click()
    page.get_by_role("button", name="Propose the funding line").click()
    page.wait_for_selector("text=The funding line has been proposed.")
    assert_accessible(page)
    assert list(
        Decision.objects.order_by("application__result__rank").values_list("outcome", flat=True)
    ) == ["selected", "selected", "reserve", "rejected"]
    # Staff cannot confirm: the button is not offered.
    assert page.get_by_role("button", name="Confirm the decisions").count() == 0

    log_in(page, live_server, programme_admin)
    page.goto(f"/staff/reviews/results/{planning_track.pk}/selection/")
    page.get_by_role("button", name="Confirm the decisions").click()
    page.wait_for_selector("text=4 decisions confirmed.")
    assert Application.objects.filter(status="under_review").count() == 4
    page.get_by_role("button", name="Release all decisions of the call").click()
    page.wait_for_selector("text=4 decisions released.")
    statuses = [Application.objects.get(pk=a.pk).status for a in apps]
    assert statuses == ["selected", "selected", "reserve", "rejected"]
    assert Message.objects.filter(template="applications/decision", channel="email").count() == 4
    assert_accessible(page)
