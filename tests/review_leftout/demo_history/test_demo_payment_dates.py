"""The demo's payment history reads in order: each paid request was requested, checked and
approved before the day it was paid (Korea time), as ``record_payment`` now insists."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from awards.models import PaymentRequest

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")


def test_every_demo_payment_is_dated_on_or_after_its_approval():
    paid = list(PaymentRequest.objects.filter(status=PaymentRequest.Status.PAID))
    assert paid, "the demo records payments"
    for request in paid:
        assert request.requested_at <= request.checked_at <= request.approved_at, request.pk
        assert request.paid_on >= timezone.localdate(request.approved_at, SEOUL), request.pk
