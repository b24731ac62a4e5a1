"""A small programme with money for the execution tests: four projects funded through the portal
(three on KIND's planning track, one on KAIA's demonstration track) with their agreements,
budget lines, tranches and payment requests in every state, and one project from before the
portal. Written straight into the data model: these tests read figures, the funding services
have their own tests."""

import datetime

from awards.models import (
    Agreement,
    Award,
    BudgetLine,
    PaymentRequest,
    PaymentRequestLine,
    Tranche,
)
from projects.models import Project
from tests.factories import CountryFactory, OrganizationFactory, ProjectFactory, UserFactory
from tests.factories.results import reviewed_application

M = 1_000_000
RS = PaymentRequest.Status


def countries():
    return {
        "MY": CountryFactory(),
        "BD": CountryFactory(
            code="BD", iso3="BGD", name="Bangladesh", name_ko="방글라데시", region="south_asia"
        ),
        "TH": CountryFactory(
            code="TH", iso3="THA", name="Thailand", name_ko="태국", region="southeast_asia"
        ),
    }


def funded_project(track, country, *, amount: int, year: int = 2022, **fields) -> Project:
    """A portal project awarded ``amount`` won on ``track``."""
    application = reviewed_application(track, status="awarded", country=country)
    project = ProjectFactory(
        year=year, track_kind=track.kind, country=country, budget_krw=amount, **fields
    )
    Award.objects.create(application=application, project=project, amount=amount)
    return project


def agreement(project, *, lines: dict[str, int], kind=Agreement.Kind.SERVICE) -> Agreement:
    party = OrganizationFactory(kind="korean_company", country_code="KR")
    signed = Agreement.objects.create(
        project=project,
        kind=kind,
        party=party,
        reference=f"AG-{project.code}-{kind[:3]}",
        status=Agreement.Status.SIGNED,
        starts_on=datetime.date(2022, 8, 1),
        ends_on=datetime.date(2023, 6, 30),
        signed_on=datetime.date(2022, 7, 20),
    )
    for category, planned in lines.items():
        BudgetLine.objects.create(agreement=signed, category=category, planned_krw=planned)
    return signed


def tranche(agreement, number: int, amount: int) -> Tranche:
    return Tranche.objects.create(
        agreement=agreement, number=number, share_percent=30, amount_krw=amount
    )


def payment(tranche, status: str, lines: dict[str, int]) -> PaymentRequest:
    """A payment request of ``tranche`` in ``status`` with its cost lines."""
    paid = status == RS.PAID
    request = PaymentRequest.objects.create(
        tranche=tranche,
        amount_krw=sum(lines.values()),
        status=status,
        requested_by=UserFactory(),
        paid_on=datetime.date(2022, 9, 1) if paid else None,
        payment_reference="KDB-2022-001" if paid else "",
    )
    for category, amount in lines.items():
        PaymentRequestLine.objects.create(request=request, category=category, amount_krw=amount)
    return request


def programme(planning_track, demonstration_track) -> dict:
    """The four portal projects and the historical one:

    ====  ======  ==  ===  =======  =======  =======  ========  ====
    code  track   cc  yr   awarded  planned  claimed  approved  paid
    ====  ======  ==  ===  =======  =======  =======  ========  ====
    p1    PL      MY  22   400      400      400      280       120
    p2    PL      BD  22   300      0        0        0         0
    p3    DM      TH  22   400      400      120      0         0
    p4    PL      MY  23   500      500      150      150       150
    ====  ======  ==  ===  =======  =======  =======  ========  ====
    (millions of won)."""
    cc = countries()
    p1 = funded_project(planning_track, cc["MY"], amount=400 * M, name="Klang master plan")
    contract = agreement(p1, lines={"personnel": 200 * M, "travel": 100 * M, "other": 100 * M})
    first, second, last = (tranche(contract, n, a * M) for n, a in ((1, 120), (2, 160), (3, 120)))
    payment(first, RS.PAID, {"personnel": 80 * M, "travel": 40 * M})
    payment(second, RS.APPROVED, {"personnel": 100 * M, "travel": 60 * M})
    payment(last, RS.REJECTED, {"other": 50 * M})  # neither claimed, approved nor paid
    payment(last, RS.RETURNED, {"other": 120 * M})  # still claimed: being corrected

    p2 = funded_project(planning_track, cc["BD"], amount=300 * M, name="Khulna master plan")

    p3 = funded_project(demonstration_track, cc["TH"], amount=400 * M, name="Mukdahan smart grid")
    grant = agreement(
        p3, lines={"equipment": 300 * M, "workshops": 100 * M}, kind=Agreement.Kind.GRANT
    )
    payment(tranche(grant, 1, 120 * M), RS.CHECKED, {"equipment": 120 * M})

    p4 = funded_project(planning_track, cc["MY"], amount=500 * M, year=2023, name="Kuching plan")
    contract = agreement(p4, lines={"personnel": 500 * M})
    payment(tranche(contract, 1, 150 * M), RS.PAID, {"personnel": 150 * M})
    payment(tranche(contract, 2, 200 * M), RS.CANCELLED, {"personnel": 200 * M})

    historical = ProjectFactory(
        year=2021,
        country=cc["MY"],
        budget_krw=600 * M,
        source=Project.Source.HISTORICAL,
        status=Project.Status.COMPLETED,
        name="Historical plan",
    )
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "historical": historical, **cc}
