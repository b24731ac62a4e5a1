"""Throttling per anonymous client and per user, answered in the common error shape."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch):
    # The rates are read when the throttle classes are defined; the test suite's are very high.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min"})
    cache.clear()
    yield
    cache.clear()


def test_throttle_anonymous(api_client, low_rates):
    for _ in range(2):
        assert api_client.get(reverse("api:country-list")).status_code == 200
    response = api_client.get(reverse("api:country-list"))
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_throttle_per_user_not_shared(applicant, other_applicant, low_rates):
    client = client_for(applicant)
    for _ in range(3):
        assert client.get(reverse("api:me")).status_code == 200
    assert client.get(reverse("api:me")).status_code == 429
    assert client_for(other_applicant).get(reverse("api:me")).status_code == 200
