"""The pages of a project after its award: the staff project page at a glance (status and what
is missing for the next step, money, deliverables with versions, timeline; no contractor
selection once closed) and the partner's read-only progress on its application's page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.contractor_selection import review_deliverable, submit_deliverable
from awards.lifecycle import move_award
from awards.models import (
    Agreement,
    Award,
    BudgetCategory,
    Deliverable,
    PaymentRequest,
    PaymentRequestLine,
    Tranche,
)
from projects.models import Project
from tests.factories import DeliverableFactory, ProjectFactory
from tests.factories.applications import pdf_upload
from tests.factories.funding import (
    BudgetLineFactory,
    PaymentRequestFactory,
    TrancheFactory,
    signed_agreement,
)
from tests.factories.results import reviewed_application

pytestmark = pytest.mark.django_db

M = 1_000_000
W = Award.Status


@pytest.fixture
def award(planning_track, applicant):
    """An approved award of the applicant's application, its project without contractor."""
    application = reviewed_application(
        planning_track, status="awarded", organization=applicant.organizations.first()
    )
    project = ProjectFactory(
        code="2026-PL-KLANG",
        name="Klang smart city plan",
        partner=applicant.organizations.first(),
        starts_on=datetime.date(2026, 1, 1),
    )
    award = Award.objects.create(application=application, project=project, amount=400 * M)
    from awards.services import transition_award

    return transition_award(award=award, to=W.APPROVED, actor=None)


def project_url(project):
    return reverse("staff_awards:project", args=[project.code])


def _page(client, user, project):
    client.force_login(user)
    response = client.get(project_url(project))
    assert response.status_code == 200
    return response


# --- Status and what is missing --------------------------------------------------------------


def test_page_says_what_is_missing_for_the_next_step(client, award, kind_staff):
    page = _page(client, kind_staff, award.project)
    step = page.context["next_step"]
    assert step["to"] == W.CONTRACTED
    assert step["problems"] == ["The grant agreement with the partner is not signed yet."]
    body = page.content.decode()
    assert "The grant agreement with the partner is not signed yet." in body
    assert 'name="to" value="contracted"' not in body  # no button while something is missing


def test_page_offers_the_next_step_once_nothing_is_missing(client, award, kind_staff):
    signed_agreement(award.project, kind=Agreement.Kind.GRANT)
    page = _page(client, kind_staff, award.project)
    assert page.context["next_step"]["problems"] == []
    advance = reverse("staff_awards:award_advance", args=[award.application.track_id, award.pk])
    body = page.content.decode()
    assert f'action="{advance}"' in body and 'name="to" value="contracted"' in body


def test_in_progress_without_contractor_is_never_offered_completion(client, award, kind_staff):
    from awards.services import transition_award

    signed_agreement(award.project, kind=Agreement.Kind.GRANT)
    award = move_award(award=award, to=W.CONTRACTED, actor=kind_staff)
    award = transition_award(award=award, to=W.IN_PROGRESS, actor=kind_staff)
    page = _page(client, kind_staff, award.project)
    problems = page.context["next_step"]["problems"]
    assert "The project has no Korean contractor yet: select one first." in problems
    assert 'name="to" value="completed"' not in page.content.decode()


@pytest.mark.parametrize("status", [Project.Status.COMPLETED, Project.Status.CANCELLED])
def test_closed_project_offers_no_contractor_selection(client, award, kind_staff, status):
    Project.objects.filter(pk=award.project_id).update(status=status)
    Award.objects.filter(pk=award.pk).update(
        status=W.COMPLETED if status == Project.Status.COMPLETED else W.CANCELLED
    )
    page = _page(client, kind_staff, award.project)
    body = page.content.decode()
    assert page.context["can_open"] is False
    assert "Create the contractor selection" not in body
    assert "The project is closed: no contractor selection is opened for it." in body
    assert page.context["next_step"] is None
    response = client.post(
        project_url(award.project),
        {"opens_at": "2026-05-01T09:00", "closes_at": "2026-05-20T18:00", "price_weight": "0.2"},
    )
    assert response.status_code == 403


# --- Money -----------------------------------------------------------------------------------


def test_money_comes_from_the_execution_figures(client, award, kind_staff, contractor):
    grant = signed_agreement(award.project, kind=Agreement.Kind.GRANT)
    BudgetLineFactory(agreement=grant, category=BudgetCategory.PERSONNEL, planned_krw=300 * M)
    BudgetLineFactory(agreement=grant, category=BudgetCategory.TRAVEL, planned_krw=100 * M)
    first = TrancheFactory(agreement=grant, number=1, amount_krw=120 * M, status="paid")
    second = TrancheFactory(agreement=grant, number=2, amount_krw=160 * M)
    paid = PaymentRequestFactory(
        tranche=first,
        amount_krw=120 * M,
        status=PaymentRequest.Status.PAID,
        paid_on=datetime.date(2026, 2, 1),
        payment_reference="KCN-PAY-1",
        requested_by=contractor,
    )
    PaymentRequestLine.objects.create(request=paid, category="personnel", amount_krw=120 * M)
    claimed = PaymentRequestFactory(tranche=second, amount_krw=95 * M, requested_by=contractor)
    PaymentRequestLine.objects.create(request=claimed, category="travel", amount_krw=95 * M)
    page = _page(client, kind_staff, award.project)
    execution = page.context["execution"]
    assert (execution.planned, execution.claimed, execution.approved, execution.paid) == (
        400 * M,
        215 * M,
        120 * M,
        120 * M,
    )
    body = page.content.decode()
    assert grant.reference in body
    assert "over 90% claimed" in body  # travel: 95 of 100 million
    assert reverse("staff_awards:agreements", args=[award.project.code]) in body
    assert [t.status for t in page.context["agreements"][0].tranches.all()] == [
        Tranche.Status.PAID,
        Tranche.Status.SCHEDULED,
    ]


# --- Deliverables and timeline ---------------------------------------------------------------


def test_deliverables_show_their_versions_and_the_timeline_the_moves(
    client, award, kind_staff, contractor
):
    Project.objects.filter(pk=award.project_id).update(contractor=contractor.organizations.first())
    deliverable = DeliverableFactory(project=award.project, kind=Deliverable.Kind.INCEPTION)
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload("v1.pdf"), actor=contractor)
    review_deliverable(deliverable=deliverable, accept=False, feedback="More", actor=kind_staff)
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload("v2.pdf"), actor=contractor)
    signed_agreement(award.project, kind=Agreement.Kind.GRANT)
    move_award(award=award, to=W.CONTRACTED, actor=kind_staff)
    page = _page(client, kind_staff, award.project)
    body = page.content.decode()
    for number in (1, 2):
        url = reverse("awards:deliverable_version_file", args=[deliverable.pk, number])
        assert url in body
    changes = [(e.subject, e.change) for e in page.context["timeline"]]
    assert ("Inception report", "Pending → Submitted") in changes
    assert ("Inception report", "Submitted → Returned for changes") in changes
    assert ("Award", "Approved → Contracted") in changes
    times = [e.at for e in page.context["timeline"]]
    assert times == sorted(times)  # oldest first
    assert page.context["timeline"][-1].actor == kind_staff


def test_project_page_query_count_does_not_grow(client, award, kind_staff, contractor):
    Project.objects.filter(pk=award.project_id).update(contractor=contractor.organizations.first())
    grant = signed_agreement(award.project, kind=Agreement.Kind.GRANT)
    TrancheFactory(agreement=grant, number=1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            _page(client, kind_staff, award.project)
        return len(queries.captured_queries)

    first = DeliverableFactory(project=award.project)
    submit_deliverable(deliverable=first, uploaded=pdf_upload(), actor=contractor)
    before = count()
    for kind in ("interim_report", "training", "final_report"):
        more = DeliverableFactory(project=award.project, kind=kind)
        submit_deliverable(deliverable=more, uploaded=pdf_upload(), actor=contractor)
    TrancheFactory(agreement=grant, number=2)
    signed_agreement(award.project, kind=Agreement.Kind.SERVICE, party=grant.party)
    assert count() <= before


# --- The partner's view ----------------------------------------------------------------------


def _detail(client, user, application):
    client.force_login(user)
    return client.get(reverse("applications:detail", args=[application.pk]))


def test_partner_sees_its_projects_progress_read_only(client, award, applicant, kind_staff):
    signed_agreement(award.project, kind=Agreement.Kind.GRANT, signed_on=datetime.date(2026, 1, 5))
    move_award(award=award, to=W.CONTRACTED, actor=kind_staff)
    DeliverableFactory(
        project=award.project,
        kind=Deliverable.Kind.FINAL,
        due_on=datetime.date(2026, 11, 30),
        status=Deliverable.Status.RETURNED,
        feedback="Internal remark for the contractor",
    )
    response = _detail(client, applicant, award.application)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Progress of the funded project" in body
    assert "Final report" in body and "2026-11-30" in body and "Returned for changes" in body
    assert "Grant agreement signed" in body and "Contracted" in body
    assert "Internal remark for the contractor" not in body  # statuses only
    assert "staff@kind.or.kr" not in body and kind_staff.name not in body


def test_no_progress_while_the_award_is_only_proposed(client, award, applicant):
    Award.objects.filter(pk=award.pk).update(status=W.PROPOSED)
    body = _detail(client, applicant, award.application).content.decode()
    assert "Progress of the funded project" not in body


def test_another_applicant_sees_nothing_of_it(client, award, other_applicant):
    response = _detail(client, other_applicant, award.application)
    assert response.status_code == 404
    assert b"Progress of the funded project" not in response.content
