"""A reviewer's decline that the service refuses is shown again with the note typed and the
refusal on the form (next to the field it names), not lost to a redirect."""

import pytest
from django.urls import reverse

from core.domain import DomainError
from reviews.models import Assignment
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import committee_reviewer, sign_declaration

pytestmark = pytest.mark.django_db

NOTE = "I reviewed this city plan for another programme last year."


@pytest.fixture
def pending(role_groups, planning_track, under_review):
    reviewer = committee_reviewer(planning_track, "declines-late@expert.example.net")
    sign_declaration(reviewer)
    return Assignment.objects.create(application=under_review, reviewer=reviewer)


def _decline(client, assignment, **data):
    client.force_login(assignment.reviewer)
    return client.post(reverse("reviews:decline", kwargs={"pk": assignment.pk}), data)


def test_refusal_naming_a_field_is_shown_next_to_it_with_the_note(client, pending, monkeypatch):
    from reviews import services

    def refuse(**kwargs):
        raise DomainError("Say a little more.", field="note")

    monkeypatch.setattr(services, "decline_assignment", refuse)
    response = _decline(client, pending, reason="expertise", note=NOTE)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say a little more." in page.split('id="id_note-error"', 1)[1].split("</p>", 1)[0]
    assert NOTE in page
    assert response.context["decline_form"].errors["note"] == ["Say a little more."]


def test_decline_after_the_assignment_moved_on_keeps_the_note_and_says_why(client, pending):
    """The reviewer declared no conflict in another tab: declining is no longer possible."""
    Assignment.objects.filter(pk=pending.pk).update(status=Assignment.Status.IN_PROGRESS)
    response = _decline(client, pending, reason="time", note=NOTE)
    assert response.status_code == 400
    page = response.content.decode()
    assert NOTE in page
    assert "cannot go from “In progress” to “Declined”" in page
    pending.refresh_from_db()
    assert (pending.status, pending.decline_note) == ("in_progress", "")
