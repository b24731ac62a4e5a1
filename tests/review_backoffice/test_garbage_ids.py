"""Ids that name no row (a number too large for the database, a Unicode digit such as "²",
"1e3"), typed into the staff screens' query strings or posted with a bulk action: the page
answers with its list or a refusal, never a server error, and nothing is done."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from applications.models import Application
from reviews.models import Assignment
from tests.factories import AssignmentFactory, SubmittedApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_LARGE = "99999999999999999999"
NOT_IDS = (TOO_LARGE, "²", "1e3", "-4", "")


@pytest.fixture
def staff(client, kind_staff):
    client.force_login(kind_staff)
    return client


@pytest.mark.parametrize("name", ["staff_reviews:board", "staff_reviews:assignments"])
@pytest.mark.parametrize("value", NOT_IDS)
def test_reviewer_filter_that_names_no_reviewer_shows_the_page(staff, planning_track, name, value):
    SubmittedApplicationFactory(track=planning_track, status="eligible")
    response = staff.get(reverse(name, args=[planning_track.pk]), {"reviewer": value})
    assert response.status_code == 200
    assert response.context["reviewer_id"] is None


@pytest.mark.parametrize("value", NOT_IDS[:3])
def test_bulk_action_with_an_id_no_row_has_does_the_rest_and_says_so(staff, planning_track, value):
    ticked = SubmittedApplicationFactory(track=planning_track)
    url = reverse("staff_applications:track_applications", args=[planning_track.pk])
    response = staff.post(
        url,
        {
            "action": "eligible",
            "applications": [value, ticked.pk],
            f"shown_status_{ticked.pk}": "submitted",
        },
    )
    assert response.status_code == 302
    ticked.refresh_from_db()
    assert ticked.status == Application.Status.ELIGIBLE


@pytest.mark.parametrize("value", NOT_IDS[:3])
def test_screening_post_with_an_id_no_row_has_is_refused_not_an_error(staff, planning_track, value):
    pending = SubmittedApplicationFactory(track=planning_track)
    url = reverse("staff_applications:screening", args=[planning_track.pk])
    response = staff.post(url, {"decision": "eligible", "applications": [value, pending.pk]})
    assert response.status_code == 400
    assert response.context["form"].has_error("applications")
    pending.refresh_from_db()
    assert pending.status == Application.Status.SUBMITTED


@pytest.mark.parametrize("value", NOT_IDS[:3])
def test_bulk_assign_with_ids_no_row_has_assigns_nothing(staff, planning_track, value):
    application = SubmittedApplicationFactory(track=planning_track, status="eligible")
    url = reverse("staff_reviews:bulk_assign", args=[planning_track.pk])
    before = AuditEvent.objects.count()
    response = staff.post(url, {"applications": [value, application.pk], "reviewers": [value]})
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("value", NOT_IDS[:3])
def test_manual_assignment_with_ids_no_row_has_is_refused_next_to_the_field(
    staff, planning_track, value
):
    SubmittedApplicationFactory(track=planning_track, status="eligible")
    url = reverse("staff_reviews:assignments", args=[planning_track.pk])
    response = staff.post(url, {"applications": [value], "reviewers": [value]})
    assert response.status_code == 400
    assert response.context["form"].has_error("applications")
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("value", NOT_IDS)
def test_reminder_of_an_assignment_id_no_row_has_is_not_found(staff, planning_track, value):
    application = SubmittedApplicationFactory(track=planning_track, status="under_review")
    AssignmentFactory(application=application, reviewer=UserFactory())
    url = reverse("staff_reviews:remind", args=[planning_track.pk])
    response = staff.post(url, {"assignment": value})
    # An empty value asks for every overdue review (none here); anything else names no row.
    assert response.status_code == (302 if value == "" else 404)


def test_award_form_posted_for_a_decision_id_no_row_has_is_refused(staff, planning_track):
    url = reverse("staff_awards:awards", args=[planning_track.pk])
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"decision": "²", "amount": "1"}).status_code == 400


def test_held_messages_posted_with_an_id_no_row_has_are_refused_not_an_error(
    client, programme_admin
):
    client.force_login(programme_admin)
    url = reverse("staff_notifications:held")
    response = client.post(url, {"message": ["²", TOO_LARGE]})
    assert response.status_code in (302, 400)


def test_message_template_from_a_version_no_row_has_starts_from_the_text(client, programme_admin):
    client.force_login(programme_admin)
    url = reverse("staff_notifications:template_edit", args=["applications/decision"])
    for value in ("²", TOO_LARGE):
        assert client.get(url, {"from": value}).status_code == 200


def test_event_participant_removal_with_an_id_no_row_has_is_not_found(client, programme_admin):
    from tests.factories import EventFactory

    event = EventFactory()
    client.force_login(programme_admin)
    url = reverse("staff_events:event", args=[event.pk])
    for value in ("²", TOO_LARGE):
        response = client.post(url, {"action": "remove_participant", "participant": value})
        assert response.status_code in (302, 404)
