"""Download my data: everything held about the person, and nobody else's personal data."""

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone

from accounts import privacy
from accounts.models import OrganizationInvitation
from notifications.models import Message
from reviews.services.committee import invite_reviewer
from tests.factories import SubmittedApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def export(user) -> dict:
    archive = privacy.export_personal_data(user=user, actor=user)
    return json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("data.json"))["kinds"]


def test_export_holds_messages_sent_to_the_address_before_the_account_linked_them(applicant):
    """Erasure deletes messages by account or by address; the download must show the same."""
    Message.objects.create(
        to_email=applicant.email.upper(),
        channel="email",
        template="accounts/erasure_refused",
        subject="Your erasure request",
        body="We cannot erase your data yet.",
        status="sent",
    )
    Message.objects.create(
        to_email="someone@else.example", channel="email", template="x/y", body="Not yours"
    )
    rows = export(applicant)["notifications.message"]["rows"]
    assert [row["body"] for row in rows] == ["We cannot erase your data yet."]


def test_export_holds_committee_invitations_to_the_address(
    programme_admin, reviewer, planning_track
):
    invite_reviewer(
        track=planning_track, email=reviewer.email, name="Dr Kim", actor=programme_admin
    )
    invite_reviewer(
        track=planning_track, email="other@expert.example", name="Ms Lee", actor=programme_admin
    )
    rows = export(reviewer)["reviews.invitation"]["rows"]
    assert [(row["name"], row["status"]) for row in rows] == [("Dr Kim", "pending")]
    assert "Ms Lee" not in json.dumps(rows)


def test_export_holds_organisation_invitations_to_the_address(applicant, role_groups):
    organisation = applicant.organizations.get()
    newcomer = UserFactory(email="newcomer@klang.gov.my")
    OrganizationInvitation.objects.create(
        organization=organisation,
        email=newcomer.email,
        invited_by=applicant,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    [account] = export(newcomer)["accounts.account"]["rows"]
    assert [row["organisation"] for row in account["invitations"]] == [organisation.name]


def test_export_leaves_out_a_colleagues_contact_details(applicant, role_groups):
    """An application of the organisation whose contact person is a colleague: the download
    of one member must not hand over the other's telephone and address."""
    organisation = applicant.organizations.get()
    colleague = UserFactory(email="colleague@klang.gov.my", organizations=[organisation])
    SubmittedApplicationFactory(
        organization=organisation,
        created_by=colleague,
        contact_name="Siti Colleague",
        contact_position="Planner",
        contact_email=colleague.email,
        contact_phone="+60 3 9999 0000",
    )
    mine = SubmittedApplicationFactory(
        organization=organisation,
        created_by=applicant,
        contact_name=applicant.name,
        contact_email=applicant.email,
        contact_phone="+60 3 1111 0000",
    )
    rows = export(applicant)["applications.application"]["rows"]
    text = json.dumps(rows)
    assert "colleague@klang.gov.my" not in text
    assert "+60 3 9999 0000" not in text and "Siti Colleague" not in text
    [own] = [row for row in rows if row["reference"] == mine.reference]
    assert (own["contact_email"], own["contact_phone"]) == (applicant.email, "+60 3 1111 0000")
    # The colleague's own download still holds them.
    colleague_rows = export(colleague)["applications.application"]["rows"]
    assert "+60 3 9999 0000" in json.dumps(colleague_rows)


def test_export_does_not_carry_live_account_keys(applicant):
    """A sent invitation or password-reset e-mail carries a key to an account; the archive,
    which people store and forward, shows the message without it (as the outbox does)."""
    Message.objects.create(
        recipient=applicant,
        to_email=applicant.email,
        channel="email",
        template="accounts/password_reset",
        context={"uid": "MTI", "token": "cdef-0123456789abcdef"},
        body="Reset your password:\nhttps://portal.example/reset/MTI/cdef-0123456789abcdef/\n",
        status="sent",
        sensitive=True,
    )
    [row] = export(applicant)["notifications.message"]["rows"]
    assert "cdef-0123456789abcdef" not in json.dumps(row)
    assert row["body"].startswith("Reset your password:")
