"""Recording a payment and withholding its tranche take their row locks in one order (the
tranche, then the request), so the two, done at once by two programme admins, wait for each
other instead of deadlocking: before, ``record_payment`` locked the request and then the
tranche, and ``withhold_tranche`` the tranche and then the requests, and PostgreSQL aborted one
of them with a server error."""

import threading

import pytest
from django.db import connection, connections

from awards import funding
from awards.models import PaymentRequest, Tranche
from tests.applications.test_submit_concurrency import Held, lock_refused
from tests.awards import test_funding as shared

company, partner, project, contract = (
    shared.company,
    shared.partner,
    shared.project,
    shared.contract,
)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL only"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_record_payment_waits_for_the_tranche_before_it_locks_the_request(
    contract, contractor, kind_staff, programme_admin
):
    request = shared.ask(contract, 1, contractor)
    request = funding.check_payment(request=request, actor=kind_staff)
    request = funding.approve_payment(request=request, actor=programme_admin)
    tranche_pk = request.tranche_id

    # A colleague withholding the tranche holds its lock.
    held_tranche = Held(lambda: Tranche.objects.select_for_update(of=("self",)).get(pk=tranche_pk))
    outcome = {}

    def record():
        try:
            outcome["request"] = funding.record_payment(
                request=request,
                paid_on=shared.today(),
                payment_reference="KEXIM-0009",
                actor=programme_admin,
            )
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=record)
    thread.start()
    try:
        # The recorder waits on the tranche and has not taken the request: the colleague can
        # still lock the request (as withholding does next) without waiting.
        thread.join(1.0)
        assert thread.is_alive(), outcome
        assert not lock_refused(
            lambda: PaymentRequest.objects.select_for_update(nowait=True).get(pk=request.pk)
        )
    finally:
        held_tranche.release()
        thread.join(30)
    assert "error" not in outcome, outcome
    request.refresh_from_db()
    assert request.status == "paid"
    assert Tranche.objects.get(pk=tranche_pk).status == "paid"
