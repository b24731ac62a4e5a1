"""A payment step names what it was taken on: "Checked" (or "Approve") from a page that showed
the request as first sent must not pass the party's resent, larger claim, which the checker never
saw. The page, the API and the service refuse it (``funding.refuse_if_changed_since``)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.audit import audit_events_for
from awards import funding
from awards.models import PaymentRequest
from core.domain import DomainError
from tests.api.conftest import client_for
from tests.awards import test_funding as shared
from tests.page_forms import form_data

# The funded project, its parties and its signed contract (tests/awards/test_funding.py).
company, partner, project, contract = (
    shared.company,
    shared.partner,
    shared.project,
    shared.contract,
)
ask, M = shared.ask, shared.M
pytestmark = pytest.mark.django_db


def _resent(request, contract, contractor, second_staff):
    """A colleague returns the request; the party sends it again claiming KRW 120 million."""
    funding.return_payment(request=request, feedback="Split the travel costs.", actor=second_staff)
    ask(contract, 1, contractor, lines={"personnel": 60 * M, "travel": 60 * M}, evidence=False)
    request = PaymentRequest.objects.get(pk=request.pk)
    assert (request.status, request.amount_krw) == ("requested", 120 * M)
    return request


def _opened(user, url, step):
    browser = Client()
    browser.force_login(user)
    return browser, form_data(
        browser.get(url).content.decode(), having="step", match={"step": step}
    )


def test_check_from_a_stale_page_does_not_pass_a_resent_claim(
    contract, contractor, kind_staff, second_staff
):
    request = ask(contract, 1, contractor, lines={"personnel": 60 * M, "travel": 20 * M})
    url = reverse("staff_awards:payment_request", args=[request.pk])
    browser, stale = _opened(kind_staff, url, "check")
    request = _resent(request, contract, contractor, second_staff)
    # The first checker, on the page that showed KRW 80 million, presses "Checked".
    response = browser.post(url, stale)
    request = PaymentRequest.objects.get(pk=request.pk)
    assert request.status == "requested", (
        "a KRW 120 million claim was marked checked from a page that showed KRW 80 million "
        f"(answer {response.status_code})"
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "has changed since you read it" in page and "KRW 120,000,000" in page
    assert request.checked_by is None
    assert not audit_events_for(request).filter(new_value="checked").exists()
    # The page now shows the request as it is: checking it from there is a deliberate choice.
    again = form_data(page, having="step", match={"step": "check"})
    assert again["amount_krw"] == str(120 * M)
    assert browser.post(url, again).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.checked_by) == ("checked", kind_staff)


def test_approve_from_a_stale_page_does_not_approve_a_resent_claim(
    contract, contractor, kind_staff, second_staff, programme_admin
):
    request = ask(contract, 1, contractor, lines={"personnel": 60 * M, "travel": 20 * M})
    funding.check_payment(request=request, actor=kind_staff)
    url = reverse("staff_awards:payment_request", args=[request.pk])
    browser, stale = _opened(programme_admin, url, "approve")
    request = _resent(request, contract, contractor, second_staff)
    funding.check_payment(request=request, actor=second_staff)
    response = browser.post(url, stale)
    assert response.status_code == 409
    request.refresh_from_db()
    assert (request.status, request.approved_by) == ("checked", None)


def test_a_step_without_what_the_page_showed_is_refused(contract, contractor, kind_staff):
    request = ask(contract, 1, contractor)
    browser = Client()
    browser.force_login(kind_staff)
    url = reverse("staff_awards:payment_request", args=[request.pk])
    response = browser.post(url, {"step": "check"})
    assert response.status_code == 400 and "This page is out of date" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "requested"


def test_the_service_compares_amount_and_time_sent(contract, contractor, kind_staff, second_staff):
    request = ask(contract, 1, contractor, lines={"personnel": 60 * M, "travel": 20 * M})
    first_sent = request.requested_at
    request = _resent(request, contract, contractor, second_staff)
    for seen in (
        {"seen_amount_krw": 80 * M, "seen_requested_at": first_sent},
        {"seen_amount_krw": 120 * M, "seen_requested_at": first_sent},  # the same claim, resent
        {"seen_amount_krw": 80 * M, "seen_requested_at": request.requested_at},
    ):
        with pytest.raises(DomainError) as refused:
            funding.check_payment(request=request, actor=kind_staff, **seen)
        assert refused.value.code == funding.CHANGED_SINCE
    request.refresh_from_db()
    assert request.status == "requested"
    checked = funding.check_payment(
        request=request,
        actor=kind_staff,
        seen_amount_krw=120 * M,
        seen_requested_at=request.requested_at,
    )
    assert checked.status == "checked"


def test_the_api_says_what_it_checked_and_approved(
    contract, contractor, kind_staff, second_staff, programme_admin
):
    request = ask(contract, 1, contractor, lines={"personnel": 60 * M, "travel": 20 * M})
    staff, admin = client_for(kind_staff), client_for(programme_admin)
    check = reverse("api:payment-request-check", kwargs={"pk": request.pk})
    read = staff.get(reverse("api:payment-request-detail", kwargs={"pk": request.pk})).json()
    seen = {"amount_krw": read["amount_krw"], "requested_at": read["requested_at"]}
    response = staff.post(check, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount_krw", "requested_at"}
    request = _resent(request, contract, contractor, second_staff)
    response = staff.post(check, seen, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "changed_meanwhile")
    assert PaymentRequest.objects.get(pk=request.pk).status == "requested"
    read = staff.get(reverse("api:payment-request-detail", kwargs={"pk": request.pk})).json()
    seen = {"amount_krw": read["amount_krw"], "requested_at": read["requested_at"]}
    response = staff.post(check, seen, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "checked")
    approve = reverse("api:payment-request-approve", kwargs={"pk": request.pk})
    response = admin.post(approve, {**seen, "amount_krw": 80 * M}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "changed_meanwhile")
    response = admin.post(approve, seen, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "approved")
