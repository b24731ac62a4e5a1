"""A reviewer who belongs to an applicant organisation (or to one of its consortium partners)
never reviews its applications: not assigned, not opened, not scored, by any door; and a
membership that starts after the assignment ends the assignment as a conflict, with staff told.
"""

import pytest
from django.urls import reverse

from accounts import services as account_services
from core.domain import DomainError
from notifications.models import Message
from notifications.services import render_message
from reviews import services
from reviews.models import Assignment, ConflictDeclaration
from tests.api.conftest import client_for, url
from tests.factories import ConsortiumMemberFactory, MembershipFactory, OrganizationFactory

from .conftest import invite, score_data, verified

A = Assignment.Status


def test_reviewer_who_joins_the_applicant_ends_the_assignment_and_staff_are_told(
    client, kind_staff, applicant, klang, assignment, criteria
):
    reviewer = verified(assignment.reviewer)
    invitation = invite(applicant, klang, reviewer.email)
    client.force_login(reviewer)

    joined = client.post(reverse("accounts:accept_invitation", args=[invitation.token]))

    assert joined.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == A.CONFLICT
    declaration = ConflictDeclaration.objects.get(
        reviewer=reviewer, application=assignment.application
    )
    assert declaration.has_conflict is True
    assert declaration.kind == ConflictDeclaration.Kind.SAME_ORGANISATION
    assert Message.objects.filter(
        recipient=kind_staff, template="reviews/reviewer_dropped"
    ).exists()
    # The application is gone from the reviewer's pages, and scoring is refused.
    page = client.get(reverse("reviews:application", args=[assignment.pk]))
    assert page.status_code in (403, 404)
    scored = client.post(reverse("reviews:score", args=[assignment.pk]), score_data(criteria))
    assert scored.status_code in (403, 404)
    assignment.refresh_from_db()
    assert assignment.status == A.CONFLICT and assignment.total is None


def test_membership_added_in_the_back_office_ends_the_assignment(kind_staff, klang, assignment):
    superuser = verified(
        type(kind_staff).objects.create_superuser(email="root@molit.go.kr", password="x" * 20)
    )
    account_services.add_membership(
        user=assignment.reviewer, organization=klang, role="member", actor=superuser
    )
    assignment.refresh_from_db()
    assert assignment.status == A.CONFLICT


def test_member_of_a_consortium_partner_cannot_open_or_score_by_any_door(
    client, assignment, criteria
):
    """A membership that no service recorded as a conflict (the partner was added to the
    consortium after the assignment, or the data predates the rule): the rule itself asks."""
    partner = OrganizationFactory(name="Hanul Smart Solutions", kind="korean_company")
    ConsortiumMemberFactory(
        application=assignment.application, organization=partner, name=partner.name
    )
    MembershipFactory(user=assignment.reviewer, organization=partner)

    client.force_login(assignment.reviewer)
    assert client.get(reverse("reviews:application", args=[assignment.pk])).status_code in (
        403,
        404,
    )
    api = client_for(assignment.reviewer)
    response = api.post(
        url("assignment", assignment, "save-scores"),
        {"scores": [{"criterion": criteria[0].pk, "points": "10"}]},
        format="json",
    )
    assert response.status_code in (403, 404)
    application = reverse("api:application-detail", kwargs={"pk": assignment.application_id})
    assert api.get(application).status_code in (403, 404)
    with pytest.raises(DomainError) as refused:
        services.save_review_draft(assignment=assignment, scores={}, actor=assignment.reviewer)
    assert refused.value.code == "conflict"


def test_member_of_a_consortium_partner_is_not_assigned(
    kind_staff, unassigned_reviewer, under_review
):
    partner = OrganizationFactory(name="Hanul Smart Solutions", kind="korean_company")
    ConsortiumMemberFactory(application=under_review, organization=partner, name=partner.name)
    MembershipFactory(user=unassigned_reviewer, organization=partner)
    with pytest.raises(DomainError) as refused:
        services.assign_reviewer(
            application=under_review, reviewer=unassigned_reviewer, actor=kind_staff
        )
    assert refused.value.code == "conflict"


def test_invitation_page_tells_a_reviewer_what_joining_means(client, applicant, klang, assignment):
    reviewer = verified(assignment.reviewer)
    invitation = invite(applicant, klang, reviewer.email)
    client.force_login(reviewer)
    page = client.get(reverse("accounts:accept_invitation", args=[invitation.token]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "conflict of interest" in text
    mail = Message.objects.get(template="accounts/invitation", recipient=reviewer)
    render_message(mail)
    assert "conflict of interest" in mail.body
