"""Who may apply is one rule asked when a draft starts and again when it is submitted: a
company registered abroad does not submit, as a Korean company, a bid it started before the
rule (or before its registration moved abroad)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Organization
from applications.models import Application
from applications.services import submit_application
from core.domain import DomainError
from tests.api.conftest import client_for
from tests.awards.test_contractor_views import draft_selection, project, selection  # noqa: F401
from tests.factories import OrganizationFactory
from tests.review_stages.test_contractor_flow import (  # noqa: F401
    _complete_bid,
    _member_of,
    open_selection,
)

pytestmark = pytest.mark.django_db

MESSAGE = "Only companies registered in Korea can apply to this track."


@pytest.fixture
def abroad_draft(open_selection, project):  # noqa: F811
    """A complete bid started while the company was registered in Korea, its registration
    now in Viet Nam."""
    track = open_selection.tracks.get()
    company = OrganizationFactory(name="Saigon Planners", kind="korean_company", country_code="KR")
    member = _member_of(company)
    bid = _complete_bid(track, company, member, city=project.city, price=400_000_000)
    Organization.objects.filter(pk=company.pk).update(country_code="VN")
    return bid, member


def test_the_service_refuses_the_submission(abroad_draft):
    bid, member = abroad_draft
    with pytest.raises(DomainError) as refused:
        submit_application(application=bid, actor=member)
    assert MESSAGE in str(refused.value)
    bid.refresh_from_db()
    assert bid.status == Application.Status.DRAFT


def test_the_review_page_names_it_and_the_submit_button_is_refused(client, abroad_draft):
    bid, member = abroad_draft
    client.force_login(member)
    review = client.get(reverse("applications:review", args=[bid.pk]))
    assert MESSAGE in review.content.decode()
    response = client.post(reverse("applications:submit", args=[bid.pk]), follow=True)
    assert MESSAGE in response.content.decode()
    bid.refresh_from_db()
    assert bid.status == Application.Status.DRAFT


def test_the_api_refuses_it_with_400(abroad_draft):
    bid, member = abroad_draft
    response = client_for(member).post(
        reverse("api:application-submit", kwargs={"pk": bid.pk}), {}, format="json"
    )
    assert response.status_code == 400, response.content
    assert MESSAGE in response.content.decode()
    bid.refresh_from_db()
    assert bid.status == Application.Status.DRAFT


def test_a_company_registered_in_korea_still_submits(open_selection, project):  # noqa: F811
    track = open_selection.tracks.get()
    company = OrganizationFactory(name="Hanul Planning", kind="korean_company", country_code="KR")
    member = _member_of(company)
    bid = _complete_bid(track, company, member, city=project.city, price=400_000_000)
    assert submit_application(application=bid, actor=member).status == Application.Status.SUBMITTED
