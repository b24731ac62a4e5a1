"""awards 0004: the deliverable versions stored before it are given the company they were
sent for, their project's contractor (no contractor could leave a project before)."""

import pytest

from awards.models import Deliverable, DeliverableVersion
from tests.factories import DeliverableFactory, OrganizationFactory, ProjectFactory
from tests.factories.applications import PDF_BYTES
from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("awards", "0003_agreement_termination")]


def test_stored_versions_are_given_their_projects_contractor():
    company = OrganizationFactory(kind="korean_company", country_code="KR")
    with_contractor = DeliverableFactory(
        project=ProjectFactory(contractor=company), kind=Deliverable.Kind.INTERIM
    )
    without = DeliverableFactory(project=ProjectFactory(contractor=None))
    for deliverable in (with_contractor, without):
        DeliverableVersion.objects.create(
            deliverable=deliverable, number=1, file="deliverables/v1.pdf", size=len(PDF_BYTES)
        )
    try:
        migrate(BEFORE)  # the column is dropped: the rows are as an older release stored them
        new = migrate(latest())
        versions = new.get_model("awards", "DeliverableVersion").objects
        assert versions.get(deliverable_id=with_contractor.pk).organization_id == company.pk
        assert versions.get(deliverable_id=without.pk).organization_id is None
    finally:
        migrate(latest())
