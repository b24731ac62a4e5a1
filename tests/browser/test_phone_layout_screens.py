"""This round's screens as they look: the committee's members become labelled cards on a phone
as the other staff tables do (the remove button within reach), and the section steps put their
mark (✓ or !) beside the status, not on a line of its own."""

import pytest
from playwright.sync_api import expect

from reviews.models import CommitteeMember
from tests.browser.conftest import PHONE, log_in
from tests.factories import ApplicationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_committee_members_are_labelled_cards_on_a_phone(
    page, live_server, planning_track, kind_staff
):
    reviewer = UserFactory(
        name="Professor with a rather long name", email="long.name.expert@university.ac.kr"
    )
    CommitteeMember.objects.create(track=planning_track, reviewer=reviewer)
    page.set_viewport_size(PHONE)
    log_in(page, live_server, kind_staff)
    page.goto(f"/staff/reviews/tracks/{planning_track.pk}/committee/")

    members = page.locator("table", has=page.locator("caption", has_text="Members"))
    assert members.locator("thead").bounding_box()["height"] <= 1
    email = members.locator("tbody td").nth(1)
    assert email.evaluate("(el) => getComputedStyle(el, '::before').content") == '"E-mail"'
    remove = members.get_by_role("button", name="Remove")
    expect(remove).to_be_visible()
    assert remove.bounding_box()["x"] + remove.bounding_box()["width"] <= PHONE["width"]


# For each marked step: how far its mark runs below the status ("Complete"/"Incomplete") line.
MARK_BELOW_STATUS = """() => [...document.querySelectorAll('ol.steps a.done, ol.steps a.problem')]
    .map((a) => {
        const style = getComputedStyle(a);
        const inner = a.getBoundingClientRect().bottom - parseFloat(style.paddingBottom)
            - parseFloat(style.borderBottomWidth);
        return [a.textContent.trim(), Math.round(inner - a.querySelector('.step-status')
            .getBoundingClientRect().bottom)];
    })
    .filter(([, below]) => below > 1)"""


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_section_steps_show_their_mark_beside_the_status(
    width, page, live_server, planning_track, applicant
):
    draft = ApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, applicant)
    page.goto(f"/applications/{draft.pk}/edit/project/")

    assert page.locator("ol.steps a.done").count() > 0
    assert page.evaluate(MARK_BELOW_STATUS) == []
