"""The back office's deliverable actions go through the staff screen's service: the move is
audited and the contractor is told, exactly as when staff review on the staff screen."""

import pytest
from django.urls import reverse

from accounts.audit import audit_events_for
from awards.contractor_selection import submit_deliverable
from awards.models import Deliverable
from notifications.models import Message
from tests.factories import DeliverableFactory
from tests.factories.applications import pdf_upload

pytestmark = pytest.mark.django_db

TOLD = "results/deliverable_reviewed"


@pytest.fixture
def deliverable(contracted_project, contractor):
    """A deliverable the contractor has handed in, on a project of the KIND planning track."""
    return submit_deliverable(
        deliverable=DeliverableFactory(project=contracted_project),
        uploaded=pdf_upload(),
        actor=contractor,
    )


def _post_action(client, action, deliverable):
    return client.post(
        reverse("admin:awards_deliverable_changelist"),
        {"action": action, "_selected_action": [deliverable.pk]},
        follow=True,
    )


def test_admin_accept_deliverable_tells_the_contractor(client, deliverable, contractor, kind_staff):
    client.force_login(kind_staff)
    response = _post_action(client, "accept_deliverables", deliverable)
    assert response.status_code == 200
    deliverable.refresh_from_db()
    assert (deliverable.status, deliverable.reviewed_by) == (
        Deliverable.Status.ACCEPTED,
        kind_staff,
    )
    event = audit_events_for(deliverable).last()
    assert (event.old_value, event.new_value, event.actor) == ("submitted", "accepted", kind_staff)
    told = Message.objects.filter(recipient=contractor, template=TOLD)
    assert set(told.values_list("channel", flat=True)) == {"email", "in_app"}
    assert {m.context["status"] for m in told} == {"accepted"}
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_admin_return_deliverable_tells_the_contractor_with_feedback(
    client, deliverable, contractor, programme_admin
):
    client.force_login(programme_admin)
    asked = _post_action(client, "return_deliverables", deliverable)
    assert asked.templates[0].name == "admin/action_with_text.html"
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED  # nothing before the feedback
    client.post(
        reverse("admin:awards_deliverable_changelist"),
        {
            "action": "return_deliverables",
            "_selected_action": [deliverable.pk],
            "apply": "1",
            "text": "Add the cost table to chapter 3.",
        },
    )
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.RETURNED
    assert deliverable.feedback == "Add the cost table to chapter 3."
    told = Message.objects.filter(recipient=contractor, template=TOLD)
    assert told.count() == 2
    assert {(m.context["status"], m.context["feedback"]) for m in told} == {
        ("returned", deliverable.feedback)
    }


def test_admin_accept_deliverable_denied_to_other_secretariat(
    client, deliverable, contractor, kaia_staff
):
    client.force_login(kaia_staff)
    response = _post_action(client, "accept_deliverables", deliverable)
    assert response.status_code == 200  # the changelist opens, without the other track's row
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED
    assert not Message.objects.filter(template=TOLD).exists()


def test_admin_accept_pending_deliverable_refused_and_nobody_told(
    client, planning_track, contractor, kind_staff, deliverable
):
    pending = DeliverableFactory(project=deliverable.project, kind="interim_report")
    client.force_login(kind_staff)
    response = _post_action(client, "accept_deliverables", pending)
    pending.refresh_from_db()
    assert pending.status == Deliverable.Status.PENDING
    assert not Message.objects.filter(template=TOLD).exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert any("cannot go from" in str(m) for m in response.context["messages"])
