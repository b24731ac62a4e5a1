"""Property tests of the pure automatic-assignment algorithm (reviews/assignment.py)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.assignment import (
    ApplicationNeed,
    ReviewerCapacity,
    plan_assignments,
)

AREAS = ["urban_planning", "transport", "energy", "ict"]


@st.composite
def instances(draw):
    n_apps = draw(st.integers(min_value=0, max_value=10))
    n_revs = draw(st.integers(min_value=0, max_value=9))
    minimum = draw(st.integers(min_value=1, max_value=5))
    max_load = draw(st.integers(min_value=0, max_value=8))
    reviewers = [
        ReviewerCapacity(
            id=100 + j,
            load=draw(st.integers(min_value=0, max_value=3)),
            expertise=frozenset(draw(st.lists(st.sampled_from(AREAS), max_size=2))),
        )
        for j in range(n_revs)
    ]
    rev_ids = [r.id for r in reviewers]
    applications = [
        ApplicationNeed(
            id=i,
            assigned=frozenset(
                draw(st.lists(st.sampled_from(rev_ids), max_size=2, unique=True)) if rev_ids else []
            ),
            topics=frozenset(draw(st.lists(st.sampled_from(AREAS), max_size=2))),
        )
        for i in range(n_apps)
    ]
    pairs = [(r, a.id) for r in rev_ids for a in applications]
    conflicts = set(draw(st.lists(st.sampled_from(pairs), max_size=15))) if pairs else set()
    return applications, reviewers, conflicts, minimum, max_load


def _run(instance):
    applications, reviewers, conflicts, minimum, max_load = instance
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        conflicts=conflicts,
        minimum=minimum,
        max_load=max_load,
    )
    return plan


@settings(max_examples=300, deadline=None)
@given(instances())
def test_plan_never_assigns_a_conflicted_or_duplicate_pair(instance):
    applications, reviewers, conflicts, minimum, max_load = instance
    plan = _run(instance)
    existing = {(r, a.id) for a in applications for r in a.assigned}
    assert len(plan.pairs) == len(set(plan.pairs))
    for app_id, rev_id in plan.pairs:
        assert (rev_id, app_id) not in conflicts
        assert (rev_id, app_id) not in existing


@settings(max_examples=300, deadline=None)
@given(instances())
def test_plan_never_exceeds_the_maximum_load(instance):
    applications, reviewers, conflicts, minimum, max_load = instance
    plan = _run(instance)
    for reviewer in reviewers:
        new = sum(1 for _a, r in plan.pairs if r == reviewer.id)
        # Existing assignments are kept as they are; the plan never adds above the maximum.
        assert new == 0 or reviewer.load + new <= max_load


@settings(max_examples=300, deadline=None)
@given(instances())
def test_plan_meets_the_minimum_or_reports_each_shortfall_with_a_reason(instance):
    applications, reviewers, conflicts, minimum, max_load = instance
    plan = _run(instance)
    short = {s.application_id: s for s in plan.shortfalls}
    for application in applications:
        have = len(application.assigned) + sum(1 for a, _r in plan.pairs if a == application.id)
        if application.id in short:
            shortfall = short[application.id]
            assert have < minimum
            assert shortfall.missing == minimum - have
            assert shortfall.reason in (
                "no_reviewers_without_conflict",
                "reviewers_at_maximum_load",
            )
        else:
            assert have >= minimum


@settings(max_examples=200, deadline=None)
@given(instances())
def test_plan_reports_a_shortfall_only_when_no_assignment_could_do_better(instance):
    """Maximality: a short application has no allowed reviewer left with a free slot."""
    applications, reviewers, conflicts, minimum, max_load = instance
    plan = _run(instance)
    loads = {r.id: r.load + sum(1 for _a, x in plan.pairs if x == r.id) for r in reviewers}
    for shortfall in plan.shortfalls:
        application = next(a for a in applications if a.id == shortfall.application_id)
        on_it = set(application.assigned) | {r for a, r in plan.pairs if a == application.id}
        for reviewer in reviewers:
            if reviewer.id in on_it or (reviewer.id, application.id) in conflicts:
                continue
            assert loads[reviewer.id] >= max_load


@settings(max_examples=150, deadline=None)
@given(
    n_apps=st.integers(min_value=1, max_value=12),
    n_revs=st.integers(min_value=5, max_value=10),
    minimum=st.integers(min_value=1, max_value=5),
)
def test_plan_is_complete_and_balanced_when_capacity_suffices(n_apps, n_revs, minimum):
    # Capacity is enough with no conflicts: the plan must be complete and loads within one.
    max_load = -(-n_apps * minimum // n_revs)  # ceil
    plan = plan_assignments(
        applications=[ApplicationNeed(id=i) for i in range(n_apps)],
        reviewers=[ReviewerCapacity(id=100 + j) for j in range(n_revs)],
        conflicts=set(),
        minimum=minimum,
        max_load=max_load,
    )
    assert plan.complete
    loads = [sum(1 for _a, r in plan.pairs if r == 100 + j) for j in range(n_revs)]
    assert max(loads) - min(loads) <= 1


def test_plan_says_why_when_every_reviewer_is_conflicted():
    plan = plan_assignments(
        applications=[ApplicationNeed(id=1)],
        reviewers=[ReviewerCapacity(id=10), ReviewerCapacity(id=11)],
        conflicts={(10, 1)},
        minimum=2,
        max_load=5,
    )
    assert plan.pairs == [(1, 11)]
    [shortfall] = plan.shortfalls
    assert (shortfall.missing, shortfall.reason, shortfall.available) == (
        1,
        "no_reviewers_without_conflict",
        1,
    )


def test_plan_says_why_when_reviewers_are_full():
    plan = plan_assignments(
        applications=[ApplicationNeed(id=1), ApplicationNeed(id=2)],
        reviewers=[ReviewerCapacity(id=10, load=1)],
        conflicts=set(),
        minimum=1,
        max_load=2,
    )
    assert len(plan.pairs) == 1
    [shortfall] = plan.shortfalls
    assert shortfall.reason == "reviewers_at_maximum_load"


def test_plan_prefers_matching_expertise_when_loads_are_equal():
    plan = plan_assignments(
        applications=[ApplicationNeed(id=1, topics=frozenset({"energy"}))],
        reviewers=[
            ReviewerCapacity(id=10, expertise=frozenset({"transport"})),
            ReviewerCapacity(id=11, expertise=frozenset({"energy"})),
        ],
        conflicts=set(),
        minimum=1,
        max_load=3,
    )
    assert plan.pairs == [(1, 11)]
