"""Contractor selection on the review machinery: combined technical + price score, winner
recorded as the project's contractor."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kcity.domain import DomainError
from projects.contractor_selection import (
    combine_scores,
    open_contractor_selection,
    select_contractor,
)
from reviews.aggregation import aggregate_track
from reviews.models import Award, Criterion
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


def test_select_contractor_on_review_machinery(funded_project, kind_staff):
    now = timezone.now()
    call = open_contractor_selection(
        project=funded_project,
        actor=kind_staff,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=20),
    )
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
