"""The annual declaration of interests is a reviewer's: the page and the service refuse anyone
else, who must not leave a signed declaration behind."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from core.domain import DomainError
from reviews import services
from reviews.models import CommitteeMember, InterestDeclaration
from reviews.rules import SIGN_INTEREST_DECLARATION
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNED = {"interests": "Board member of the Klang smart-city forum", "confirm": "on"}


def test_reviewer_opens_and_signs_the_declaration(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("reviews:declaration")).status_code == 200
    response = client.post(reverse("reviews:declaration"), SIGNED)
    assert response.status_code == 302
    declaration = InterestDeclaration.objects.get(reviewer=reviewer)
    assert declaration.interests == SIGNED["interests"]
    assert AuditEvent.objects.filter(action="signed", object_id=str(declaration.pk)).exists()


def test_committee_member_without_the_role_may_sign(client, planning_track):
    """A seat given outside an invitation (the back office) still makes a reviewer."""
    expert = UserFactory(email="seated@university.example.net")
    CommitteeMember.objects.create(track=planning_track, reviewer=expert)
    client.force_login(expert)
    assert client.get(reverse("reviews:declaration")).status_code == 200
    assert client.post(reverse("reviews:declaration"), SIGNED).status_code == 302
    assert InterestDeclaration.objects.filter(reviewer=expert).count() == 1


@pytest.mark.parametrize("who", ["applicant", "kind_staff", "programme_admin", "contractor"])
def test_anyone_but_a_reviewer_is_refused_the_declaration(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("reviews:declaration")).status_code == 403
    assert client.post(reverse("reviews:declaration"), SIGNED).status_code == 403
    assert not InterestDeclaration.objects.filter(reviewer=user).exists()


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("reviews:declaration"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_service_refuses_a_non_reviewer(applicant):
    with pytest.raises(DomainError) as refused:
        services.sign_interest_declaration(reviewer=applicant, interests="none", actor=applicant)
    assert refused.value.code == "forbidden"
    assert not InterestDeclaration.objects.filter(reviewer=applicant).exists()


def test_rule_allows_reviewers_only(reviewer, applicant, kind_staff):
    assert reviewer.has_perm(SIGN_INTEREST_DECLARATION)
    assert not applicant.has_perm(SIGN_INTEREST_DECLARATION)
    assert not kind_staff.has_perm(SIGN_INTEREST_DECLARATION)
