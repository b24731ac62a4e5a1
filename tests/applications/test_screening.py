"""Eligibility screening by track staff: single and bulk, reasons the applicant sees, 403s."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from notifications.models import Message
from tests.factories import SubmittedApplicationFactory

pytestmark = pytest.mark.django_db

SECRET = "Khulna flood resilience proposal"


@pytest.fixture
def submitted(applicant, planning_track):
    return SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
        title=SECRET,
        reference="2026-PL-007",
    )


def _screen(client, user, application, data):
    client.force_login(user)
    return client.post(reverse("staff_applications:screen", kwargs={"pk": application.pk}), data)


def test_screen_ineligible_with_reason_notifies_the_applicant(
    client, kind_staff, submitted, applicant
):
    response = _screen(
        client, kind_staff, submitted, {"decision": "ineligible", "reason": "No letter of intent"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.status_reason) == ("ineligible", "No letter of intent")
    message = Message.objects.get(
        recipient=applicant, template="applications/ineligible", channel="in_app"
    )
    assert message.context["reason"] == "No letter of intent"
    event = AuditEvent.objects.filter(object_id=str(submitted.pk), new_value="ineligible").get()
    assert event.actor == kind_staff


def test_screen_ineligible_without_reason_is_refused_next_to_the_field(
    client, kind_staff, submitted
):
    response = _screen(client, kind_staff, submitted, {"decision": "ineligible", "reason": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [
        "Give the reason the application is ineligible; the applicant will see it."
    ]
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_screen_eligible(client, programme_admin, submitted):
    response = _screen(client, programme_admin, submitted, {"decision": "eligible"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "eligible"


@pytest.mark.parametrize("role", ["kaia_staff", "applicant", "reviewer"])
def test_screen_by_others_is_forbidden_and_leaks_nothing(client, request, submitted, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    url = reverse("staff_applications:screen", kwargs={"pk": submitted.pk})
    response = client.get(url)
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    response = client.post(url, {"decision": "eligible"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_draft_cannot_be_screened(client, kind_staff, application):
    response = _screen(client, kind_staff, application, {"decision": "eligible"})
    assert response.status_code == 403


def test_bulk_screening_screens_each_selected(client, kind_staff, planning_track, submitted):
    others = [SubmittedApplicationFactory(track=planning_track) for _ in range(2)]
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk}),
        {"applications": [submitted.pk, others[0].pk], "decision": "eligible"},
    )
    assert response.status_code == 302
    statuses = {a.pk: a.status for a in [submitted, *others] if not a.refresh_from_db()}
    assert statuses == {
        submitted.pk: "eligible",
        others[0].pk: "eligible",
        others[1].pk: "submitted",
    }


def test_bulk_screening_bad_input_keeps_reason(client, kind_staff, planning_track, submitted):
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk}),
        {"decision": "ineligible", "reason": "Budget above the ceiling"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["applications"] == ["Select at least one application."]
    assert "Budget above the ceiling" in response.content.decode()


def test_bulk_screening_of_another_tracks_application_is_refused(
    client, kind_staff, planning_track, demonstration_track
):
    foreign = SubmittedApplicationFactory(track=demonstration_track, title=SECRET)
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk}),
        {"applications": [foreign.pk], "decision": "eligible"},
    )
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.status == "submitted"


@pytest.mark.parametrize("role", ["kind_staff", "programme_admin", "kaia_staff", "applicant"])
def test_screening_list_role_matrix(client, request, planning_track, submitted, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(
        reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk})
    )
    if role in ("kind_staff", "programme_admin"):
        assert response.status_code == 200
        assert SECRET in response.content.decode()
    else:
        assert response.status_code == 403
        assert SECRET not in response.content.decode()


def test_screening_list_query_count_does_not_grow(
    client, kind_staff, planning_track, django_assert_max_num_queries
):
    client.force_login(kind_staff)
    url = reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk})
    SubmittedApplicationFactory(track=planning_track)
    with django_assert_max_num_queries(30) as one:
        client.get(url)
    for _ in range(8):
        SubmittedApplicationFactory(track=planning_track)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_screen_page_links_documents_for_track_staff(client, kind_staff, submitted):
    from tests.factories import DocumentFactory

    document = DocumentFactory(application=submitted)
    client.force_login(kind_staff)
    body = client.get(reverse("staff_applications:screen", kwargs={"pk": submitted.pk})).content
    url = reverse("applications:document_download", kwargs={"public_id": document.public_id})
    assert url.encode() in body
    assert client.get(url).status_code == 200


def test_the_screening_service_asks_the_rule_itself(kaia_staff, kind_staff, submitted):
    """Whichever door calls it (page, bulk form, API, admin action), screening another
    secretariat's application is refused by the service, with nothing written."""
    from applications import services
    from core.domain import DomainError

    with pytest.raises(DomainError) as refused:
        services.screen_application(application=submitted, eligible=True, actor=kaia_staff)
    assert refused.value.code == "forbidden"
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert not AuditEvent.objects.filter(action="status_changed", actor=kaia_staff).exists()
    services.screen_application(application=submitted, eligible=True, actor=kind_staff)
    submitted.refresh_from_db()
    assert submitted.status == "eligible"
