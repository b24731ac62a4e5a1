"""Garbage in the query string, the path and posted fields of the awards, funding and reporting
staff pages (``?page=abc``, ``?year=²``, ids beyond the database's range, ``²`` in a posted id),
as KIND staff, KAIA staff and a programme admin: every answer is a page that says something,
never a server error nor an empty body (a 405 on a POST-only address aside: see the report)."""

import re

import pytest
from django.urls import reverse

from awards import funding
from awards.models import Award
from tests.awards.test_funding import ask

pytestmark = pytest.mark.django_db
BIG = "99999999999999999999"
GARB = {
    "page": "abc",
    "status": "nope",
    "year": "²",
    "track": "abc",
    "group": "²",
    "track_kind": "²",
    "country": "²",
    "lang": "²",
    "state": "²",
}


def test_garbage_never_answers_a_server_error_nor_an_empty_page(
    client, project, contract, contractor, kind_staff, kaia_staff, programme_admin
):
    req = ask(contract, 1, contractor)
    amend = funding.request_amendment(
        agreement=contract, kind="scope", changes={"scope": "new"}, actor=contractor, reason="r"
    )
    award = Award.objects.get(project=project)
    tid = award.application.track_id
    code = project.code
    t1 = contract.tranches.get(number=2)
    gets = [
        reverse("staff_awards:agreements", args=[code]),
        reverse("staff_awards:agreement", args=[code, contract.pk]),
        f"/staff/projects/{code}/agreements/{BIG}/",
        f"/staff/projects/{code}/agreements/{contract.pk}/tranches/{BIG}/withhold/",
        f"/staff/projects/{code}/agreements/{contract.pk}/amendments/{BIG}/decide/",
        reverse("staff_awards:payment_requests"),
        reverse("staff_awards:payment_request", args=[req.pk]),
        f"/staff/payments/{BIG}/",
        reverse("staff_awards:projects"),
        reverse("staff_awards:project", args=[code]),
        reverse("staff_awards:awards", args=[tid]),
        f"/staff/reviews/results/{BIG}/awards/",
        f"/staff/reviews/results/{tid}/awards/{BIG}/cancel/",
        f"/staff/reviews/results/{tid}/awards/{BIG}/letter/",
        reverse("staff_awards:award_cancel", args=[tid, award.pk]),
        reverse("staff_reporting:execution"),
        reverse("staff_reporting:execution_export", args=["csv"]),
        reverse("staff_reporting:execution_export", args=["xlsx"]),
        reverse("staff_reporting:dashboards"),
        reverse("staff_reporting:statistics"),
        reverse("staff_reporting:index"),
        reverse("staff_reporting:system_status"),
        f"/calls/agreements/{BIG}/",
        f"/calls/payments/{BIG}/evidence/",
        f"/calls/deliverables/{BIG}/",
    ]
    posts = [
        (
            reverse("staff_awards:agreements", args=[code]),
            {"kind": "²", "party": BIG, "starts_on": "²", "ends_on": BIG},
        ),
        (
            reverse("staff_awards:agreement_budget", args=[code, contract.pk]),
            {"line_personnel": "²", "line_travel": BIG},
        ),
        (
            reverse("staff_awards:agreement_schedule", args=[code, contract.pk]),
            {"share_1": "²", "after_1": BIG, "form-TOTAL_FORMS": "²"},
        ),
        (reverse("staff_awards:agreement_sign", args=[code, contract.pk]), {"signed_on": "²"}),
        (
            reverse("staff_awards:agreement_terminate", args=[code, contract.pk]),
            {"reason": "x", "release_contractor": "²"},
        ),
        (
            reverse("staff_awards:tranche_withhold", args=[code, contract.pk, t1.pk]),
            {f"t{t1.pk}-reason": "²"},
        ),
        (f"/staff/projects/{code}/agreements/{contract.pk}/tranches/{BIG}/withhold/", {}),
        (
            reverse("staff_awards:amendment_decide", args=[code, contract.pk, amend.pk]),
            {f"a{amend.pk}-decision": "²", f"a{amend.pk}-approve": BIG},
        ),
        (
            reverse("staff_awards:payment_request", args=[req.pk]),
            {"step": "check", "amount_krw": "²", "requested_at": "²", "paid_on": BIG},
        ),
        (reverse("staff_awards:payment_request", args=[req.pk]), {"step": "²"}),
        (
            reverse("staff_awards:payment_request", args=[req.pk]),
            {"step": "check", "amount_krw": BIG, "requested_at": BIG},
        ),
        (reverse("staff_awards:awards", args=[tid]), {"decision": "²", "amount": BIG}),
        (reverse("staff_awards:awards", args=[tid]), {"decision": BIG, "amount": BIG}),
        (reverse("staff_awards:award_advance", args=[tid, award.pk]), {"to": "²"}),
        (f"/staff/reviews/results/{tid}/awards/{BIG}/advance/", {"to": "²"}),
    ]
    for user in (programme_admin, kind_staff, kaia_staff):
        client.force_login(user)
        for u in gets:
            for q in (
                GARB,
                {"page": BIG, "year": BIG, "group": "project"},
                {"page": "-1", "group": "project", "year": "2022", "track_kind": "demonstration"},
            ):
                r = client.get(u, q)
                _assert_a_page(r, "GET", user, u, q)
        for u, d in posts:
            r = client.post(u, d)
            _assert_a_page(r, "POST", user, u, d)


def _assert_a_page(response, method, user, url, data):
    where = f"{method} {url} {data} as {user.email}"
    assert response.status_code < 500, where
    if response.status_code == 405:
        return  # Django's bare answer to a GET on a POST-only address
    if response.status_code >= 400 and "html" in response.get("Content-Type", ""):
        assert b"<h1" in response.content, f"{where}: an empty {response.status_code}"


def test_awarding_with_a_garbled_decision_says_so_on_the_page(client, project, kind_staff):
    award = Award.objects.get(project=project)
    client.force_login(kind_staff)
    for garbled in ("²", BIG, "abc"):
        response = client.post(
            reverse("staff_awards:awards", args=[award.application.track_id]),
            {"decision": garbled, "amount": "400000000"},
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "That selection cannot be awarded" in body
        assert award.application.reference in body  # the awards page, with its awards


def test_payment_step_with_garbled_hidden_fields_says_the_page_is_out_of_date(
    client, contract, contractor, kind_staff
):
    payment = ask(contract, 1, contractor)
    client.force_login(kind_staff)
    for data in (
        {"step": "²"},
        {"step": "check", "amount_krw": "²", "requested_at": "²"},
        {"step": "check", "amount_krw": BIG, "requested_at": BIG},
    ):
        response = client.post(reverse("staff_awards:payment_request", args=[payment.pk]), data)
        assert response.status_code == 400
        summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
        assert summary, data
        text = summary.group(0)
        assert "This page is out of date: reload it" in text
        # No label of a field the page never showed (untranslated, linking to a hidden input).
        for hidden in ("Step:", "Amount krw", "Requested at", "#id_step", "#id_amount_krw"):
            assert hidden not in text, (data, hidden)
    payment.refresh_from_db()
    assert payment.status == "requested"
