"""A reviewer who joins an applicant organisation after submitting a review of its
application: the track's staff are told once, when the tie begins, not again each time the
reviewer later joins some other organisation."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import services as account_services
from notifications.models import Message
from reviews.models import Assignment
from tests.factories import OrganizationFactory

from .conftest import verified

A = Assignment.Status


def test_submitted_review_is_reported_once_not_at_every_later_membership(
    kind_staff, klang_org, assignment
):
    assignment.status = A.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.total = 75
    assignment.save(update_fields=["status", "submitted_at", "total"])
    superuser = verified(
        get_user_model().objects.create_superuser(email="root@molit.go.kr", password="x" * 20)
    )
    account_services.add_membership(
        user=assignment.reviewer, organization=klang_org, role="member", actor=superuser
    )
    told = Message.objects.filter(recipient=kind_staff, template="reviews/reviewer_dropped")
    assert told.count() == 1

    # Later the reviewer joins an unrelated company: nothing new about the old review.
    other = OrganizationFactory(name="Hanbit Urban Data", kind="korean_company")
    account_services.add_membership(
        user=assignment.reviewer, organization=other, role="member", actor=superuser
    )

    assert told.count() == 1
    assignment.refresh_from_db()
    assert assignment.status == A.SUBMITTED
