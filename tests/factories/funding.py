"""Factories for what follows an award: agreements, their budget lines and tranches, payment
requests, and the versions of a deliverable.

They write rows directly (as factories do), for tests that need an agreement in a given state
without walking the funding services (``awards.funding``); tests of those services make their
rows through the services themselves. ``signed_agreement`` and ``final_payment`` are the two
shortcuts the lifecycle's tests need: a signed agreement of a kind, and a decided last tranche.
"""

from __future__ import annotations

import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from awards.models import (
    Agreement,
    BudgetCategory,
    BudgetLine,
    Deliverable,
    DeliverableVersion,
    PaymentRequest,
    Tranche,
)

from .accounts import OrganizationFactory, UserFactory
from .projects import DeliverableFactory, ProjectFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    project = factory.SubFactory(ProjectFactory)
    kind = Agreement.Kind.GRANT
    party = factory.SubFactory(OrganizationFactory)
    reference = factory.Sequence(lambda n: f"KCN-AG-{n:05d}")
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2026, 12, 31)

    class Params:
        signed = factory.Trait(
            status=Agreement.Status.SIGNED,
            signed_on=factory.LazyAttribute(lambda o: o.starts_on),
        )


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    agreement = factory.SubFactory(AgreementFactory)
    category = BudgetCategory.PERSONNEL
    planned_krw = 100_000_000


class TrancheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tranche

    agreement = factory.SubFactory(AgreementFactory)
    number = factory.Sequence(lambda n: n + 1)
    share_percent = 30
    amount_krw = 120_000_000
    after_deliverable = ""


class PaymentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentRequest

    tranche = factory.SubFactory(TrancheFactory)
    amount_krw = factory.LazyAttribute(lambda o: o.tranche.amount_krw)
    requested_by = factory.SubFactory(UserFactory)


class DeliverableVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliverableVersion

    deliverable = factory.SubFactory(DeliverableFactory)
    number = factory.Sequence(lambda n: n + 1)
    file = factory.LazyFunction(lambda: ContentFile(PDF, name="report.pdf"))
    original_name = "report.pdf"
    content_type = "application/pdf"
    size = len(PDF)
    submitted_at = factory.LazyFunction(timezone.now)


def signed_agreement(
    project, *, kind: str = Agreement.Kind.GRANT, party=None, **extra
) -> Agreement:
    """A signed agreement of ``kind`` for ``project``; its party is the project's contractor for
    a service contract and its partner for a grant agreement, unless given."""
    if party is None:
        party = project.contractor if kind == Agreement.Kind.SERVICE else project.partner
    if party is None:
        party = OrganizationFactory()
    return AgreementFactory(project=project, kind=kind, party=party, signed=True, **extra)


def final_payment(agreement: Agreement, *, status: str = Tranche.Status.PAID) -> Tranche:
    """The agreement's last tranche, due after the final report, already ``status`` (paid by
    default; ``withheld`` decides it too)."""
    return TrancheFactory(
        agreement=agreement,
        number=99,
        share_percent=30,
        after_deliverable=Deliverable.Kind.FINAL,
        status=status,
    )


def paid_under_service_contract(project, *, contractor_user, amount_krw: int) -> PaymentRequest:
    """``amount_krw`` already paid to ``project`` as the first tranche of a signed service
    contract with ``contractor_user``'s company: the money a cancelled award keeps spent."""
    contract = signed_agreement(
        project, kind=Agreement.Kind.SERVICE, party=contractor_user.organizations.first()
    )
    tranche = TrancheFactory(
        agreement=contract, number=1, amount_krw=amount_krw, status=Tranche.Status.PAID
    )
    return PaymentRequestFactory(
        tranche=tranche,
        amount_krw=amount_krw,
        status=PaymentRequest.Status.PAID,
        paid_on=datetime.date(2026, 3, 2),
        payment_reference="KEXIM-0001",
        requested_by=contractor_user,
    )
