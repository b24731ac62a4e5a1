"""A reviewer's yearly declaration of interests that expires while they type their review:
what they typed comes back in the form with a link to renew it, instead of a detour to the
declaration page that lost it. Nothing is saved until it is renewed."""

import datetime

from django.urls import reverse
from django.utils import timezone

from reviews.models import Assignment, InterestDeclaration
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import score_data

TYPED = "현장 준비 상태가 양호하며 시 정부의 예산 계획이 확인되었습니다."


def test_an_expired_declaration_keeps_what_was_typed_and_links_the_renewal(
    client, assignment, criteria
):
    client.force_login(assignment.reviewer)
    url = reverse("reviews:score", kwargs={"pk": assignment.pk})
    assert client.get(url).status_code == 200
    # The year runs out while the reviewer types.
    past = timezone.now() - datetime.timedelta(minutes=1)
    InterestDeclaration.objects.filter(reviewer=assignment.reviewer).update(
        signed_at=past - datetime.timedelta(days=365), expires_at=past
    )
    data = score_data(criteria, text=TYPED)
    data["draft"] = "1"
    response = client.post(url, data)
    assert response.status_code == 409
    body = response.content.decode()
    assert TYPED in body
    assert reverse("reviews:declaration") in body
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACCEPTED
    assert not assignment.scores.exists()
    # A plain visit still goes to the declaration first.
    assert client.get(url).status_code == 302
