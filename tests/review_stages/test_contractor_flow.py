"""Contractor selection, checked from outside: a new selection after the contractor left,
the decisions that tell the companies, and what a winning bid may (not) become."""

from __future__ import annotations

import datetime

import pytest

from accounts import roles
from applications.models import Application
from applications.services import start_application
from awards.contractor_selection import (
    open_contractor_selection,
    record_contractor,
    release_contractor,
)
from awards.models import Award
from awards.selectors import selections_to_award
from awards.services import award_funding
from core.domain import DomainError
from projects.models import Call
from projects.services import transition_call
from results.models import Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.awards.test_contractor_views import project_url, score_companies
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

Outcome = Decision.Outcome


def _decided(selection, kind_staff, specs):
    track = selection.tracks.get()
    apps = score_companies(track, kind_staff, specs)
    record_contractor(track=track, actor=kind_staff)
    return track, apps


def test_a_new_selection_opens_from_the_project_page_after_the_contractor_left(
    client, selection, project, kind_staff
):
    _decided(selection, kind_staff, [("Hanul", 400_000_000, (45, 27, 18))])
    release_contractor(project=project, reason="Stopped work.", actor=kind_staff)
    client.force_login(kind_staff)
    page = client.get(project_url(project))
    assert page.context["can_open"] is True
    response = client.post(
        project_url(project),
        {"opens_at": "2030-07-01T09:00", "closes_at": "2030-07-21T18:00", "price_weight": "0.2"},
    )
    assert response.status_code == 302
    calls = Call.objects.filter(project=project, kind=Call.Kind.CONTRACTOR_SELECTION)
    assert sorted(c.status for c in calls) == [Call.Status.ARCHIVED, Call.Status.DRAFT]


def test_the_funding_line_of_a_selection_selects_only_the_recorded_contractor(
    selection, project, kind_staff
):
    # Technical 90 at 350 M vs 80 at 150 M, price weighed 0.2: price scores 42.86 and 100,
    # combined 80.57 and 84.00: the cheaper company wins; both bids fit the 400 M budget.
    track, (dear, cheap) = _decided(
        selection,
        kind_staff,
        [
            ("Dear Planners", 350_000_000, (45, 27, 18)),
            ("Cheap Planners", 150_000_000, (40, 24, 16)),
        ],
    )
    project.refresh_from_db()
    assert project.contractor == cheap.organization
    decisions = {d.application_id: d for d in propose_funding_line(track=track, actor=kind_staff)}
    assert decisions[cheap.pk].outcome == Outcome.SELECTED
    assert decisions[dear.pk].outcome == Outcome.REJECTED


def test_the_funding_line_of_a_selection_waits_for_the_winner(selection, kind_staff):
    track = selection.tracks.get()
    score_companies(track, kind_staff, [("Hanul", 400_000_000, (45, 27, 18))])
    with pytest.raises(DomainError) as refused:
        propose_funding_line(track=track, actor=kind_staff)
    assert refused.value.code == "no_contractor"
    assert not Decision.objects.filter(track=track).exists()


def test_a_winning_bid_does_not_become_a_funded_project(
    selection, project, kind_staff, programme_admin
):
    track, (winner,) = _decided(selection, kind_staff, [("Hanul", 400_000_000, (45, 27, 18))])
    propose_funding_line(track=track, actor=kind_staff)
    confirm_decisions(track=track, actor=programme_admin)
    release_decisions(track=track, actor=programme_admin)
    with pytest.raises(DomainError) as refused:
        award_funding(application=winner, amount=400_000_000, actor=kind_staff)
    assert refused.value.code == "contractor_selection"
    assert not Award.objects.filter(application=winner).exists()
    # Nor is it left in the staff's queue of selections waiting for their award.
    assert winner not in selections_to_award(kind_staff)


@pytest.fixture
def open_selection(project, kind_staff):
    from django.utils import timezone

    now = timezone.now()
    call = open_contractor_selection(
        project=project,
        actor=kind_staff,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=20),
    )
    for status in (Call.Status.PUBLISHED, Call.Status.OPEN):
        call = transition_call(call=call, to=status, actor=kind_staff)
    return call


def _member_of(organization):
    from django.utils import timezone

    return UserFactory(
        roles=[roles.CONTRACTOR], organizations=[organization], email_verified_at=timezone.now()
    )


def test_a_company_registered_abroad_does_not_bid_as_a_korean_company(open_selection):
    track = open_selection.tracks.get()
    foreign = OrganizationFactory(name="Saigon Planners", kind="korean_company", country_code="VN")
    with pytest.raises(DomainError) as refused:
        start_application(track=track, organization=foreign, actor=_member_of(foreign))
    assert refused.value.code == "ineligible"
    assert not Application.objects.filter(track=track).exists()
    korean = OrganizationFactory(
        name="Hanul Urban Planning", kind="korean_company", country_code="KR"
    )
    assert start_application(track=track, organization=korean, actor=_member_of(korean))


def _complete_bid(track, company, member, *, city, price):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.services import save_application_section, upload_document
    from tests.factories.applications import PDF_BYTES

    bid = start_application(track=track, organization=company, actor=member)
    for section, data in (
        ("site", {"country": city.country, "city": city}),
        (
            "project",
            {
                "title": f"Proposal of {company.name} ({city.name})",
                "summary": "Master plan, feasibility study and training for the city.",
                "objectives": "An investable plan the city adopts within the project year.",
                "requested_deliverable": Application.Deliverable.OTHER,
            },
        ),
        ("budget", {"budget_requested": price}),
    ):
        save_application_section(application=bid, section=section, data=data, actor=member)
    for kind in track.required_documents:
        upload_document(
            application=bid,
            kind=kind,
            uploaded_file=SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES, "application/pdf"),
            actor=member,
        )
    return bid


def test_a_company_sends_one_bid_to_a_selection(open_selection, project):
    """A second bid of the same company, naming another city, would weigh its own lower price
    against everyone's (the price score is relative to the lowest bid)."""
    from applications.services import submit_application
    from tests.factories import CityFactory

    track = open_selection.tracks.get()
    company = OrganizationFactory(
        name="Hanul Urban Planning", kind="korean_company", country_code="KR"
    )
    member = _member_of(company)
    first = _complete_bid(track, company, member, city=project.city, price=400_000_000)
    submit_application(application=first, actor=member)
    elsewhere = CityFactory(country=project.city.country, name="Elsewhere")
    second = _complete_bid(track, company, member, city=elsewhere, price=150_000_000)
    with pytest.raises(DomainError):
        submit_application(application=second, actor=member)
    second.refresh_from_db()
    assert second.status == Application.Status.DRAFT
