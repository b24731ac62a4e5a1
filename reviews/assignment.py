"""Automatic reviewer assignment as a pure function: no database, no Django, easy to test.

The problem is a bipartite b-matching: every application needs ``minimum`` reviewers, every
reviewer takes at most ``max_load`` applications, and conflicted pairs are forbidden. It is
solved exactly as a min-cost flow:

    source → application   capacity = reviewers still needed, cost 0
    application → reviewer  capacity 1 where the pair is allowed,
                            cost 0 with a shared expertise area, ``MISMATCH_COST`` without
    reviewer → sink         one unit edge per free slot; the k-th extra application of a
                            reviewer who already holds ``load`` costs ``BALANCE_COST·(load+k)``

Because the flow is maximum, a shortfall means no assignment at all could meet the minimum;
because the reviewer edges cost more as a reviewer fills up (a convex cost), loads come out as
even as the conflicts allow; expertise breaks the remaining ties. The caller gets either a
complete plan or a plan plus, for every application still short, the reason in plain words.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

# Balance matters more than expertise: one extra application on a busier reviewer costs more
# than one reviewer without a matching expertise area.
BALANCE_COST = 3
MISMATCH_COST = 2


@dataclass(frozen=True)
class ApplicationNeed:
    """One application: its id, the reviewers it already has, and its subject areas."""

    id: int
    assigned: frozenset[int] = frozenset()
    topics: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReviewerCapacity:
    """One committee member: id, applications already held in the track, expertise areas."""

    id: int
    load: int = 0
    expertise: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Shortfall:
    """An application that cannot reach the minimum, with how many it lacks and why."""

    application_id: int
    missing: int
    reason: str  # "no_reviewers_without_conflict" | "reviewers_at_maximum_load"
    available: int  # committee members without a conflict and not yet on the application


@dataclass
class AssignmentPlan:
    """The new (application id, reviewer id) pairs and the applications that stay short."""

    pairs: list[tuple[int, int]] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.shortfalls


class _Graph:
    """A small residual graph for successive-shortest-path min-cost flow (SPFA)."""

    def __init__(self, size: int):
        self.adj: list[list[int]] = [[] for _ in range(size)]
        self.to: list[int] = []
        self.cap: list[int] = []
        self.cost: list[int] = []

    def add(self, u: int, v: int, cap: int, cost: int) -> int:
        self.adj[u].append(len(self.to))
        self.to.append(v)
        self.cap.append(cap)
        self.cost.append(cost)
        self.adj[v].append(len(self.to))
        self.to.append(u)
        self.cap.append(0)
        self.cost.append(-cost)
        return len(self.to) - 2

    def min_cost_flow(self, source: int, sink: int) -> int:
        flow = 0
        size = len(self.adj)
        while True:
            dist = [None] * size
            in_queue = [False] * size
            via = [-1] * size
            dist[source] = 0
            queue = deque([source])
            while queue:
                u = queue.popleft()
                in_queue[u] = False
                for e in self.adj[u]:
                    if self.cap[e] <= 0:
                        continue
                    v = self.to[e]
                    nd = dist[u] + self.cost[e]
                    if dist[v] is None or nd < dist[v]:
                        dist[v] = nd
                        via[v] = e
                        if not in_queue[v]:
                            in_queue[v] = True
                            queue.append(v)
            if dist[sink] is None:
                return flow
            # Every augmenting path carries one unit: application → reviewer edges have capacity 1.
            push = None
            v = sink
            while v != source:
                e = via[v]
                push = self.cap[e] if push is None else min(push, self.cap[e])
                v = self.to[e ^ 1]
            v = sink
            while v != source:
                e = via[v]
                self.cap[e] -= push
                self.cap[e ^ 1] += push
                v = self.to[e ^ 1]
            flow += push


def plan_assignments(
    *,
    applications: Iterable[ApplicationNeed],
    reviewers: Iterable[ReviewerCapacity],
    conflicts: Iterable[tuple[int, int]],
    minimum: int,
    max_load: int,
) -> AssignmentPlan:
    """Give every application at least ``minimum`` reviewers without breaking a rule.

    ``conflicts`` holds (reviewer id, application id) pairs that must never be assigned.
    Existing assignments (``ApplicationNeed.assigned``, ``ReviewerCapacity.load``) are kept and
    counted. Returns the new pairs; ``shortfalls`` lists every application left below the
    minimum with the reason. Deterministic for the same input.
    """
    apps = sorted(applications, key=lambda a: a.id)
    revs = sorted(reviewers, key=lambda r: r.id)
    forbidden = set(conflicts)
    n_apps, n_revs = len(apps), len(revs)
    source, sink = 0, 1 + n_apps + n_revs
    graph = _Graph(sink + 1)
    pair_edges: dict[int, tuple[int, int]] = {}

    for i, app in enumerate(apps):
        need = max(0, minimum - len(app.assigned))
        if need:
            graph.add(source, 1 + i, need, 0)
        for j, rev in enumerate(revs):
            if rev.id in app.assigned or (rev.id, app.id) in forbidden:
                continue
            cost = 0 if (app.topics & rev.expertise) else MISMATCH_COST
            if not app.topics:
                cost = 0  # nothing to match on: do not penalise anyone
            edge = graph.add(1 + i, 1 + n_apps + j, 1, cost)
            pair_edges[edge] = (app.id, rev.id)
    for j, rev in enumerate(revs):
        for k in range(max(0, max_load - rev.load)):
            graph.add(1 + n_apps + j, sink, 1, BALANCE_COST * (rev.load + k))

    graph.min_cost_flow(source, sink)

    plan = AssignmentPlan()
    got: dict[int, int] = {}
    for edge, (app_id, rev_id) in pair_edges.items():
        if graph.cap[edge] == 0:  # the unit went through: this pair is assigned
            plan.pairs.append((app_id, rev_id))
            got[app_id] = got.get(app_id, 0) + 1
    plan.pairs.sort()

    for app in apps:
        have = len(app.assigned) + got.get(app.id, 0)
        if have >= minimum:
            continue
        available = sum(
            1 for rev in revs if rev.id not in app.assigned and (rev.id, app.id) not in forbidden
        )
        reason = (
            "no_reviewers_without_conflict"
            if len(app.assigned) + available < minimum
            else "reviewers_at_maximum_load"
        )
        plan.shortfalls.append(
            Shortfall(
                application_id=app.id,
                missing=minimum - have,
                reason=reason,
                available=available,
            )
        )
    return plan
