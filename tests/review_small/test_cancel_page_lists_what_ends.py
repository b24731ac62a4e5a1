"""The staff cancel page says what cancelling does to the money before staff confirm: which
agreements are terminated, which tranches and payment requests are cancelled, and what stays
paid -- read from the same rule ``stop_future_payments`` follows, so the page never promises
something the service does not do."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from awards import funding
from awards.models import Agreement, Award, Deliverable, PaymentRequest, Tranche
from tests.awards.test_funding import M, accept, ask, paid

pytestmark = pytest.mark.django_db

REASON = "The city withdrew from the programme."


@pytest.fixture
def money(project, contract, contractor, kind_staff, programme_admin, partner):
    """Tranche 1 paid (120 M); tranche 2 requested (not paid); tranche 3 scheduled; a grant
    agreement with the partner still a draft."""
    paid(ask(contract, 1, contractor), kind_staff, programme_admin)
    accept(project, Deliverable.Kind.INTERIM)
    waiting = ask(contract, 2, contractor, lines={"personnel": 80 * M, "travel": 40 * M})
    grant = funding.create_agreement(
        project=project,
        kind=Agreement.Kind.GRANT,
        party=partner,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        actor=kind_staff,
    )
    return contract, grant, waiting


def _cancel_url(award):
    return reverse(
        "staff_awards:award_cancel",
        kwargs={"track_id": award.application.track_id, "pk": award.pk},
    )


def _section(body: str, element_id: str) -> str:
    match = re.search(rf'<ul id="{element_id}">(.*?)</ul>', body, re.S)
    assert match, f"no list {element_id} on the page"
    return match.group(1)


def test_cancel_page_lists_agreements_tranches_requests_and_what_stays_paid(
    client, project, money, kind_staff
):
    contract, grant, waiting = money
    award = Award.objects.get(project=project)
    client.force_login(kind_staff)
    response = client.get(_cancel_url(award))
    assert response.status_code == 200
    body = response.content.decode()

    ended = _section(body, "agreements-terminated")
    assert contract.reference in ended and grant.reference in ended
    tranches = _section(body, "tranches-cancelled")
    assert f"{contract.reference}, tranche 2" in tranches
    assert f"{contract.reference}, tranche 3" in tranches
    assert "tranche 1" not in tranches  # paid: it stays paid
    requests = _section(body, "requests-cancelled")
    assert f"{contract.reference}, tranche 2" in requests and "120,000,000" in requests
    stays = _section(body, "stays-paid")
    assert f"{contract.reference}, tranche 1" in stays and "120,000,000" in stays

    # What the page listed is exactly what the service then does.
    client.post(_cancel_url(award), {"reason": REASON})
    assert set(Agreement.objects.filter(project=project, status=Agreement.Status.TERMINATED)) == {
        contract,
        grant,
    }
    assert set(
        Tranche.objects.filter(agreement=contract, status=Tranche.Status.CANCELLED).values_list(
            "number", flat=True
        )
    ) == {2, 3}
    waiting.refresh_from_db()
    assert waiting.status == PaymentRequest.Status.CANCELLED
    assert Tranche.objects.get(agreement=contract, number=1).status == Tranche.Status.PAID


def test_cancel_page_without_agreements_says_nothing_is_terminated(client, project, kind_staff):
    award = Award.objects.get(project=project)
    client.force_login(kind_staff)
    body = client.get(_cancel_url(award)).content.decode()
    assert 'id="agreements-terminated"' not in body
    assert "The project has no agreement in force: none is terminated." in body


def test_api_cancel_description_says_agreements_end(kind_staff):
    from tests.api.conftest import client_for

    schema = client_for(kind_staff).get("/api/schema/").content.decode()
    assert "every agreement still in force is terminated" in schema
