"""The agreement and payment pages: each role on each page and file, forms that keep what was
typed and show the refusal next to its field, downloads never cached, query counts flat."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from awards import funding
from awards.models import Agreement, Amendment, Deliverable, PaymentRequest
from notifications.models import Message
from tests.awards import test_funding as shared
from tests.factories import OrganizationFactory, UserFactory

# The funded project, its parties and its signed contract (tests/awards/test_funding.py).
company, partner, project, contract = (
    shared.company,
    shared.partner,
    shared.project,
    shared.contract,
)
M, accept, ask, make_contract, pdf, today, tranche = (
    shared.M,
    shared.accept,
    shared.ask,
    shared.make_contract,
    shared.pdf,
    shared.today,
    shared.tranche,
)
pytestmark = pytest.mark.django_db


@pytest.fixture
def other_contractor(role_groups):
    other = OrganizationFactory(name="Other Company", kind="korean_company", country_code="KR")
    return UserFactory(email="pm@other.example", roles=[roles.CONTRACTOR], organizations=[other])


@pytest.fixture
def request_1(contract, contractor):
    return ask(contract, 1, contractor)


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- Who opens which page -------------------------------------------------------------------


def test_party_sees_its_agreement_schedule_execution_and_requests(client, contract, contractor):
    response = _get(client, contractor, reverse("awards:agreements"))
    assert response.status_code == 200 and contract.reference in response.content.decode()
    page = _get(
        client, contractor, reverse("awards:agreement", args=[contract.pk])
    ).content.decode()
    assert "KCN-SC-2026-PL-007" in page
    assert reverse("awards:request_payment", args=[contract.pk, tranche(contract, 1).pk]) in page
    assert reverse("awards:agreement_file", args=[contract.pk]) in page
    assert "Budget execution" in page and "KRW 200,000,000" in page


def test_partner_reads_the_agreement_without_requests_or_files(
    client, contract, request_1, applicant
):
    response = _get(client, applicant, reverse("awards:agreement", args=[contract.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "KRW 120,000,000" in page  # the claimed figure in the execution table
    assert reverse("awards:payment_evidence", args=[request_1.pk]) not in page
    assert reverse("awards:agreement_file", args=[contract.pk]) not in page
    assert "Request this payment" not in page
    assert (
        _get(client, applicant, reverse("awards:agreement_file", args=[contract.pk])).status_code
        == 404
    )
    assert (
        _get(client, applicant, reverse("awards:payment_evidence", args=[request_1.pk])).status_code
        == 404
    )
    url = reverse("awards:request_payment", args=[contract.pk, tranche(contract, 1).pk])
    assert _get(client, applicant, url).status_code == 404
    assert (
        _get(client, applicant, reverse("awards:request_amendment", args=[contract.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["other_applicant", "reviewer", "other_contractor", "kaia_staff"])
def test_outsiders_get_404_on_every_party_page_and_file(client, request, contract, request_1, who):
    user = request.getfixturevalue(who)
    urls = [
        reverse("awards:agreement", args=[contract.pk]),
        reverse("awards:agreement_file", args=[contract.pk]),
        reverse("awards:request_payment", args=[contract.pk, tranche(contract, 1).pk]),
        reverse("awards:request_amendment", args=[contract.pk]),
        reverse("awards:payment_evidence", args=[request_1.pk]),
    ]
    for url in urls:
        assert _get(client, user, url).status_code == 404, url
    listing = _get(client, user, reverse("awards:agreements")).content.decode()
    assert contract.reference not in listing


@pytest.mark.parametrize("who", ["other_applicant", "reviewer", "other_contractor", "applicant"])
def test_non_staff_get_403_on_staff_pages(client, request, contract, request_1, who):
    user = request.getfixturevalue(who)
    code = contract.project.code
    for url in (
        reverse("staff_awards:agreements", args=[code]),
        reverse("staff_awards:agreement", args=[code, contract.pk]),
        reverse("staff_awards:payment_requests"),
        reverse("staff_awards:payment_request", args=[request_1.pk]),
    ):
        assert _get(client, user, url).status_code == 403, url


def test_other_secretariat_gets_404_on_staff_pages(client, contract, request_1, kaia_staff):
    code = contract.project.code
    for url in (
        reverse("staff_awards:agreements", args=[code]),
        reverse("staff_awards:agreement", args=[code, contract.pk]),
        reverse("staff_awards:payment_request", args=[request_1.pk]),
    ):
        assert _get(client, kaia_staff, url).status_code == 404, url
    queue = _get(client, kaia_staff, reverse("staff_awards:payment_requests")).content.decode()
    assert contract.reference not in queue


def test_downloads_are_never_cached(client, contract, request_1, contractor, kind_staff):
    for user in (contractor, kind_staff):
        for url in (
            reverse("awards:agreement_file", args=[contract.pk]),
            reverse("awards:payment_evidence", args=[request_1.pk]),
        ):
            response = _get(client, user, url)
            assert response.status_code == 200
            assert b"".join(response.streaming_content).startswith(b"%PDF")
            assert "no-store" in response["Cache-Control"]
            assert "attachment" in response["Content-Disposition"]


# --- The party's forms ------------------------------------------------------------------------


def _request_url(contract, number):
    return reverse("awards:request_payment", args=[contract.pk, tranche(contract, number).pk])


def test_party_requests_a_payment(client, contract, contractor, kind_staff):
    client.force_login(contractor)
    response = client.post(
        _request_url(contract, 1),
        {
            "line_personnel": "70000000",
            "line_travel": "50000000",
            "note": "First tranche",
            "evidence": pdf("invoice.pdf"),
        },
    )
    assert response.status_code == 302
    request = PaymentRequest.objects.get()
    assert (request.amount_krw, request.note, request.requested_by) == (
        120 * M,
        "First tranche",
        contractor,
    )
    assert Message.objects.filter(
        template="awards/payment_requested", recipient=kind_staff
    ).exists()


def test_payment_form_keeps_what_was_typed_and_shows_the_refusal_by_its_field(
    client, contract, contractor
):
    client.force_login(contractor)
    response = client.post(
        _request_url(contract, 1),
        {
            "line_personnel": "20000000",
            "line_workshops": "100000001",
            "note": "Keep me",
            "evidence": pdf(),
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert (
        "line_workshops" in form.errors and "left of its plan" in form.errors["line_workshops"][0]
    )
    page = response.content.decode()
    assert 'value="100000001"' in page and "Keep me" in page and 'value="20000000"' in page
    assert not PaymentRequest.objects.exists()


def test_payment_form_bad_number_and_missing_evidence(client, contract, contractor):
    client.force_login(contractor)
    response = client.post(_request_url(contract, 1), {"line_personnel": "ten"})
    assert response.status_code == 400 and "line_personnel" in response.context["form"].errors
    response = client.post(_request_url(contract, 1), {"line_personnel": "1000"})
    assert response.status_code == 400 and "evidence" in response.context["form"].errors
    assert 'value="1000"' in response.content.decode()


def test_payment_form_before_the_deliverable_is_accepted(client, contract, contractor):
    client.force_login(contractor)
    response = client.post(_request_url(contract, 2), {"line_personnel": "1000", "evidence": pdf()})
    assert response.status_code == 400
    assert "has not been accepted yet" in response.content.decode()


def test_returned_request_is_corrected_on_the_same_form(
    client, contract, request_1, contractor, kind_staff
):
    funding.return_payment(request=request_1, feedback="Add the boarding passes.", actor=kind_staff)
    client.force_login(contractor)
    page = client.get(_request_url(contract, 1))
    assert "Add the boarding passes." in page.content.decode()
    assert page.context["form"].initial["line_personnel"] == 60 * M
    response = client.post(
        _request_url(contract, 1), {"line_personnel": "60000000", "line_travel": "50000000"}
    )
    assert response.status_code == 302
    request_1.refresh_from_db()
    assert (request_1.status, request_1.amount_krw) == ("requested", 110 * M)


def test_party_requests_an_amendment(client, contract, contractor):
    client.force_login(contractor)
    url = reverse("awards:request_amendment", args=[contract.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "dates", "ends_on": "2027-09-30", "reason": "Monsoon."})
    assert response.status_code == 302
    assert Amendment.objects.get().changes == {"ends_on": "2027-09-30"}


def test_amendment_form_refusal_by_its_field(client, contract, contractor):
    client.force_login(contractor)
    url = reverse("awards:request_amendment", args=[contract.pk])
    response = client.post(
        url,
        {
            "kind": "budget",
            "line_personnel": "300000000",
            "line_travel": "100000000",
            "line_workshops": "100000000",
            "reason": "More staff.",
        },
    )
    assert response.status_code == 400
    assert "lines" not in response.context["form"].fields
    assert "total must stay" in response.content.decode()
    assert 'value="300000000"' in response.content.decode()
    response = client.post(url, {"kind": "dates", "ends_on": "2027-09-30", "reason": ""})
    assert "reason" in response.context["form"].errors
    assert not Amendment.objects.exists()


# --- Staff pages ------------------------------------------------------------------------------


def test_staff_create_an_agreement_and_set_its_budget(client, project, kind_staff, partner):
    client.force_login(kind_staff)
    url = reverse("staff_awards:agreements", args=[project.code])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["party"] == partner.pk
    response = client.post(
        url,
        {
            "kind": "grant_agreement",
            "party": partner.pk,
            "starts_on": "2026-07-01",
            "ends_on": "2027-06-30",
            "scope": "Sensors",
        },
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "staff_awards:agreement", args=[project.code, agreement.pk]
    )
    response = client.post(
        reverse("staff_awards:agreement_budget", args=[project.code, agreement.pk]),
        {"line_personnel": "50000000"},
    )
    assert response.status_code == 302
    assert agreement.tranches.count() == 3


def test_staff_create_form_refusal_keeps_values(client, project, kind_staff, company):
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_awards:agreements", args=[project.code]),
        {
            "kind": "grant_agreement",
            "party": company.pk,
            "starts_on": "2026-07-01",
            "ends_on": "2027-06-30",
            "scope": "Keep",
        },
    )
    assert response.status_code == 400
    assert "party" in response.context["form"].errors
    assert "Keep" in response.content.decode()


def test_staff_budget_over_the_award_is_shown_on_the_form(client, project, kind_staff):
    agreement = make_contract(project, kind_staff)
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_awards:agreement_budget", args=[project.code, agreement.pk]),
        {"line_personnel": "400000001"},
    )
    assert response.status_code == 400
    assert "exceed the award" in response.content.decode()
    assert 'value="400000001"' in response.content.decode()


def test_staff_schedule_and_sign(client, project, kind_staff):
    agreement = make_contract(project, kind_staff)
    client.force_login(kind_staff)
    base = [project.code, agreement.pk]
    response = client.post(
        reverse("staff_awards:agreement_schedule", args=base),
        {"share_1": "50", "after_1": "", "share_2": "40", "after_2": "final_report"},
    )
    assert response.status_code == 400 and "100%" in response.content.decode()
    response = client.post(
        reverse("staff_awards:agreement_schedule", args=base),
        {"share_1": "50", "after_1": "", "share_2": "50", "after_2": "final_report"},
    )
    assert response.status_code == 302
    assert list(agreement.tranches.values_list("amount_krw", flat=True)) == [200 * M, 200 * M]
    response = client.post(
        reverse("staff_awards:agreement_sign", args=base),
        {"signed_on": today().isoformat(), "file": pdf("contract.pdf")},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed"
    page = client.get(reverse("staff_awards:agreement", args=base)).content.decode()
    assert "Save the budget" not in page


def test_staff_sign_refusal_shows_next_to_the_file(client, project, kind_staff):
    agreement = make_contract(project, kind_staff)
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_awards:agreement_sign", args=[project.code, agreement.pk]),
        {"signed_on": today().isoformat(), "file": pdf("contract.docx")},
    )
    assert response.status_code == 400
    assert "file" in response.context["sign_form"].errors


def test_secretariat_staff_cannot_withhold_or_decide(client, contract, contractor, kind_staff):
    amendment = funding.request_amendment(
        agreement=contract, kind="scope", changes={"scope": "More"}, reason="Why", actor=contractor
    )
    client.force_login(kind_staff)
    base = [contract.project.code, contract.pk]
    page = client.get(reverse("staff_awards:agreement", args=base)).content.decode()
    assert "Withhold the tranche" not in page and "Save the decision" not in page
    response = client.post(
        reverse("staff_awards:tranche_withhold", args=[*base, tranche(contract, 3).pk]),
        {f"t{tranche(contract, 3).pk}-reason": "No"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("staff_awards:amendment_decide", args=[*base, amendment.pk]),
        {f"a{amendment.pk}-decision": "approve"},
    )
    assert response.status_code == 403
    amendment.refresh_from_db()
    assert amendment.status == "requested"


def test_programme_admin_decides_an_amendment_and_withholds(
    client, contract, contractor, programme_admin
):
    amendment = funding.request_amendment(
        agreement=contract, kind="scope", changes={"scope": "More"}, reason="Why", actor=contractor
    )
    client.force_login(programme_admin)
    base = [contract.project.code, contract.pk]
    url = reverse("staff_awards:amendment_decide", args=[*base, amendment.pk])
    response = client.post(
        url, {f"a{amendment.pk}-decision": "refuse", f"a{amendment.pk}-note": ""}
    )
    assert response.status_code == 400 and "Say why" in response.content.decode()
    response = client.post(url, {f"a{amendment.pk}-decision": "approve"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.scope, contract.version) == ("More", 2)
    third = tranche(contract, 3)
    response = client.post(
        reverse("staff_awards:tranche_withhold", args=[*base, third.pk]),
        {f"t{third.pk}-reason": "Short."},
    )
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.status == "withheld"


def test_staff_payment_queue_and_steps(
    client, contract, request_1, kind_staff, programme_admin, contractor
):
    client.force_login(kind_staff)
    queue = client.get(reverse("staff_awards:payment_requests"))
    assert [r.pk for r in queue.context["waiting"]] == [request_1.pk]
    url = reverse("staff_awards:payment_request", args=[request_1.pk])
    page = client.get(url)
    assert page.context["steps"] == ["check", "return", "reject"]
    # A check or an approval names the request as the page showed it.
    shown = {"amount_krw": request_1.amount_krw, "requested_at": request_1.requested_at.isoformat()}
    response = client.post(url, {"step": "approve", **shown})  # not theirs
    assert response.status_code == 400
    assert client.post(url, {"step": "check", **shown}).status_code == 302
    client.force_login(programme_admin)
    assert client.post(url, {"step": "approve", **shown}).status_code == 302
    response = client.post(url, {"step": "pay", "paid_on": "", "payment_reference": "R-1"})
    assert response.status_code == 400 and "paid_on" in response.context["form"].errors
    assert 'value="R-1"' in response.content.decode()
    response = client.post(
        url, {"step": "pay", "paid_on": today().isoformat(), "payment_reference": "R-1"}
    )
    assert response.status_code == 302
    request_1.refresh_from_db()
    assert (request_1.status, request_1.payment_reference) == ("paid", "R-1")


def test_staff_return_needs_feedback(client, request_1, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_awards:payment_request", args=[request_1.pk])
    response = client.post(url, {"step": "return", "feedback": ""})
    assert response.status_code == 400 and "feedback" in response.context["form"].errors
    assert client.post(url, {"step": "return", "feedback": "Add invoices."}).status_code == 302
    request_1.refresh_from_db()
    assert request_1.status == "returned"


def test_execution_warning_is_shown(client, contract, contractor, settings):
    settings.KCITY_BUDGET_LINE_WARNING_PERCENT = 50
    ask(contract, 1, contractor, lines={"travel": 60 * M})
    page = _get(
        client, contractor, reverse("awards:agreement", args=[contract.pk])
    ).content.decode()
    assert "claimed past 50% of its plan" in page


def test_korean_agreement_page(client, contract, contractor):
    contractor.language = "ko"
    contractor.save()
    client.force_login(contractor)
    response = client.get(
        reverse("awards:agreement", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert response.status_code == 200


# --- Query counts -----------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_pages_do_not_grow_with_rows(
    client, contract, contractor, kind_staff, programme_admin, project
):
    first = ask(contract, 1, contractor)
    funding.return_payment(request=first, feedback="x", actor=kind_staff)
    urls_party = [reverse("awards:agreements"), reverse("awards:agreement", args=[contract.pk])]
    urls_staff = [
        reverse("staff_awards:payment_requests"),
        reverse("staff_awards:agreement", args=[project.code, contract.pk]),
        reverse("staff_awards:agreements", args=[project.code]),
    ]
    client.force_login(contractor)
    [_count(client, u) for u in urls_party]
    party_one = [_count(client, u) for u in urls_party]
    client.force_login(programme_admin)
    [_count(client, u) for u in urls_staff]
    staff_one = [_count(client, u) for u in urls_staff]
    # More requests (the returned one sent again and rejected, two more rejected, a live one)
    # and more amendments.
    funding.reject_payment(
        request=ask(contract, 1, contractor, evidence=False), feedback="no", actor=kind_staff
    )
    for _ in range(2):
        funding.reject_payment(
            request=ask(contract, 1, contractor), feedback="no", actor=kind_staff
        )
    ask(contract, 1, contractor)
    for text in ("a", "b"):
        amendment = funding.request_amendment(
            agreement=contract, kind="scope", changes={"scope": text}, reason="r", actor=contractor
        )
        funding.decide_amendment(
            amendment=amendment, approve=False, note="n", actor=programme_admin
        )
    client.force_login(contractor)
    assert [_count(client, u) for u in urls_party] == party_one
    client.force_login(programme_admin)
    assert [_count(client, u) for u in urls_staff] == staff_one


def test_deliverable_label_reads_in_the_schedule(client, contract, contractor, project):
    accept(project, Deliverable.Kind.INTERIM)
    page = _get(
        client, contractor, reverse("awards:agreement", args=[contract.pk])
    ).content.decode()
    assert "After the interim report is accepted" in page


def test_payment_form_shown_again_keeps_the_evidence_for_the_next_try(client, contract, contractor):
    """The evidence chosen with an amount the line cannot take is kept: the second try sends
    only the corrected amount, and the request is stored with that file."""
    client.force_login(contractor)
    response = client.post(
        _request_url(contract, 1),
        {"line_workshops": "100000001", "note": "N", "evidence": pdf("invoice.pdf")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kept from your last try: <strong>invoice.pdf</strong>" in page
    token = page.split('name="evidence-kept" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        _request_url(contract, 1),
        {"line_workshops": "1000", "note": "N", "evidence-kept": token},
    )
    assert response.status_code == 302
    request = PaymentRequest.objects.get()
    assert request.original_name == "invoice.pdf"
    with request.evidence.open("rb") as stored:
        assert stored.read() == shared.PDF


def test_sign_form_with_a_bad_date_keeps_the_signed_copy(client, project, kind_staff, kind):
    agreement = make_contract(project, kind_staff)
    client.force_login(kind_staff)
    url = reverse("staff_awards:agreement_sign", args=[project.code, agreement.pk])
    response = client.post(url, {"signed_on": "yesterday", "file": pdf("contract.pdf")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "signed_on" in response.context["sign_form"].errors
    assert "Kept from your last try: <strong>contract.pdf</strong>" in page
    token = page.split('name="file-kept" value="', 1)[1].split('"', 1)[0]
    # Another member of staff cannot use the token (it names its uploader).
    other = UserFactory(
        email="other@kind.or.kr",
        roles=[roles.SECRETARIAT_STAFF],
        is_staff=True,
        organizations=[kind],
    )
    client.force_login(other)
    assert client.post(url, {"signed_on": today().isoformat(), "file-kept": token}).status_code in (
        400,
        404,
    )
    agreement.refresh_from_db()
    assert agreement.status != "signed"
    client.force_login(kind_staff)
    response = client.post(url, {"signed_on": today().isoformat(), "file-kept": token})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "signed"
