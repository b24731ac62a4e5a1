"""Awards: amount range, the funded project, lifecycle, cancel → reserve offer, award letter."""

from decimal import Decimal

import pytest

from applications.models import Application
from awards.models import Award
from awards.services import advance_award, award_funding, award_letter_pdf, cancel_award
from core.domain import DomainError
from notifications.models import Message
from projects.models import Project
from results.models import ApplicationResult, Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.factories.results import ensure_email_templates, reviewed_application

M = 1_000_000


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


@pytest.fixture
def released(planning_track, applicant, kind_staff, programme_admin):
    """Track with budget for two: ranks 1–2 selected, ranks 3–4 on the reserve list."""
    planning_track.total_budget = 800 * M
    planning_track.save()
    org = applicant.organizations.first()
    apps = []
    for rank, score in enumerate(["90.00", "85.00", "80.00", "75.00"], start=1):
        app = reviewed_application(planning_track, budget_requested=400 * M, organization=org)
        ApplicationResult.objects.create(
            application=app, track=planning_track, official_score=Decimal(score), rank=rank
        )
        apps.append(app)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    return planning_track, apps


def test_award_funding_creates_project_and_awards(released, kind_staff):
    track, apps = released
    award = award_funding(application=apps[0], amount=380 * M, actor=kind_staff)
    assert award.status == "proposed" and award.amount == 380 * M
    project = award.project
    assert project.source == Project.Source.PORTAL
    assert (project.budget_krw, project.country_id, project.city_id) == (
        380 * M,
        apps[0].country_id,
        apps[0].city_id,
    )
    assert project.track_kind == "planning" and project.year == track.call.year
    apps[0].refresh_from_db()
    assert apps[0].status == Application.Status.AWARDED


def test_award_above_the_decided_amount_is_refused(released, kind_staff):
    """The decision's amount is what the selection fitted within the track's budget: an award
    above it (within the ceiling) would spend budget no decision gave."""
    _, apps = released
    with pytest.raises(DomainError) as exc:
        award_funding(application=apps[0], amount=450 * M, actor=kind_staff)
    assert exc.value.field == "amount"
    assert not Award.objects.filter(application=apps[0]).exists()


@pytest.mark.parametrize("amount", [299_999_999, 500_000_001, 0, "4e8", "abc", None])
def test_award_amount_outside_range_refused(released, kind_staff, amount):
    _, apps = released
    with pytest.raises(DomainError) as exc:
        award_funding(application=apps[0], amount=amount, actor=kind_staff)
    assert exc.value.field == "amount"
    assert not Award.objects.exists() and not Project.objects.exists()


def test_award_accepts_string_with_separators(released, kind_staff):
    _, apps = released
    award = award_funding(application=apps[1], amount="300,000,000", actor=kind_staff)
    assert award.amount == 300 * M


def test_award_refused_for_reserve_application(released, kind_staff):
    _, apps = released
    with pytest.raises(DomainError, match="selected"):
        award_funding(application=apps[2], amount=400 * M, actor=kind_staff)


def test_award_refused_for_other_secretariat(released, kaia_staff):
    _, apps = released
    with pytest.raises(DomainError):
        award_funding(application=apps[0], amount=400 * M, actor=kaia_staff)
    assert not Award.objects.exists()


def test_award_lifecycle_to_completed(released, kind_staff):
    """Each step once what it needs is there (every refusal: tests/awards/test_lifecycle.py):
    the grant agreement, the contractor and its service contract, the accepted final report
    and the final payment."""
    from awards.models import Agreement, Deliverable
    from tests.factories import OrganizationFactory
    from tests.factories.funding import final_payment, signed_agreement

    _, apps = released
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    award = advance_award(award=award, to="approved", actor=kind_staff)
    signed_agreement(award.project, kind=Agreement.Kind.GRANT)
    award = advance_award(award=award, to="contracted", actor=kind_staff)
    company = OrganizationFactory(name="Hanul Urban Planning", kind="korean_company")
    Project.objects.filter(pk=award.project_id).update(contractor=company)
    service = signed_agreement(award.project, kind=Agreement.Kind.SERVICE, party=company)
    award = advance_award(award=award, to="in_progress", actor=kind_staff)
    Deliverable.objects.filter(project=award.project, kind=Deliverable.Kind.FINAL).update(
        status=Deliverable.Status.ACCEPTED
    )
    final_payment(service)
    award = advance_award(award=award, to="completed", actor=kind_staff)
    award.project.refresh_from_db()
    assert award.status == "completed" and award.project.status == "completed"


def test_cancelled_award_promotes_first_reserve(released, kind_staff):
    track, apps = released
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    Message.objects.all().delete()
    award, promoted = cancel_award(award=award, reason="City withdrew", actor=kind_staff)
    assert award.status == "cancelled" and award.cancelled_reason == "City withdrew"
    award.project.refresh_from_db()
    assert award.project.status == "cancelled"
    assert promoted.application_id == apps[2].pk
    promoted.refresh_from_db()
    assert (promoted.outcome, promoted.amount, promoted.reserve_rank) == ("selected", 400 * M, None)
    apps[2].refresh_from_db()
    assert apps[2].status == "selected"
    assert Decision.objects.get(application=apps[3]).reserve_rank == 2
    assert Message.objects.filter(template="results/reserve_offer").count() == 2


def test_a_reserve_is_offered_only_what_the_budget_has_left(released, kind_staff):
    """The reserve asks 400 M; with 700 M in all, 400 M awarded and the 300 M award cancelled,
    300 M is left: it is offered 300 M, never an amount over the track's budget."""
    from awards.services import budget_left
    from projects.models import Track

    track, apps = released
    award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    second = award_funding(application=apps[1], amount=300 * M, actor=kind_staff)
    Track.objects.filter(pk=track.pk).update(total_budget=700 * M)
    track.refresh_from_db()
    assert budget_left(track) == 0
    _award, promoted = cancel_award(award=second, reason="City withdrew", actor=kind_staff)
    promoted.refresh_from_db()
    assert (promoted.application_id, promoted.amount) == (apps[2].pk, 300 * M)
    assert budget_left(track) == 0


def test_cancel_award_needs_reason(released, kind_staff):
    _, apps = released
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    with pytest.raises(DomainError):
        cancel_award(award=award, reason="", actor=kind_staff)
    assert Decision.objects.get(application=apps[2]).outcome == "reserve"


@pytest.mark.pdf
@pytest.mark.parametrize("language,text", [("en", "Award of funding"), ("ko", None)])
def test_award_letter_pdf_renders(released, kind_staff, language, text):
    _, apps = released
    award = award_funding(application=apps[0], amount=400 * M, actor=kind_staff)
    pdf = award_letter_pdf(award=award, language=language)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1000
