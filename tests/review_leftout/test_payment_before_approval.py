"""A payment is recorded on or after the day its request was approved (programme time): a
transfer dated before the approval would say the money left before anyone approved it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from awards import funding
from awards.models import PaymentRequest
from core.domain import DomainError
from tests.api.conftest import client_for, url
from tests.awards.test_funding import ask, today
from tests.second_factor import authenticator_app

pytestmark = pytest.mark.django_db

RS = PaymentRequest.Status


@pytest.fixture
def approved(contract, contractor, kind_staff, programme_admin):
    request = funding.check_payment(request=ask(contract, 1, contractor), actor=kind_staff)
    return funding.approve_payment(request=request, actor=programme_admin)


def _yesterday() -> datetime.date:
    return today() - datetime.timedelta(days=1)


def test_the_service_refuses_a_payment_dated_before_the_approval(approved, programme_admin):
    with pytest.raises(DomainError) as refused:
        funding.record_payment(
            request=approved, paid_on=_yesterday(), payment_reference="R-1", actor=programme_admin
        )
    assert refused.value.field == "paid_on"
    assert "approved" in str(refused.value)
    approved.refresh_from_db()
    assert approved.status == RS.APPROVED


def test_the_staff_page_shows_the_refusal_next_to_the_day(client, approved, programme_admin):
    client.force_login(programme_admin)
    page = reverse("staff_awards:payment_request", args=[approved.pk])
    response = client.post(
        page, {"step": "pay", "paid_on": _yesterday().isoformat(), "payment_reference": "R-1"}
    )
    assert response.status_code == 400
    assert "paid_on" in response.context["form"].errors
    approved.refresh_from_db()
    assert approved.status == RS.APPROVED
    response = client.post(
        page, {"step": "pay", "paid_on": today().isoformat(), "payment_reference": "R-1"}
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert (approved.status, approved.paid_on) == (RS.PAID, today())


def test_the_api_answers_400_on_the_day(approved, programme_admin):
    authenticator_app(programme_admin)  # the admin's role needs it before a token works
    response = client_for(programme_admin).post(
        url("payment-request", approved, "pay"),
        {"paid_on": _yesterday().isoformat(), "payment_reference": "KEXIM-1"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "paid_on" in response.json()["errors"]
    approved.refresh_from_db()
    assert approved.status == RS.APPROVED


def test_the_approval_day_is_read_in_programme_time(approved, programme_admin, settings):
    """Approved at 00:30 in Seoul (15:30 UTC the day before): paid that Seoul day is fine."""
    seoul_day = today() - datetime.timedelta(days=3)
    approved_at = datetime.datetime.combine(
        seoul_day, datetime.time(0, 30), tzinfo=datetime.timezone(datetime.timedelta(hours=9))
    )
    PaymentRequest.objects.filter(pk=approved.pk).update(approved_at=approved_at)
    assert approved_at.astimezone(datetime.UTC).date() < seoul_day
    paid = funding.record_payment(
        request=approved, paid_on=seoul_day, payment_reference="R-1", actor=programme_admin
    )
    assert paid.status == RS.PAID and timezone.is_aware(paid.approved_at)
