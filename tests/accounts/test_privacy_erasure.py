"""Erasure requests: asked by the user, decided by a programme admin with a reason."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from accounts import privacy
from accounts.audit import audit_events_for
from accounts.models import ApiToken, ErasureRequest, ReviewerProfile, User
from applications.models import Application
from core.domain import DomainError
from notifications.models import Message
from reviews.models import Assignment
from tests.factories import AssignmentFactory, SubmittedApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(applicant, reviewer):
    """An applicant who is also a reviewer, with an application, a review, a token, a
    reviewer profile and a message."""
    application = SubmittedApplicationFactory(
        organization=applicant.organizations.get(),
        created_by=applicant,
        contact_name=applicant.name,
        contact_email=applicant.email,
        contact_phone="+60 3 3371 0000",
    )
    review = AssignmentFactory(reviewer=applicant, overall_comment="Strong local support.")
    ApiToken.objects.create(
        user=applicant,
        name="CI",
        prefix="kcpriv",
        key_hash="hash-privacy",
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    ReviewerProfile.objects.create(user=applicant, employer="Klang Council", biography="Planner")
    Message.objects.create(
        recipient=applicant, to_email=applicant.email, channel="email", template="x/y"
    )
    return {"user": applicant, "application": application, "review": review}


def test_request_erasure_pending_audited_and_admins_told(person, programme_admin):
    erasure = privacy.request_erasure(user=person["user"], reason="I left the council.")
    assert erasure.status == ErasureRequest.Status.PENDING
    assert audit_events_for(erasure).get().action == "erasure_requested"
    told = Message.objects.filter(template="accounts/erasure_requested")
    assert set(told.values_list("recipient", flat=True)) == {programme_admin.pk}
    with pytest.raises(DomainError) as twice:
        privacy.request_erasure(user=person["user"], reason="Again")
    assert twice.value.field == "reason"


def test_approval_anonymises_account_and_data_except_what_the_law_keeps(person, programme_admin):
    user = person["user"]
    email = user.email
    erasure = privacy.request_erasure(user=user, reason="")
    privacy.decide_erasure_request(
        erasure_request=erasure, approve=True, reason="No retention ground.", actor=programme_admin
    )
    user.refresh_from_db()
    assert (user.name, user.email) == (
        privacy.ANONYMISED_NAME,
        privacy.anonymised_email(user.pk),
    )
    assert not user.is_active and not user.has_usable_password() and user.anonymised_at
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    profile = ReviewerProfile.objects.get(user=user)
    assert (profile.employer, profile.biography) == ("", "")
    application = Application.objects.get(pk=person["application"].pk)
    assert (application.contact_name, application.contact_email, application.contact_phone) == (
        "",
        "",
        "",
    )
    assert application.status == Application.Status.SUBMITTED  # kept: the organisation's
    review = Assignment.objects.get(pk=person["review"].pk)
    assert review.overall_comment == "Strong local support."  # kept under the legal obligation
    assert not Message.objects.filter(template="x/y").exists()
    told = Message.objects.get(template="accounts/erasure_approved")
    assert (told.to_email, told.recipient) == (email, None)
    erasure.refresh_from_db()
    assert (erasure.status, erasure.decided_by, erasure.decision_reason) == (
        ErasureRequest.Status.APPROVED,
        programme_admin,
        "No retention ground.",
    )
    event = audit_events_for(erasure).get(action="erasure_approved")
    assert event.actor == programme_admin
    assert "reviews.review" in event.detail["kept"]
    assert event.detail["erased"]["applications.application"] == 1


def test_approval_ends_the_users_sessions(client, person, programme_admin):
    client.force_login(person["user"])
    assert client.get(reverse("accounts:profile")).status_code == 200
    erasure = privacy.request_erasure(user=person["user"], reason="")
    privacy.decide_erasure_request(
        erasure_request=erasure, approve=True, reason="Granted.", actor=programme_admin
    )
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_refusal_changes_nothing_but_the_request(person, programme_admin):
    user = person["user"]
    before = (user.name, user.email, user.password, user.is_active)
    erasure = privacy.request_erasure(user=user, reason="")
    privacy.decide_erasure_request(
        erasure_request=erasure,
        approve=False,
        reason="Your application is under review; ask again after the decision.",
        actor=programme_admin,
    )
    user.refresh_from_db()
    assert (user.name, user.email, user.password, user.is_active) == before
    application = Application.objects.get(pk=person["application"].pk)
    assert application.contact_email == user.email
    assert Message.objects.filter(template="x/y").exists()
    told = Message.objects.get(template="accounts/erasure_refused")
    assert told.context == {
        "reason": "Your application is under review; ask again after the decision."
    }
    assert audit_events_for(erasure).filter(action="erasure_refused").exists()


def test_applicant_cannot_decide(person, other_applicant):
    erasure = privacy.request_erasure(user=person["user"], reason="")
    with pytest.raises(DomainError) as refused:
        privacy.decide_erasure_request(
            erasure_request=erasure, approve=True, reason="Sure.", actor=other_applicant
        )
    assert refused.value.code == "forbidden"
    erasure.refresh_from_db()
    assert erasure.is_pending
    person["user"].refresh_from_db()
    assert person["user"].anonymised_at is None


def test_admin_cannot_decide_their_own_request(programme_admin):
    erasure = privacy.request_erasure(user=programme_admin, reason="")
    with pytest.raises(DomainError):
        privacy.decide_erasure_request(
            erasure_request=erasure, approve=True, reason="Mine.", actor=programme_admin
        )


def test_decision_needs_a_reason_and_a_pending_request(person, programme_admin):
    erasure = privacy.request_erasure(user=person["user"], reason="")
    with pytest.raises(DomainError) as no_reason:
        privacy.decide_erasure_request(
            erasure_request=erasure, approve=False, reason=" ", actor=programme_admin
        )
    assert no_reason.value.field == "decision_reason"
    privacy.decide_erasure_request(
        erasure_request=erasure, approve=False, reason="No.", actor=programme_admin
    )
    with pytest.raises(DomainError):
        privacy.decide_erasure_request(
            erasure_request=erasure, approve=True, reason="Yes.", actor=programme_admin
        )


def test_erasure_page_sends_a_request(client, applicant):
    client.force_login(applicant)
    page = client.get(reverse("accounts:erasure_request"))
    assert "Evaluation records are kept for five years" in page.content.decode()
    response = client.post(reverse("accounts:erasure_request"), {"reason": "Moving on."})
    assert response.status_code == 302
    assert ErasureRequest.objects.get(user=applicant).reason == "Moving on."
    again = client.get(reverse("accounts:erasure_request")).content.decode()
    assert "Send the request" not in again and "Pending" in again


def _admin_action(client, user, action, erasure, **extra):
    client.force_login(user)
    url = reverse("admin:accounts_erasurerequest_changelist")
    return client.post(
        url, {"action": action, ACTION_CHECKBOX_NAME: [erasure.pk], **extra}, follow=False
    )


def test_admin_action_asks_the_reason_then_approves(client, person, programme_admin):
    erasure = privacy.request_erasure(user=person["user"], reason="Please.")
    asked = _admin_action(client, programme_admin, "approve_erasure_requests", erasure)
    assert asked.status_code == 200
    assert 'name="decision_reason"' in asked.content.decode()
    erasure.refresh_from_db()
    assert erasure.is_pending
    done = _admin_action(
        client,
        programme_admin,
        "approve_erasure_requests",
        erasure,
        decision_reason="Granted under PIPA art. 36.",
    )
    assert done.status_code == 302
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.APPROVED
    assert User.objects.get(pk=person["user"].pk).anonymised_at is not None


def test_admin_secretariat_staff_cannot_see_or_decide(client, person, kind_staff):
    erasure = privacy.request_erasure(user=person["user"], reason="")
    client.force_login(kind_staff)
    changelist = reverse("admin:accounts_erasurerequest_changelist")
    assert client.get(changelist).status_code == 403
    response = _admin_action(
        client, kind_staff, "refuse_erasure_requests", erasure, decision_reason="No."
    )
    assert response.status_code == 403
    erasure.refresh_from_db()
    assert erasure.is_pending


def test_anonymised_account_cannot_ask_again(person, programme_admin):
    user = person["user"]
    erasure = privacy.request_erasure(user=user, reason="")
    privacy.decide_erasure_request(
        erasure_request=erasure, approve=True, reason="Granted.", actor=programme_admin
    )
    with pytest.raises(DomainError):
        privacy.request_erasure(user=User.objects.get(pk=user.pk), reason="")
