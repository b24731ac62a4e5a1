"""A reason or note typed for someone else to read has one limit, held by ``core.domain``: the
page's field, the API's serializer and the service agree, and the service refuses longer text
whichever door it came by, with the message on the field. A browser's line breaks (CRLF) count
once. Before, a screening reason had no limit on its page and 2,000 in the API, a decline note none
and 5,000, a decision change 2,000 and 5,000."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications import services as application_services
from applications.api import ReasonSerializer, ScreenSerializer, ShortlistSerializer
from applications.forms import WithdrawForm
from applications.staff_views import BulkActionForm, ScreeningForm, ShortlistForm
from core.domain import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, DomainError
from results.api import DecisionChangeSerializer
from results.models import ApplicationResult, Decision
from results.services import COMMITTEE_SUMMARY_MAX_LENGTH, change_decision, propose_funding_line
from results.views import DecisionForm
from reviews import services as review_services
from reviews.api import DeclineSerializer, RemovalSerializer
from reviews.forms import DeclineForm, ReopenForm
from tests.factories import SubmittedApplicationFactory
from tests.factories.results import reviewed_application
from tests.page_forms import form_data
from tests.reviews.review_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
M = 1_000_000


def test_each_page_and_its_api_take_the_limit_of_core_domain():
    reasons = [
        WithdrawForm().fields["reason"],
        ScreeningForm().fields["reason"],
        BulkActionForm(tags=[]).fields["reason"],
        ShortlistForm(queryset=Decision.objects.none()).fields["reason"],
        DecisionForm().fields["reason"],
        ReopenForm().fields["reason"],
        ReasonSerializer().fields["reason"],
        ScreenSerializer().fields["reason"],
        ShortlistSerializer().fields["reason"],
        DecisionChangeSerializer().fields["reason"],
        RemovalSerializer().fields["reason"],
    ]
    assert {field.max_length for field in reasons} == {REASON_MAX_LENGTH}
    notes = [DeclineForm().fields["note"], DeclineSerializer().fields["note"]]
    assert {field.max_length for field in notes} == {NOTE_MAX_LENGTH}


def _refusal(call) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value


def test_screening_refuses_a_longer_reason_whichever_door(planning_track, kind_staff):
    application = SubmittedApplicationFactory(track=planning_track)
    error = _refusal(
        lambda: application_services.screen_application(
            application=application,
            eligible=False,
            reason="x" * (REASON_MAX_LENGTH + 1),
            actor=kind_staff,
        )
    )
    assert (error.code, error.field) == ("too_long", "reason")
    application.refresh_from_db()
    assert application.status == "submitted"
    # The same length with a browser's line breaks counts each once.
    lines = "x\r\n" * (REASON_MAX_LENGTH // 2 - 1) + "x"
    assert len(lines.replace("\r\n", "\n")) <= REASON_MAX_LENGTH < len(lines)
    application_services.screen_application(
        application=application, eligible=False, reason=lines, actor=kind_staff
    )
    application.refresh_from_db()
    assert application.status == "ineligible"


def test_a_long_withdrawal_reason_is_refused(planning_track, applicant):
    application = SubmittedApplicationFactory(
        track=planning_track, organization=applicant.organizations.first()
    )
    error = _refusal(
        lambda: application_services.withdraw_application(
            application=application, actor=applicant, reason="x" * (REASON_MAX_LENGTH + 1)
        )
    )
    assert (error.code, error.field) == ("too_long", "reason")
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_reviewers_long_decline_note_is_refused_on_the_note(assignment):
    error = _refusal(
        lambda: review_services.decline_assignment(
            assignment=assignment,
            reason="time",
            note="n" * (NOTE_MAX_LENGTH + 1),
            actor=assignment.reviewer,
        )
    )
    assert (error.code, error.field) == ("too_long", "note")
    assignment.refresh_from_db()
    assert assignment.status != "declined"


def test_the_decline_page_shows_the_limit_next_to_the_note(client, assignment):
    client.force_login(assignment.reviewer)
    url = reverse("reviews:decline", args=[assignment.pk])
    response = client.post(url, {"reason": "time", "note": "n" * (NOTE_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    assert "n" * 100 in response.content.decode()  # what was typed is kept
    assignment.refresh_from_db()
    assert assignment.status != "declined"


@pytest.fixture
def proposed(planning_track, applicant, kind_staff):
    planning_track.total_budget = 1_200 * M
    planning_track.save()
    org = applicant.organizations.first()
    app = reviewed_application(planning_track, budget_requested=500 * M, organization=org)
    ApplicationResult.objects.create(
        application=app,
        track=planning_track,
        official_score=Decimal("85.00"),
        rank=1,
        flags=[],
        reviewer_count=3,
    )
    propose_funding_line(track=planning_track, actor=kind_staff)
    return Decision.objects.get(application=app)


def test_a_decision_change_refuses_a_longer_reason_or_edited_summary(proposed, kind_staff):
    common = {"decision": proposed, "outcome": proposed.outcome, "actor": kind_staff}
    error = _refusal(lambda: change_decision(**common, reason="r" * (REASON_MAX_LENGTH + 1)))
    assert (error.code, error.field) == ("too_long", "reason")
    error = _refusal(
        lambda: change_decision(
            **common,
            reason="Edited.",
            committee_summary="s" * (COMMITTEE_SUMMARY_MAX_LENGTH + 1),
        )
    )
    assert (error.code, error.field) == ("too_long", "committee_summary")


def test_the_portals_own_long_summary_is_sent_back_unchanged_from_the_page(
    client, proposed, kind_staff
):
    # Every reviewer's overall comment, joined by the portal: longer than staff may type.
    long_summary = "\n\n".join(f"– Comment {i}. " + "w" * 5_000 for i in range(5))
    assert len(long_summary) > COMMITTEE_SUMMARY_MAX_LENGTH
    Decision.objects.filter(pk=proposed.pk).update(committee_summary=long_summary)
    client.force_login(kind_staff)
    url = reverse("staff_results:decision", args=[proposed.track_id, proposed.pk])
    data = form_data(client.get(url).content.decode(), having="reason")
    # The browser sends the text area's line breaks as CRLF.
    data.update(reason="Amount checked.", committee_summary=long_summary.replace("\n", "\r\n"))
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    proposed.refresh_from_db()
    assert proposed.committee_summary == long_summary
    assert proposed.reason == "Amount checked."
