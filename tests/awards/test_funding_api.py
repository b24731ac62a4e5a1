"""Agreements and payment requests through the API: the same rules and services as the pages
(404 outside what the user reads, 403 for a refused action, 400 for a refused change), state
actions as POSTs, the list query counts flat."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.audit import audit_events_for
from awards.models import PaymentRequest
from notifications.models import Message
from tests.api.conftest import client_for, ids, results
from tests.awards import test_funding as shared

company, partner, project, contract, second_admin = (
    shared.company,
    shared.partner,
    shared.project,
    shared.contract,
    shared.second_admin,
)
M, accept, ask, pdf, today, tranche = (
    shared.M,
    shared.accept,
    shared.ask,
    shared.pdf,
    shared.today,
    shared.tranche,
)

pytestmark = pytest.mark.django_db


def url(basename, obj=None, action=None):
    if obj is None:
        return reverse(f"api:{basename}-list")
    return reverse(f"api:{basename}-{action or 'detail'}", kwargs={"pk": obj.pk})


@pytest.fixture
def request_1(contract, contractor):
    return ask(contract, 1, contractor)


def read(request) -> dict:
    """What a client read of the request, which a check or an approval sends back."""
    return {"amount_krw": request.amount_krw, "requested_at": request.requested_at.isoformat()}


# --- Agreements --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["contractor", "applicant", "kind_staff", "programme_admin"])
def test_agreements_listed_for_party_partner_and_staff(request, who, contract):
    client = client_for(request.getfixturevalue(who))
    rows = results(client.get(url("agreement"), {"project": contract.project.code}))
    assert [row["reference"] for row in rows] == ["KCN-SC-2026-PL-007"]
    assert [t["amount_krw"] for t in rows[0]["tranches"]] == [120 * M, 160 * M, 120 * M]
    assert {line["category"] for line in rows[0]["budget_lines"]} == {
        "personnel",
        "travel",
        "workshops",
    }
    detail = client.get(url("agreement", contract)).json()
    assert detail["execution"]["planned"] == 400 * M
    assert detail["execution"]["lines"][0]["category"] == "personnel"


@pytest.mark.parametrize("who", ["kaia_staff", "other_applicant", "reviewer"])
def test_agreements_hidden_from_others(request, who, contract):
    client = client_for(request.getfixturevalue(who))
    response = client.get(url("agreement"))
    assert ids(response) == set()
    assert "KCN-SC" not in response.content.decode()
    assert client.get(url("agreement", contract)).status_code == 404


def test_agreement_execution_in_the_api(contract, contractor, kind_staff, programme_admin):
    shared.paid(ask(contract, 1, contractor), kind_staff, programme_admin)
    execution = client_for(contractor).get(url("agreement", contract)).json()["execution"]
    assert (execution["claimed"], execution["approved"], execution["paid"]) == (
        120 * M,
        120 * M,
        120 * M,
    )
    assert all(isinstance(line["paid"], int) for line in execution["lines"])


# --- Payment requests --------------------------------------------------------------------------


def test_party_creates_a_request_with_its_evidence(contract, contractor, kind_staff):
    response = client_for(contractor).post(
        url("payment-request"),
        {
            "tranche": tranche(contract, 1).pk,
            "lines.personnel": "60000000",
            "lines.travel": "40000000",
            "note": "Mobilisation",
            "evidence": pdf("invoice.pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount_krw"], body["status"], body["tranche_number"]) == (100 * M, "requested", 1)
    assert {line["category"]: line["amount_krw"] for line in body["lines"]} == {
        "personnel": 60 * M,
        "travel": 40 * M,
    }
    assert Message.objects.filter(
        template="awards/payment_requested", recipient=kind_staff
    ).exists()


def test_create_refusals_are_400_with_the_field(contract, contractor):
    client = client_for(contractor)
    response = client.post(
        url("payment-request"),
        {"tranche": tranche(contract, 2).pk, "lines.personnel": "1000", "evidence": pdf()},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "not_due"
    response = client.post(
        url("payment-request"),
        {"tranche": tranche(contract, 1).pk, "lines.workshops": "100000001", "evidence": pdf()},
        format="multipart",
    )
    assert response.status_code == 400
    assert "line_workshops" in response.json()["errors"]
    response = client.post(
        url("payment-request"),
        {"tranche": tranche(contract, 1).pk, "lines": {"personnel": 1000}},
        format="json",
    )
    assert response.status_code == 400 and "evidence" in response.json()["errors"]
    assert not PaymentRequest.objects.exists()


@pytest.mark.parametrize("who", ["applicant", "kind_staff"])
def test_only_the_party_creates(request, who, contract):
    # The partner and staff read the agreement, so the tranche is visible: the rule says no.
    response = client_for(request.getfixturevalue(who)).post(
        url("payment-request"),
        {"tranche": tranche(contract, 1).pk, "lines.personnel": "1000", "evidence": pdf()},
        format="multipart",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["other_applicant", "kaia_staff", "reviewer"])
def test_others_cannot_even_name_the_tranche(request, who, contract):
    response = client_for(request.getfixturevalue(who)).post(
        url("payment-request"),
        {"tranche": tranche(contract, 1).pk, "lines.personnel": "1000", "evidence": pdf()},
        format="multipart",
    )
    assert response.status_code == 400 and "tranche" in response.json()["errors"]


def test_request_states_through_actions(
    request_1, contractor, kind_staff, programme_admin, contract
):
    staff, admin = client_for(kind_staff), client_for(programme_admin)
    assert (
        client_for(contractor).post(url("payment-request", request_1, "check")).status_code == 403
    )
    assert staff.post(url("payment-request", request_1, "approve")).status_code == 403
    response = staff.post(url("payment-request", request_1, "check"), read(request_1))
    assert (response.status_code, response.json()["status"]) == (200, "checked")
    response = admin.post(url("payment-request", request_1, "approve"), read(request_1))
    assert (response.status_code, response.json()["status"]) == (200, "approved")
    response = admin.post(url("payment-request", request_1, "pay"), {"payment_reference": "R"})
    assert response.status_code == 400 and "paid_on" in response.json()["errors"]
    response = admin.post(
        url("payment-request", request_1, "pay"),
        {"paid_on": today().isoformat(), "payment_reference": "KEXIM-1"},
        format="json",
    )
    assert response.json()["status"] == "paid"
    assert tranche(contract, 1).status == "paid"
    events = list(
        audit_events_for(request_1).filter(action="status").values_list("new_value", "actor")
    )
    assert events == [
        ("checked", kind_staff.pk),
        ("approved", programme_admin.pk),
        ("paid", programme_admin.pk),
    ]


def test_return_and_reject_through_actions(request_1, kind_staff, contractor):
    staff = client_for(kind_staff)
    response = staff.post(url("payment-request", request_1, "return"), {}, format="json")
    assert response.status_code == 400 and "feedback" in response.json()["errors"]
    response = staff.post(
        url("payment-request", request_1, "return"), {"feedback": "Add invoices."}, format="json"
    )
    assert response.json()["status"] == "returned"
    assert Message.objects.filter(template="awards/payment_returned", recipient=contractor).exists()
    response = staff.post(
        url("payment-request", request_1, "reject"), {"feedback": "No."}, format="json"
    )
    assert response.status_code == 400  # a returned request waits for the party
    assert response.json()["code"] == "illegal_transition"


def test_four_eyes_in_the_api(request_1, programme_admin, second_admin):
    approve = url("payment-request", request_1, "approve")
    client_for(programme_admin).post(url("payment-request", request_1, "check"), read(request_1))
    response = client_for(programme_admin).post(approve, read(request_1))
    assert response.status_code == 400 and response.json()["code"] == "four_eyes"
    assert client_for(second_admin).post(approve, read(request_1)).status_code == 200


@pytest.mark.parametrize("who", ["applicant", "kaia_staff", "other_applicant", "reviewer"])
def test_requests_hidden_from_others(request, who, request_1):
    client = client_for(request.getfixturevalue(who))
    assert ids(client.get(url("payment-request"))) == set()
    assert client.get(url("payment-request", request_1)).status_code == 404
    assert client.post(url("payment-request", request_1, "check")).status_code == 404


@pytest.mark.parametrize("who", ["contractor", "kind_staff", "programme_admin"])
def test_requests_listed_for_party_and_staff(request, who, request_1):
    client = client_for(request.getfixturevalue(who))
    assert ids(client.get(url("payment-request"), {"status": "requested"})) == {request_1.pk}
    assert client.get(url("payment-request", request_1)).json()["amount_krw"] == 120 * M


def _count(client, address):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(address)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_api_lists_do_not_grow_with_rows(
    contract, contractor, kind_staff, programme_admin, project
):
    ask(contract, 1, contractor)
    client = client_for(programme_admin)
    _count(client, url("agreement")), _count(client, url("payment-request"))
    one = (_count(client, url("agreement")), _count(client, url("payment-request")))
    shared.paid(PaymentRequest.objects.get(), kind_staff, programme_admin)
    accept(project, "interim_report")
    ask(contract, 2, contractor, lines={"personnel": 100 * M})
    grant = shared.funding.create_agreement(
        project=project,
        kind="grant_agreement",
        party=partner_of(project),
        starts_on=today(),
        ends_on=today(),
        actor=kind_staff,
    )
    assert grant.pk
    many = (_count(client, url("agreement")), _count(client, url("payment-request")))
    assert many == one


def partner_of(project):
    return project.partner
