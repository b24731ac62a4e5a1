"""When a review may still change: never once the application's funding decision is confirmed
(or released), nor once the application has left the review (withdrawn, decided). Saving,
submitting and reopening all ask ``reviews.services.refuse_if_review_closed``."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from applications.models import Application
from core.domain import DomainError
from notifications.models import Message
from results.models import Decision
from reviews import services
from reviews.models import Assignment
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import score_data

pytestmark = pytest.mark.django_db

CLOSED = "The funding decision on this application is confirmed"


def _scores(criteria, points=Decimal("15"), text="A justification long enough to pass."):
    return {c.pk: (points, text) for c in criteria}


def _submit(assignment, criteria):
    return services.submit_review(
        assignment=assignment,
        scores=_scores(criteria),
        recommendation="fund",
        confidence=3,
        actor=assignment.reviewer,
    )


def _decision(application, admin, *, confirmed=True, released=False):
    now = timezone.now()
    return Decision.objects.create(
        application=application,
        track=application.track,
        outcome=Decision.Outcome.SELECTED,
        proposed_outcome=Decision.Outcome.SELECTED,
        amount=400_000_000,
        confirmed_by=admin if confirmed else None,
        confirmed_at=now if confirmed else None,
        released_at=now if released else None,
    )


def _reopen_events(assignment):
    return AuditEvent.objects.filter(
        object_id=str(assignment.pk), old_value="submitted", new_value="in_progress"
    )


@pytest.mark.parametrize("released", [False, True])
def test_reopen_is_refused_once_the_decision_is_confirmed(
    assignment, criteria, kind_staff, programme_admin, released
):
    submitted = _submit(assignment, criteria)
    _decision(assignment.application, programme_admin, released=released)
    with pytest.raises(DomainError, match=CLOSED) as caught:
        services.reopen_review(assignment=submitted, reason="Score 3 looks wrong", actor=kind_staff)
    assert caught.value.code == "review_closed"
    submitted.refresh_from_db()
    # The total the decision rests on stays; nobody is told to rework a review they can't open.
    assert (submitted.status, submitted.total) == ("submitted", Decimal("75.00"))
    assert not _reopen_events(submitted).exists()
    assert not Message.objects.filter(template="reviews/reopened").exists()


def test_reopen_is_refused_for_an_application_no_longer_under_review(
    assignment, criteria, kind_staff
):
    submitted = _submit(assignment, criteria)
    Application.objects.filter(pk=assignment.application_id).update(
        status=Application.Status.WITHDRAWN
    )
    with pytest.raises(DomainError, match="no longer under review"):
        services.reopen_review(assignment=submitted, reason="Recheck", actor=kind_staff)
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_reopen_is_still_allowed_while_the_decision_is_only_proposed(
    assignment, criteria, kind_staff, programme_admin
):
    submitted = _submit(assignment, criteria)
    _decision(assignment.application, programme_admin, confirmed=False)
    services.reopen_review(assignment=submitted, reason="Recheck", actor=kind_staff)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.total) == ("in_progress", None)


def test_reopen_page_says_why_it_is_refused_after_confirmation(
    client, assignment, criteria, kind_staff, programme_admin
):
    submitted = _submit(assignment, criteria)
    _decision(assignment.application, programme_admin)
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_reviews:reopen", kwargs={"pk": submitted.pk}),
        {"reason": "The score of criterion 3 contradicts its text"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert CLOSED in body
    assert "The score of criterion 3 contradicts its text" in body  # what was typed stays
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_submission_is_refused_once_the_decision_is_confirmed(
    assignment, criteria, programme_admin
):
    _decision(assignment.application, programme_admin)
    with pytest.raises(DomainError, match=CLOSED):
        _submit(assignment, criteria)
    with pytest.raises(DomainError, match=CLOSED):
        services.save_review_draft(
            assignment=assignment, scores=_scores(criteria), actor=assignment.reviewer
        )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.total) == (Assignment.Status.ACCEPTED, None)
    assert not assignment.scores.exists()


def test_score_page_refuses_a_late_submission_and_keeps_what_was_typed(
    client, assignment, criteria, programme_admin
):
    _decision(assignment.application, programme_admin)
    client.force_login(assignment.reviewer)
    data = score_data(
        criteria, text="현장 준비 상태가 양호하며 시 정부의 예산 계획이 확인되었습니다."
    )
    data["submit"] = "1"
    response = client.post(reverse("reviews:score", kwargs={"pk": assignment.pk}), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert CLOSED in body
    assert "현장 준비 상태가 양호하며 시 정부의 예산 계획이 확인되었습니다." in body
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACCEPTED


def test_api_submission_is_refused_once_the_decision_is_confirmed(
    client, assignment, criteria, programme_admin
):
    _decision(assignment.application, programme_admin)
    client.force_login(assignment.reviewer)
    body = {
        "scores": [
            {"criterion": c.pk, "points": "15", "justification": "A long enough justification."}
            for c in criteria
        ],
        "recommendation": "fund",
        "confidence": 3,
    }
    response = client.post(
        f"/api/v1/assignments/{assignment.pk}/submit/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "review_closed"
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACCEPTED


def _overdue(assignment):
    Assignment.objects.filter(pk=assignment.pk).update(
        due_at=timezone.now() - datetime.timedelta(days=2)
    )
    assignment.refresh_from_db()
    return assignment


def test_no_reminder_for_a_review_that_can_no_longer_be_submitted(
    assignment, criteria, programme_admin, kind_staff
):
    overdue = _overdue(assignment)
    _decision(assignment.application, programme_admin)
    assert services.remind_reviewers() == 0
    with pytest.raises(DomainError):
        services.send_review_reminder(assignment=overdue, actor=kind_staff)
    assert not Message.objects.filter(template="reviews/reminder").exists()


def test_remind_all_overdue_skips_reviews_closed_by_a_confirmed_decision(
    client, assignment, criteria, programme_admin, kind_staff, planning_track
):
    _overdue(assignment)
    _decision(assignment.application, programme_admin)
    client.force_login(kind_staff)
    response = client.post(reverse("staff_reviews:remind", kwargs={"track_id": planning_track.pk}))
    assert response.status_code == 302
    assert not Message.objects.filter(template="reviews/reminder").exists()


def test_reminders_still_go_while_the_decision_is_only_proposed(
    assignment, criteria, programme_admin
):
    _overdue(assignment)
    _decision(assignment.application, programme_admin, confirmed=False)
    assert services.remind_reviewers() == 1


def test_score_page_says_the_review_is_closed_before_the_reviewer_types(
    client, assignment, criteria, programme_admin
):
    url = reverse("reviews:score", kwargs={"pk": assignment.pk})
    client.force_login(assignment.reviewer)
    assert 'name="submit"' in client.get(url).content.decode()
    _decision(assignment.application, programme_admin)
    body = client.get(url).content.decode()
    assert CLOSED in body
    assert 'name="submit"' not in body and 'name="draft"' not in body
