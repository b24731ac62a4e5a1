"""After an approved erasure, the person's name and address are nowhere the portal shows them:
committee invitations, the back office's own change log."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from accounts import privacy
from accounts.audit import audit_events_for
from reviews.models import ReviewerInvitation
from reviews.services.committee import invite_reviewer
from tests.factories import CallFactory, TrackFactory
from tests.test_admin_doors import _post_change

pytestmark = pytest.mark.django_db


def erase(user, admin):
    erasure = privacy.request_erasure(user=user, reason="")
    privacy.decide_erasure_request(
        erasure_request=erasure, approve=True, reason="No retention ground.", actor=admin
    )
    user.refresh_from_db()
    return user


def test_erasure_anonymises_committee_invitations_to_the_address(
    programme_admin, reviewer, planning_track
):
    email = reviewer.email
    invitation = invite_reviewer(
        track=planning_track, email=email, name="Dr Kim Min-jun", actor=programme_admin
    )
    other = invite_reviewer(
        track=planning_track, email="someone@else.example", name="Ms Lee", actor=programme_admin
    )
    erase(reviewer, programme_admin)
    invitation.refresh_from_db()
    assert (invitation.email, invitation.name) == (privacy.anonymised_email(reviewer.pk), "")
    assert not ReviewerInvitation.objects.filter(email__iexact=email).exists()
    # Nobody can accept it any more: it no longer waits for an answer in the staff's lists.
    assert invitation.status == ReviewerInvitation.Status.REVOKED
    event = audit_events_for(invitation).get(action="status")
    assert (event.new_value, event.actor, event.detail["reason"]) == (
        "revoked",
        None,
        "account_erased",
    )
    other.refresh_from_db()
    assert (other.email, other.name) == ("someone@else.example", "Ms Lee")
    assert other.status == ReviewerInvitation.Status.PENDING


def test_erasure_anonymises_the_back_office_change_log(client, programme_admin, applicant):
    """Django's admin writes a LogEntry whose ``object_repr`` is ``str(user)`` ("Name <e-mail>"),
    shown in the admin's "Recent actions" of whoever made the change."""
    name, email = applicant.name, applicant.email
    assert _post_change(client, programme_admin, applicant, is_active=False).status_code == 302
    assert LogEntry.objects.filter(object_repr__icontains=email).exists()
    applicant.is_active = True
    applicant.save(update_fields=["is_active"])
    erase(applicant, programme_admin)
    reprs = list(LogEntry.objects.values_list("object_repr", flat=True))
    assert reprs and not any(email in r or name in r for r in reprs)
    assert privacy.anonymised_email(applicant.pk) in reprs[0]


def test_retention_anonymises_old_committee_invitations(programme_admin):
    """An expert who never answered, or declined, is named in the invitation forever unless
    the retention job clears it like the other review records (5 years after the call)."""
    closes = timezone.now() - datetime.timedelta(days=6 * 366)
    old_call = CallFactory(opens_at=closes - datetime.timedelta(days=60), closes_at=closes)
    old = ReviewerInvitation.objects.create(
        track=TrackFactory(call=old_call),
        email="declined@expert.example",
        name="Prof Declined",
        status=ReviewerInvitation.Status.DECLINED,
        invited_by=programme_admin,
        expires_at=closes,
    )
    recent = ReviewerInvitation.objects.create(
        track=TrackFactory(call=CallFactory()),
        email="recent@expert.example",
        name="Prof Recent",
        invited_by=programme_admin,
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )
    counts = privacy.apply_retention()
    assert counts["reviews.invitation"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.name == "" and old.email != "declined@expert.example"
    assert old.email.endswith("@anonymised.invalid")
    assert (recent.email, recent.name) == ("recent@expert.example", "Prof Recent")
    assert privacy.apply_retention()["reviews.invitation"] == 0  # idempotent


def test_retention_anonymises_old_organisation_invitations(applicant):
    """An invitation to a colleague who never joined names their address forever unless the
    retention job clears it a year after it ended (expired, accepted or revoked)."""
    from accounts.models import OrganizationInvitation

    organisation = applicant.organizations.get()
    long_ago = timezone.now() - datetime.timedelta(days=400)
    old = OrganizationInvitation.objects.create(
        organization=organisation,
        email="never.joined@klang.gov.my",
        invited_by=applicant,
        created_at=long_ago - datetime.timedelta(days=7),
        expires_at=long_ago,
    )
    open_one = OrganizationInvitation.objects.create(
        organization=organisation,
        email="soon@klang.gov.my",
        invited_by=applicant,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    assert privacy.apply_retention()["accounts.invitation"] == 1
    old.refresh_from_db()
    open_one.refresh_from_db()
    assert old.email.endswith("@anonymised.invalid")
    assert open_one.email == "soon@klang.gov.my"
    assert privacy.apply_retention()["accounts.invitation"] == 0
    assert "accounts.invitation" in [row["name"] for row in privacy.retention_table()]


@pytest.fixture
def old_contractor_selection(role_groups, planning_track):
    """A funded project still running, whose contractor was chosen by a selection call that
    closed six years ago: the winner's proposal is a record of the project, the loser's not."""
    from applications.models import Application
    from awards.models import Award
    from tests.factories import (
        DocumentFactory,
        OrganizationFactory,
        ProjectFactory,
        SubmittedApplicationFactory,
    )

    winner_org = OrganizationFactory(name="Hanul Urban Planning", kind="korean_company")
    loser_org = OrganizationFactory(name="Budget Planners", kind="korean_company")
    project = ProjectFactory(contractor=winner_org)
    funded = SubmittedApplicationFactory(track=planning_track, status=Application.Status.AWARDED)
    Award.objects.create(
        application=funded, project=project, amount=400_000_000, status=Award.Status.IN_PROGRESS
    )
    closes = timezone.now() - datetime.timedelta(days=6 * 366)
    call = CallFactory(
        kind="contractor_selection",
        project=project,
        status="decided",
        opens_at=closes - datetime.timedelta(days=30),
        closes_at=closes,
    )
    track = TrackFactory(call=call, kind="contractor_selection")
    proposals = {}
    for key, org in (("winner", winner_org), ("loser", loser_org)):
        proposals[key] = SubmittedApplicationFactory(
            track=track,
            organization=org,
            status=Application.Status.REVIEWED,
            contact_name=f"{key} manager",
            contact_email=f"pm@{key}.example",
        )
        DocumentFactory(application=proposals[key])
    return proposals


def test_retention_keeps_the_winning_contractors_proposal_of_a_running_project(
    old_contractor_selection,
):
    from applications.models import Document

    privacy.apply_retention()
    winner, loser = old_contractor_selection["winner"], old_contractor_selection["loser"]
    winner.refresh_from_db()
    loser.refresh_from_db()
    assert (winner.contact_name, winner.contact_email) == ("winner manager", "pm@winner.example")
    assert Document.objects.filter(application=winner).exists()
    assert (loser.contact_name, loser.contact_email) == ("", "")
    assert not Document.objects.filter(application=loser).exists()


def test_retention_anonymises_the_winners_proposal_ten_years_after_the_project(
    old_contractor_selection,
):
    from awards.models import Award

    winner = old_contractor_selection["winner"]
    Award.objects.filter(project=winner.call.project).update(
        status=Award.Status.COMPLETED,
        updated_at=timezone.now() - datetime.timedelta(days=11 * 366),
    )
    counts = privacy.apply_retention()
    winner.refresh_from_db()
    assert winner.contact_email == ""
    assert counts["awards.funded_application"] == 2  # the project's own application and it
