"""Contractor selection on the review machinery: combined technical + price score, winner
recorded as the project's contractor."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.audit import audit_events_for
from awards.contractor_selection import (
    combine_scores,
    open_contractor_selection,
    select_contractor,
)
from awards.models import Award
from core.domain import DomainError
from projects.models import Call, Project
from projects.services import transition_call
from results.aggregation import aggregate_track
from reviews.models import Criterion
from tests.factories import OrganizationFactory, ProjectFactory, UserFactory
from tests.factories.results import reviewed_application, submit_review

D = Decimal
T0 = datetime.datetime(2022, 7, 1, tzinfo=datetime.UTC)


def test_combine_scores_weights_price():
    # Technical 90 at 500M vs 80 at 400M, w = 0.2: price scores 80 and 100.
    ranked = combine_scores(
        [(1, 11, D("90"), 500_000_000, T0), (2, 12, D("80"), 400_000_000, T0)],
        price_weight=D("0.2"),
    )
    assert [(s.application_id, s.price_score, s.combined) for s in ranked] == [
        (1, D("80.00"), D("88.00")),  # 0.8·90 + 0.2·80
        (2, D("100.00"), D("84.00")),  # 0.8·80 + 0.2·100
    ]


def test_combine_scores_heavy_price_weight_changes_winner():
    ranked = combine_scores(
        [(1, 11, D("90"), 500_000_000, T0), (2, 12, D("80"), 400_000_000, T0)],
        price_weight=D("0.6"),
    )
    assert ranked[0].application_id == 2  # 0.4·80 + 0.6·100 = 92 > 0.4·90 + 0.6·80 = 84


def test_combine_scores_tie_goes_to_technical():
    ranked = combine_scores(
        [(1, 11, D("80"), 400_000_000, T0), (2, 12, D("85"), 421_052_632, T0)],
        price_weight=D("0.5"),
    )
    # 0.5·80 + 0.5·100 = 90.00; 0.5·85 + 0.5·95.00 = 90.00 → higher technical wins.
    assert [s.combined for s in ranked] == [D("90.00"), D("90.00")]
    assert ranked[0].application_id == 2


@pytest.fixture
def funded_project(planning_track, kind_staff):
    app = reviewed_application(planning_track, status="awarded")
    project = ProjectFactory(budget_krw=400_000_000, track_kind="planning")
    Award.objects.create(application=app, project=project, amount=400_000_000)
    return project


def test_open_contractor_selection_creates_call_track_criteria(funded_project, kind_staff):
    now = timezone.now()
    call = open_contractor_selection(
        project=funded_project,
        actor=kind_staff,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=20),
    )
    track = call.tracks.get()
    assert (call.kind, call.project_id, track.kind, track.applicant_kind) == (
        "contractor_selection",
        funded_project.pk,
        "contractor_selection",
        "korean_company",
    )
    assert track.price_weight == D("0.20") and track.budget_ceiling == 400_000_000
    assert list(Criterion.objects.filter(track=track).values_list("code", flat=True)) == [
        "technical_quality",
        "local_understanding",
        "local_network",
    ]
    with pytest.raises(DomainError):
        open_contractor_selection(
            project=funded_project,
            actor=kind_staff,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=1),
        )


def test_open_contractor_selection_refused_for_demonstration(kind_staff):
    project = ProjectFactory(track_kind="demonstration")
    now = timezone.now()
    with pytest.raises(DomainError, match="planning"):
        open_contractor_selection(
            project=project,
            actor=kind_staff,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=1),
            secretariat=OrganizationFactory(kind="korean_agency"),
        )


def test_open_contractor_selection_other_secretariat_refused(funded_project, kaia_staff):
    now = timezone.now()
    with pytest.raises(DomainError):
        open_contractor_selection(
            project=funded_project,
            actor=kaia_staff,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=1),
        )


def _closed_selection(project, actor) -> Call:
    """A contractor selection whose proposal period is over: draft, published, open (its
    closing time still ahead: a call past it does not open), then closed once it passed."""
    now = timezone.now()
    call = open_contractor_selection(
        project=project,
        actor=actor,
        opens_at=now - datetime.timedelta(days=20),
        closes_at=now + datetime.timedelta(hours=1),
    )
    for status in (Call.Status.PUBLISHED, Call.Status.OPEN):
        call = transition_call(call=call, to=status, actor=actor)
    Call.objects.filter(pk=call.pk).update(closes_at=now - datetime.timedelta(hours=1))
    return transition_call(call=call, to=Call.Status.CLOSED, actor=actor)


def _score_one_company(track, actor):
    tech, local, network = Criterion.objects.filter(track=track).order_by("order")
    company = OrganizationFactory(kind="korean_company", country_code="KR")
    proposal = reviewed_application(track, organization=company, budget_requested=400_000_000)
    for reviewer in [UserFactory() for _ in range(3)]:
        submit_review(proposal, reviewer, {tech: 45, local: 27, network: 18})
    aggregate_track(track=track, actor=actor)
    return company


def test_select_contractor_on_review_machinery(funded_project, kind_staff):
    call = _closed_selection(funded_project, kind_staff)
    track = call.tracks.get()
    tech, local, network = Criterion.objects.filter(track=track).order_by("order")
    reviewers = [UserFactory() for _ in range(3)]
    strong = OrganizationFactory(
        name="Hanul Urban Planning", kind="korean_company", country_code="KR"
    )
    cheap = OrganizationFactory(name="Budget Planners", kind="korean_company", country_code="KR")
    a = reviewed_application(track, organization=strong, budget_requested=400_000_000)
    b = reviewed_application(track, organization=cheap, budget_requested=300_000_000)
    for r in reviewers:
        submit_review(a, r, {tech: 45, local: 27, network: 18})  # 90
        submit_review(b, r, {tech: 35, local: 22, network: 13})  # 70
    aggregate_track(track=track, actor=kind_staff)
    project = select_contractor(track=track, actor=kind_staff)
    # a: 0.8·90 + 0.2·75 = 87; b: 0.8·70 + 0.2·100 = 76.
    assert project.contractor == strong
    assert project.deliverables.count() == 4


def test_select_contractor_moves_the_call_to_decided_with_audit_rows(funded_project, kind_staff):
    call = _closed_selection(funded_project, kind_staff)
    _score_one_company(call.tracks.get(), kind_staff)
    select_contractor(track=call.tracks.get(), actor=kind_staff)
    call.refresh_from_db()
    assert call.status == Call.Status.DECIDED
    assert [
        (e.old_value, e.new_value, e.actor) for e in audit_events_for(call).filter(action="status")
    ] == [
        ("draft", "published", kind_staff),
        ("published", "open", kind_staff),
        ("open", "closed", kind_staff),
        ("closed", "in_review", kind_staff),
        ("in_review", "decided", kind_staff),
    ]


def test_select_contractor_leaves_a_decided_call_decided(funded_project, kind_staff):
    call = _closed_selection(funded_project, kind_staff)
    for status in (Call.Status.IN_REVIEW, Call.Status.DECIDED):
        call = transition_call(call=call, to=status, actor=kind_staff)
    company = _score_one_company(call.tracks.get(), kind_staff)
    project = select_contractor(track=call.tracks.get(), actor=kind_staff)
    call.refresh_from_db()
    assert (project.contractor, call.status) == (company, Call.Status.DECIDED)
    assert audit_events_for(call).filter(new_value="decided").count() == 1


def test_select_contractor_refused_while_the_call_is_open(funded_project, kind_staff):
    call = _closed_selection(funded_project, kind_staff)
    # Reopened, its closing time moved first (a call is not reopened past its closing time).
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() + datetime.timedelta(days=1))
    call = transition_call(call=call, to=Call.Status.OPEN, actor=kind_staff)
    _score_one_company(call.tracks.get(), kind_staff)
    with pytest.raises(DomainError, match="once the call has closed") as refused:
        select_contractor(track=call.tracks.get(), actor=kind_staff)
    assert refused.value.code == "call_not_closed"
    funded_project.refresh_from_db()
    call.refresh_from_db()
    assert (funded_project.contractor_id, call.status) == (None, Call.Status.OPEN)
    assert not funded_project.deliverables.exists()


def test_select_contractor_refused_for_an_archived_call(funded_project, kind_staff):
    call = _closed_selection(funded_project, kind_staff)
    for status in (Call.Status.IN_REVIEW, Call.Status.DECIDED, Call.Status.ARCHIVED):
        call = transition_call(call=call, to=status, actor=kind_staff)
    _score_one_company(call.tracks.get(), kind_staff)
    with pytest.raises(DomainError, match="archived"):
        select_contractor(track=call.tracks.get(), actor=kind_staff)
    funded_project.refresh_from_db()
    assert funded_project.contractor_id is None


def test_no_winner_is_recorded_for_a_project_closed_meanwhile(funded_project, kind_staff):
    """The award was cancelled after the selection opened: recording the winner is refused
    (no deliverables, no contractor, nobody told)."""
    call = _closed_selection(funded_project, kind_staff)
    track = call.tracks.get()
    _score_one_company(track, kind_staff)
    Project.objects.filter(pk=funded_project.pk).update(status=Project.Status.CANCELLED)
    with pytest.raises(DomainError) as exc:
        select_contractor(track=track, actor=kind_staff)
    assert exc.value.code == "project_closed"
    funded_project.refresh_from_db()
    assert funded_project.contractor_id is None
