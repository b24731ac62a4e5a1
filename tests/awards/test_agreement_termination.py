"""Terminating an agreement before its term (``awards.funding.terminate_agreement``): programme
admins only, with a reason; nothing more is paid under it, what was paid stays paid and keeps
counting against the award; amendments still requested are refused; the project goes on and
takes a new agreement of the same kind (reference ``-2``); the contractor is not reminded of
deliverables meanwhile; the same service behind the staff page and the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_events_for
from awards import funding
from awards.contractor_selection import remind_deliverables
from awards.models import Agreement, Amendment, Deliverable
from core.domain import DomainError
from notifications.models import Message
from notifications.services import render_message
from tests.api.conftest import client_for
from tests.awards import test_funding as shared

company, partner, project, contract = (
    shared.company,
    shared.partner,
    shared.project,
    shared.contract,
)
M, accept, ask, paid, pdf, today, tranche = (
    shared.M,
    shared.accept,
    shared.ask,
    shared.paid,
    shared.pdf,
    shared.today,
    shared.tranche,
)

pytestmark = pytest.mark.django_db

REASON = "The contractor stopped work in March and did not answer two formal notices."


def test_terminating_cancels_what_is_unpaid_and_keeps_what_was_paid(
    contract, contractor, kind_staff, programme_admin, project
):
    paid(ask(contract, 1, contractor), kind_staff, programme_admin)
    accept(project, Deliverable.Kind.INTERIM)
    open_request = ask(contract, 2, contractor, lines={"personnel": 100 * M})
    amendment = funding.request_amendment(
        agreement=contract,
        kind=Amendment.Kind.SCOPE,
        changes={"scope": "Less"},
        reason="Scope",
        actor=contractor,
    )

    ended = funding.terminate_agreement(agreement=contract, reason=REASON, actor=programme_admin)

    assert (ended.status, ended.terminated_reason) == ("terminated", REASON)
    assert ended.terminated_at is not None
    assert list(contract.tranches.order_by("number").values_list("status", flat=True)) == [
        "paid",
        "cancelled",
        "cancelled",
    ]
    open_request.refresh_from_db()
    amendment.refresh_from_db()
    assert (open_request.status, open_request.feedback) == ("cancelled", REASON)
    assert (amendment.status, amendment.decision_note) == ("refused", REASON)
    event = audit_events_for(contract).get(action="status", new_value="terminated")
    assert (event.actor, event.old_value, event.detail["reason"]) == (
        programme_admin,
        "signed",
        REASON,
    )
    assert event.detail["tranches_cancelled"] == [2, 3]
    assert Message.objects.filter(
        template="awards/agreement_terminated", recipient=contractor, channel="email"
    ).exists()
    assert Message.objects.filter(
        template="awards/agreement_terminated", recipient=kind_staff, channel="email"
    ).exists()
    project.refresh_from_db()
    assert project.status == "active"  # the project goes on
    with pytest.raises(DomainError) as refused:
        ask(contract, 2, contractor)
    assert refused.value.code in {"not_signed", "tranche_closed"}


@pytest.mark.parametrize("who", ["kind_staff", "contractor", "applicant"])
def test_only_a_programme_admin_terminates(request, contract, who):
    with pytest.raises(DomainError) as refused:
        funding.terminate_agreement(
            agreement=contract, reason=REASON, actor=request.getfixturevalue(who)
        )
    assert refused.value.code == "forbidden"
    contract.refresh_from_db()
    assert contract.status == "signed"


def test_an_agreement_of_a_closed_project_is_not_terminated(contract, programme_admin, project):
    from projects.models import Project

    Project.objects.filter(pk=project.pk).update(status=Project.Status.COMPLETED)
    with pytest.raises(DomainError) as refused:
        funding.terminate_agreement(agreement=contract, reason=REASON, actor=programme_admin)
    assert refused.value.code == "inactive"
    contract.refresh_from_db()
    assert contract.status == "signed"


def test_a_reason_is_required_and_a_second_termination_refused(contract, programme_admin):
    with pytest.raises(DomainError) as refused:
        funding.terminate_agreement(agreement=contract, reason="  ", actor=programme_admin)
    assert refused.value.field == "reason"
    funding.terminate_agreement(agreement=contract, reason=REASON, actor=programme_admin)
    with pytest.raises(DomainError) as refused:
        funding.terminate_agreement(agreement=contract, reason=REASON, actor=programme_admin)
    assert refused.value.code == "terminated"
    assert audit_events_for(contract).filter(new_value="terminated").count() == 1


def test_a_new_agreement_follows_with_the_rest_of_the_award(
    contract, contractor, kind_staff, programme_admin, project
):
    paid(ask(contract, 1, contractor), kind_staff, programme_admin)  # 120 million paid
    funding.terminate_agreement(agreement=contract, reason=REASON, actor=programme_admin)
    follower = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.SERVICE,
        party=project.contractor,
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 6, 30),
        actor=kind_staff,
    )
    assert follower.reference == f"{contract.reference}-2"
    # What the first one paid still counts: 280 million are left of the 400.
    with pytest.raises(DomainError) as refused:
        funding.set_budget_lines(agreement=follower, lines={"personnel": 281 * M}, actor=kind_staff)
    assert refused.value.code == "over_award"
    funding.set_budget_lines(agreement=follower, lines={"personnel": 280 * M}, actor=kind_staff)
    # Still one of a kind in force.
    with pytest.raises(DomainError) as refused:
        funding.create_agreement(
            project=project,
            kind=Agreement.Kind.SERVICE,
            party=project.contractor,
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2027, 6, 30),
            actor=kind_staff,
        )
    assert refused.value.field == "kind"


def test_deliverables_are_not_reminded_until_a_new_contract_is_signed(
    contract, contractor, kind_staff, programme_admin, project
):
    soon = today() + datetime.timedelta(days=3)
    Deliverable.objects.filter(project=project).update(due_on=soon)
    funding.terminate_agreement(agreement=contract, reason=REASON, actor=programme_admin)
    assert remind_deliverables(today=today()) == 0
    follower = shared.make_contract(project, kind_staff, lines={"personnel": 400 * M})
    funding.sign_agreement(agreement=follower, signed_on=today(), uploaded=pdf(), actor=kind_staff)
    Deliverable.objects.filter(project=project).update(due_on=soon)
    assert remind_deliverables(today=today()) > 0


def test_staff_page_terminates_with_the_reason_next_to_the_field(
    client, contract, kind_staff, programme_admin
):
    page = reverse("staff_awards:agreement", args=[contract.project.code, contract.pk])
    action = reverse("staff_awards:agreement_terminate", args=[contract.project.code, contract.pk])
    client.force_login(kind_staff)
    assert action not in client.get(page).content.decode()  # not offered to secretariat staff
    assert client.post(action, {"reason": REASON}).status_code == 403
    client.force_login(programme_admin)
    assert action in client.get(page).content.decode()
    empty = client.post(action, {"reason": ""})
    assert empty.status_code == 400
    error = empty.content.decode().split('id="id_reason-error"', 1)[1].split("</p>", 1)[0]
    assert "This field is required." in error
    done = client.post(action, {"reason": REASON}, follow=True)
    assert "The agreement is terminated" in done.content.decode()
    body = done.content.decode()
    assert REASON in body and action not in body
    contract.refresh_from_db()
    assert contract.status == "terminated"


def test_the_party_sees_the_termination_in_korean(client, contract, contractor, programme_admin):
    contractor.language = "ko"
    contractor.save()
    funding.terminate_agreement(agreement=contract, reason=REASON, actor=programme_admin)
    client.force_login(contractor)
    body = client.get(
        reverse("awards:agreement", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "해지됨" in body and REASON in body
    mail = Message.objects.get(
        template="awards/agreement_terminated", recipient=contractor, channel="email"
    )
    render_message(mail)
    assert mail.subject == f"K-City 네트워크: {contract.reference} 해지"
    assert REASON in mail.body and "사업 자체는 계속됩니다" in mail.body


def test_api_terminates_with_the_same_rule(contract, kind_staff, programme_admin):
    url = reverse("api:agreement-terminate", kwargs={"pk": contract.pk})
    assert client_for(kind_staff).post(url, {"reason": REASON}, format="json").status_code == 403
    missing = client_for(programme_admin).post(url, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    done = client_for(programme_admin).post(url, {"reason": REASON}, format="json")
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["terminated_reason"]) == ("terminated", REASON)
    again = client_for(programme_admin).post(url, {"reason": REASON}, format="json")
    assert again.status_code == 400


# --- The company leaves the project: a new contractor is selected ----------------------------


def test_a_contractor_who_leaves_is_replaced_through_a_new_selection(
    contract, contractor, company, kind_staff, programme_admin, project
):
    from awards.contractor_selection import open_contractor_selection, select_contractor
    from projects.models import Call
    from projects.services import transition_call
    from tests.awards.test_contractor_selection import _closed_selection, _score_one_company

    with pytest.raises(DomainError):  # the project has its contractor
        _closed_selection(project, kind_staff)
    funding.terminate_agreement(
        agreement=contract, reason=REASON, release_contractor=True, actor=programme_admin
    )
    project.refresh_from_db()
    assert project.contractor_id is None
    released = audit_events_for(project).get(action="contractor_released")
    assert (released.old_value, released.actor) == (str(company.pk), programme_admin)
    assert remind_deliverables(today=today()) == 0  # nobody owes the deliverables now

    first = _closed_selection(project, kind_staff)
    newcomer = _score_one_company(first.tracks.get(), kind_staff)
    project = select_contractor(track=first.tracks.get(), actor=kind_staff)
    assert project.contractor == newcomer != company
    follower = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.SERVICE,
        party=newcomer,
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 6, 30),
        actor=kind_staff,
    )
    assert follower.reference == f"{contract.reference}-2"
    funding.set_budget_lines(agreement=follower, lines={"personnel": 400 * M}, actor=kind_staff)
    funding.sign_agreement(agreement=follower, signed_on=today(), uploaded=pdf(), actor=kind_staff)

    # It leaves too: its decided selection is archived, and a third company may be selected.
    funding.terminate_agreement(
        agreement=follower, reason="Second failure.", release_contractor=True, actor=programme_admin
    )
    first.refresh_from_db()
    assert first.status == Call.Status.ARCHIVED
    with pytest.raises(DomainError, match="archived"):
        select_contractor(track=first.tracks.get(), actor=kind_staff)  # no winner twice
    project.refresh_from_db()
    now = timezone.now()
    second = open_contractor_selection(
        project=project,
        actor=kind_staff,
        opens_at=now + datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=20),
    )
    assert second.slug == f"{first.slug}-2"
    assert transition_call(call=second, to=Call.Status.PUBLISHED, actor=kind_staff)


def test_only_a_service_contracts_company_leaves_with_it(
    project, partner, kind_staff, programme_admin
):
    grant = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2027, 6, 30),
        actor=kind_staff,
    )
    with pytest.raises(DomainError) as refused:
        funding.terminate_agreement(
            agreement=grant, reason=REASON, release_contractor=True, actor=programme_admin
        )
    assert refused.value.field == "release_contractor"
    grant.refresh_from_db()
    project.refresh_from_db()
    assert (grant.status, project.contractor_id is not None) == ("draft", True)


def test_a_company_that_is_not_the_projects_contractor_cannot_leave_it(
    contract, company, programme_admin, project
):
    from tests.factories import OrganizationFactory

    other = OrganizationFactory(kind="korean_company", country_code="KR")
    type(project).objects.filter(pk=project.pk).update(contractor=other)
    with pytest.raises(DomainError) as refused:
        funding.terminate_agreement(
            agreement=contract, reason=REASON, release_contractor=True, actor=programme_admin
        )
    assert refused.value.field == "release_contractor"
    contract.refresh_from_db()
    project.refresh_from_db()
    assert (contract.status, project.contractor) == ("signed", other)
    assert not audit_events_for(project).filter(action="contractor_released").exists()


def test_the_page_offers_the_company_leaving_only_on_a_service_contract(
    client, contract, programme_admin, project
):
    client.force_login(programme_admin)
    page = reverse("staff_awards:agreement", args=[project.code, contract.pk])
    assert 'name="release_contractor"' in client.get(page).content.decode()
    action = reverse("staff_awards:agreement_terminate", args=[project.code, contract.pk])
    response = client.post(action, {"reason": REASON, "release_contractor": "on"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.contractor_id is None


def test_the_next_contractor_does_not_see_the_versions_of_the_company_that_left(
    client, contract, contractor, company, kind_staff, programme_admin, project
):
    """A company's deliverable files and the feedback on them stay its own: after it leaves,
    the next contractor sees the deliverable (due date, status) but not its versions, on the
    page, as downloads or through the API; staff see every version with its company."""
    from rest_framework.test import APIClient

    from accounts import roles
    from awards.contractor_selection import (
        review_deliverable,
        select_contractor,
        submit_deliverable,
    )
    from awards.models import DeliverableVersion
    from tests.awards.test_contractor_selection import _closed_selection, _score_one_company
    from tests.factories import UserFactory

    interim = Deliverable.objects.get(project=project, kind=Deliverable.Kind.INTERIM)
    submit_deliverable(deliverable=interim, uploaded=pdf("left-behind.pdf"), actor=contractor)
    review_deliverable(
        deliverable=interim, accept=False, feedback="Hanul: redo the survey.", actor=kind_staff
    )
    assert interim.versions.get().organization == company
    funding.terminate_agreement(
        agreement=contract, reason=REASON, release_contractor=True, actor=programme_admin
    )
    project.refresh_from_db()
    selection = _closed_selection(project, kind_staff)
    newcomer = _score_one_company(selection.tracks.get(), kind_staff)
    select_contractor(track=selection.tracks.get(), actor=kind_staff)
    successor = UserFactory(roles=[roles.CONTRACTOR], organizations=[newcomer])

    page = reverse("awards:deliverable", args=[interim.pk])
    old_version = reverse("awards:deliverable_version_file", args=[interim.pk, 1])
    latest = reverse("awards:deliverable_file", args=[interim.pk])
    client.force_login(successor)
    body = client.get(page).content.decode()
    assert "left-behind.pdf" not in body and "redo the survey" not in body
    assert "previous contractor" in body
    assert client.get(old_version).status_code == 404
    assert client.get(latest).status_code == 404
    api = APIClient()
    api.force_authenticate(successor)
    data = api.get(reverse("api:deliverable-detail", args=[interim.pk])).json()
    assert (data["status"], data["original_name"], data["feedback"]) == ("returned", "", "")

    # Staff settle the submission the company left behind: the newcomer is not told about it.
    # (Returned again here; the newcomer then sends its own version.)
    Deliverable.objects.filter(pk=interim.pk).update(status=Deliverable.Status.SUBMITTED)
    Message.objects.all().delete()
    review_deliverable(
        deliverable=interim, accept=False, feedback="Hanul: still missing.", actor=kind_staff
    )
    assert not Message.objects.filter(template="results/deliverable_reviewed").exists()

    # The newcomer sends its own version: it sees that one, and only that one.
    submit_deliverable(deliverable=interim, uploaded=pdf("fresh.pdf"), actor=successor)
    body = client.get(page).content.decode()
    assert "fresh.pdf" in body and "left-behind.pdf" not in body
    assert (
        client.get(reverse("awards:deliverable_version_file", args=[interim.pk, 2])).status_code
        == 200
    )
    assert client.get(old_version).status_code == 404
    assert client.get(latest).status_code == 200
    review_deliverable(deliverable=interim, accept=True, feedback="", actor=kind_staff)
    assert Message.objects.filter(
        template="results/deliverable_reviewed", recipient=successor
    ).exists()

    # Staff who follow the project see both, each with its company.
    client.force_login(kind_staff)
    body = client.get(page).content.decode()
    assert "left-behind.pdf" in body and "fresh.pdf" in body
    assert company.name in body and newcomer.name in body
    assert client.get(old_version).status_code == 200
    assert list(
        DeliverableVersion.objects.filter(deliverable=interim)
        .order_by("number")
        .values_list("organization", flat=True)
    ) == [company.pk, newcomer.pk]
