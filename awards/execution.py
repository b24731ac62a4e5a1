"""Budget execution: what each budget line of an agreement planned, and how much of it has been
claimed, approved and paid. The one place that says which payment requests count as what; the
project page, the party's payment page, the execution table, its exports, the dashboards and the
API all read these figures from here. Writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, Sum

from awards.models import (
    Agreement,
    BudgetCategory,
    BudgetLine,
    PaymentRequest,
    PaymentRequestLine,
)

RS = PaymentRequest.Status
# A request counts as claimed from the moment it is made until it is rejected or cancelled (one
# returned for changes is still claimed: the party is correcting it), as approved once a
# programme admin approved it, and as paid once its payment is recorded.
CLAIMED = (RS.REQUESTED, RS.CHECKED, RS.APPROVED, RS.PAID, RS.RETURNED)
APPROVED = (RS.APPROVED, RS.PAID)
PAID = (RS.PAID,)
# What a terminated agreement still plans, over a project: what it paid before it ended (the
# rest went back to the award, for the agreement that follows it: docs/funding.md).
TERMINATED = Agreement.Status.TERMINATED


def warning_share() -> int:
    """The share of a line's plan (in %) past which its execution is flagged (setting
    ``KCITY_BUDGET_LINE_WARNING_PERCENT``, 90 by default)."""
    return int(getattr(settings, "KCITY_BUDGET_LINE_WARNING_PERCENT", 90))


@dataclass
class LineExecution:
    category: str
    planned: int = 0
    claimed: int = 0
    approved: int = 0
    paid: int = 0

    @property
    def label(self) -> str:
        return str(BudgetCategory(self.category).label)

    @property
    def claimed_share(self) -> int:
        """Claimed as a whole percentage of planned (0 when nothing is planned)."""
        return (self.claimed * 100) // self.planned if self.planned else 0

    @property
    def warning(self) -> bool:
        """Past the warning share of its plan, or claimed without a plan."""
        if not self.planned:
            return self.claimed > 0
        return self.claimed * 100 > self.planned * warning_share()


@dataclass
class Execution:
    lines: list[LineExecution] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)

    @property
    def planned(self) -> int:
        return self._sum("planned")

    @property
    def claimed(self) -> int:
        return self._sum("claimed")

    @property
    def approved(self) -> int:
        return self._sum("approved")

    @property
    def paid(self) -> int:
        return self._sum("paid")

    @property
    def warnings(self) -> list[LineExecution]:
        return [line for line in self.lines if line.warning]


def _amounts(agreement_filter: Q) -> dict[str, dict[str, int]]:
    """Per category: claimed, approved and paid sums, and what terminated agreements paid
    (``paid_terminated``), in one query."""
    rows = (
        PaymentRequestLine.objects.filter(agreement_filter)
        .values("category")
        .annotate(
            claimed=Sum("amount_krw", filter=Q(request__status__in=CLAIMED)),
            approved=Sum("amount_krw", filter=Q(request__status__in=APPROVED)),
            paid=Sum("amount_krw", filter=Q(request__status__in=PAID)),
            paid_terminated=Sum(
                "amount_krw",
                filter=Q(request__status__in=PAID, request__tranche__agreement__status=TERMINATED),
            ),
        )
    )
    return {
        row["category"]: {
            k: row[k] or 0 for k in ("claimed", "approved", "paid", "paid_terminated")
        }
        for row in rows
    }


def _execution(line_filter: Q, request_filter: Q, *, terminated_as_paid: bool = False) -> Execution:
    """``terminated_as_paid``: a terminated agreement's lines plan what it paid, not what it
    planned (over a project, whose later agreement plans the rest of the award again)."""
    budget_lines = BudgetLine.objects.filter(line_filter)
    if terminated_as_paid:
        budget_lines = budget_lines.exclude(agreement__status=TERMINATED)
    planned = dict(
        budget_lines.values("category")
        .annotate(total=Sum("planned_krw"))
        .values_list("category", "total")
    )
    amounts = _amounts(request_filter)
    for category, figures in amounts.items():
        paid_terminated = figures.pop("paid_terminated")
        if terminated_as_paid and paid_terminated:
            planned[category] = planned.get(category, 0) + paid_terminated
    lines = []
    for category in BudgetCategory.values:
        figures = amounts.get(category, {})
        if category not in planned and not figures:
            continue
        lines.append(LineExecution(category=category, planned=planned.get(category, 0), **figures))
    return Execution(lines=lines)


def agreement_execution(agreement) -> Execution:
    """Planned, claimed, approved and paid per budget line of one agreement (two queries)."""
    return _execution(Q(agreement=agreement), Q(request__tranche__agreement=agreement))


def project_execution(project) -> Execution:
    """The same over every agreement of a project (two queries). A terminated agreement plans
    only what it paid: the agreements in force plan the rest of the award."""
    return _execution(
        Q(agreement__project=project),
        Q(request__tranche__agreement__project=project),
        terminated_as_paid=True,
    )


def paid_total(project) -> int:
    """Won paid to the project so far, over all its agreements (one query)."""
    return (
        PaymentRequest.objects.filter(
            tranche__agreement__project=project, status__in=PAID
        ).aggregate(total=Sum("amount_krw"))["total"]
        or 0
    )
