"""The award's cancel page says what cancelling does, before staff confirm it. It said the
first reserve "is offered the funding and its applicants are told" whenever the reserve list
had anyone, even when the money already paid to the cancelled project leaves less than the
track's floor, so that nobody is offered anything (``awards.services.promote_reserve``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards.models import Award
from awards.services import award_funding
from tests.awards.test_lifecycle import _release
from tests.factories.funding import paid_under_service_contract
from tests.factories.results import ensure_email_templates

pytestmark = pytest.mark.django_db
M = 1_000_000


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings,
        tmp_path,
        ["applications/decision", "applications/status_changed", "results/reserve_offer"],
    )


def _cancel_page(client, track, award, user):
    client.force_login(user)
    return client.get(reverse("staff_awards:award_cancel", args=[track.pk, award.pk]))


def test_the_cancel_page_names_the_reserve_and_the_amount_it_is_offered(
    client, planning_track, applicant, kind_staff, programme_admin
):
    apps = _release(
        planning_track, applicant.organizations.first(), staff=kind_staff, admin=programme_admin
    )
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    page = _cancel_page(client, planning_track, award, kind_staff).content.decode()
    assert apps[2].reference in page
    assert "400,000,000" in page.split("What cancelling does")[1]


def test_the_cancel_page_does_not_promise_an_offer_the_budget_cannot_fund(
    client, planning_track, applicant, kind_staff, programme_admin, contractor
):
    # 800 M: ranks 1–2 selected at 400 M, ranks 3–4 on the reserve list; 120 M of rank 1's
    # award already paid, so cancelling it leaves 280 M, below the 300 M floor.
    apps = _release(
        planning_track, applicant.organizations.first(), staff=kind_staff, admin=programme_admin
    )
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    Award.objects.filter(pk=award.pk).update(status=Award.Status.IN_PROGRESS)
    paid_under_service_contract(award.project, contractor_user=contractor, amount_krw=120 * M)
    award.refresh_from_db()

    page = _cancel_page(client, planning_track, award, kind_staff)
    assert page.status_code == 200
    consequences = page.content.decode().split("What cancelling does")[1].split("</ul>")[0]
    assert "is offered the funding and its applicants are told" not in consequences
    assert apps[2].reference not in consequences
    assert "nobody is offered" in consequences
