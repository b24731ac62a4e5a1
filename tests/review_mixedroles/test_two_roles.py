"""A reviewer who is also a member of an applicant organisation reaches both of their
homes, and still reads their own organisation's application as its applicant."""

from django.urls import reverse

from accounts import roles
from reviews.models import Assignment, ConflictDeclaration
from tests.api.conftest import client_for, url
from tests.factories import MembershipFactory

from .conftest import invite, verified


def test_reviewer_who_joins_an_applicant_reaches_both_homes(client, applicant, klang, assignment):
    reviewer = verified(assignment.reviewer)
    invitation = invite(applicant, klang, reviewer.email)
    client.force_login(reviewer)
    client.post(reverse("accounts:accept_invitation", args=[invitation.token]))

    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    assert roles.home_for(reviewer)[0] == "reviews:workspace"
    page = client.get(reverse("reviews:workspace")).content.decode()
    assert reverse("applications:dashboard") in page
    assert reverse("reviews:workspace") in page
    dashboard = client.get(reverse("applications:dashboard"))
    assert dashboard.status_code == 200
    assert assignment.application.title in dashboard.content.decode()
    # The API lets them read their organisation's application as its applicant.
    detail = client_for(reviewer).get(
        reverse("api:application-detail", kwargs={"pk": assignment.application_id})
    )
    assert detail.status_code == 200
    assert detail.json()["title"] == assignment.application.title


def test_reviewer_on_the_applicant_side_cannot_declare_no_conflict(assignment, under_review):
    """A membership no service recorded (made before the rule): "no conflict" is refused."""
    assignment.status = Assignment.Status.INVITED
    assignment.save(update_fields=["status"])
    ConflictDeclaration.objects.filter(reviewer=assignment.reviewer).delete()
    MembershipFactory(user=assignment.reviewer, organization=under_review.organization)
    response = client_for(assignment.reviewer).post(
        url("assignment", assignment, "declare-conflict"),
        {"has_conflict": False},
        format="json",
    )
    assert response.status_code in (400, 403, 404)
    assert not ConflictDeclaration.objects.filter(
        reviewer=assignment.reviewer, has_conflict=False
    ).exists()
