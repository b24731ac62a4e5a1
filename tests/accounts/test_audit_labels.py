"""The audit trail is read in the reader's language: the back office's History pages, the
audit list and a project's timeline say what happened ("Member removed", "Submitted → Eligible")
instead of the codes the services record ("member_removed", "status: submitted → eligible")."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.audit import ACTION_LABELS, describe_event, record_audit_event
from applications.models import Application
from applications.services import transition_application
from tests.factories import SubmittedApplicationFactory

pytestmark = pytest.mark.django_db

APPS = ("accounts", "applications", "reviews", "results", "awards", "projects", "notifications")
RECORDED = re.compile(r"""action=["']([a-z_]+)["']""")
# Not audit actions: argparse's ``action="store_true"`` in management commands.
NOT_AUDIT = {"store_true"}


def test_every_action_the_code_records_has_a_label():
    recorded = set()
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            recorded |= set(RECORDED.findall(path.read_text(encoding="utf-8")))
    missing = sorted(recorded - NOT_AUDIT - set(ACTION_LABELS) - {"status"})
    assert not missing, missing


def test_a_status_change_reads_as_its_labels_in_korean(planning_track, kind_staff):
    application = SubmittedApplicationFactory(track=planning_track)
    transition_application(
        application=application, to=Application.Status.ELIGIBLE, actor=kind_staff
    )
    event = application_events(application).get(action="status")
    with translation.override("ko"):
        described = describe_event(event)
    assert "submitted" not in described and "eligible" not in described
    with translation.override("ko"):
        assert described == (
            f"{Application.Status.SUBMITTED.label} → {Application.Status.ELIGIBLE.label}"
        )


def application_events(application):
    from accounts.audit import audit_events_for  # noqa: PLC0415

    return audit_events_for(application)


def test_an_action_reads_as_its_label_and_an_unknown_one_never_as_its_code(applicant):
    organisation = applicant.organizations.first()
    known = record_audit_event(subject=organisation, action="member_left", actor=applicant)
    unknown = record_audit_event(subject=organisation, action="some_new_code", actor=applicant)
    with translation.override("ko"):
        assert describe_event(known) == "구성원 탈퇴"
        assert "some_new_code" not in describe_event(unknown)
    with translation.override("en"):
        assert describe_event(known) == "Member left"
        assert describe_event(unknown) == "Changed"


def test_the_back_office_history_speaks_korean(client, programme_admin, applicant):
    organisation = applicant.organizations.first()
    record_audit_event(subject=organisation, action="member_left", actor=applicant)
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    url = reverse("admin:accounts_organization_history", args=[organisation.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "구성원 탈퇴" in page
    assert "member_left" not in page
