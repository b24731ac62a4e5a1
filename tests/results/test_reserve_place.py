"""An applicant on the reserve list is told their place as the list stands: after the first
reserve was offered the funding (or staff moved one off the list by hand), the second is first.
Before, the page and the release e-mail gave the stored rank, gaps and all."""

import pytest
from django.urls import reverse
from django.utils import timezone

from results.models import Decision
from tests.factories.results import reviewed_application

pytestmark = pytest.mark.django_db
M = 1_000_000


def _reserves(track, applicant, count):
    org = applicant.organizations.first()
    now = timezone.now()
    return [
        Decision.objects.create(
            application=reviewed_application(track, budget_requested=400 * M, organization=org),
            track=track,
            outcome=Decision.Outcome.RESERVE,
            proposed_outcome=Decision.Outcome.RESERVE,
            reserve_rank=rank,
            amount=400 * M,
            confirmed_at=now,
            released_at=now,
        )
        for rank in range(1, count + 1)
    ]


def test_the_place_counts_only_the_reserves_still_ahead(planning_track, applicant):
    first, second, third = _reserves(planning_track, applicant, 3)
    assert [d.reserve_place() for d in (first, second, third)] == [1, 2, 3]
    # The first is offered the funding: it leaves the list.
    Decision.objects.filter(pk=first.pk).update(
        outcome=Decision.Outcome.SELECTED, reserve_rank=None
    )
    assert [d.reserve_place() for d in (second, third)] == [1, 2]
    first.refresh_from_db()
    assert first.reserve_place() is None


def test_the_applicants_page_gives_the_place_as_the_list_stands(client, planning_track, applicant):
    first, second, _third = _reserves(planning_track, applicant, 3)
    Decision.objects.filter(pk=first.pk).update(
        outcome=Decision.Outcome.SELECTED, reserve_rank=None
    )
    second.application.status = "reserve"
    second.application.save(update_fields=["status"])
    client.force_login(applicant)
    page = client.get(reverse("applications:detail", args=[second.application.pk]))
    assert page.status_code == 200
    assert "Your place on the reserve list: 1." in page.content.decode()
