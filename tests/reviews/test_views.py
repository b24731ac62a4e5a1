"""The role matrix of every review page, file and action, with data that could leak."""

import pytest
from django.urls import reverse

from reviews.models import Assignment, Criterion, ReviewerInvitation
from tests.factories import DocumentFactory
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import SECRET_TITLE, score_data

pytestmark = pytest.mark.django_db


ROLES = [
    "applicant",
    "assigned_reviewer",
    "unassigned_reviewer",
    "conflicted_reviewer",
    "kind_staff",
    "kaia_staff",
    "programme_admin",
]


@pytest.fixture
def world(request, assignment, unassigned_reviewer, conflicted_reviewer, criteria):
    """Every role present at once, so a page cannot pass by there being nothing to show."""
    return {name: request.getfixturevalue(name) for name in ROLES}


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


# Reviewer pages: only the assigned reviewer; everyone else gets 404 with nothing leaked. --------

REVIEWER_PAGES = ["reviews:assignment", "reviews:application", "reviews:score"]


@pytest.mark.parametrize("page", REVIEWER_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_reviewer_pages_role_matrix(client, world, assignment, role, page):
    response = _get(client, world[role], reverse(page, kwargs={"pk": assignment.pk}))
    if role == "assigned_reviewer":
        assert response.status_code == 200
        assert SECRET_TITLE in response.content.decode() or page == "reviews:assignment"
    else:
        assert response.status_code == 404
        assert SECRET_TITLE not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_workspace_lists_only_own_visible_assignments(client, world, role):
    response = _get(client, world[role], reverse("reviews:workspace"))
    assert response.status_code == 200
    body = response.content.decode()
    if role == "assigned_reviewer":
        assert SECRET_TITLE in body
        assert "2026-PL-001" in body
    else:
        assert SECRET_TITLE not in body
        assert "2026-PL-001" not in body


def test_workspace_never_names_other_reviewers_or_their_scores(client, world, assignment):
    other = Assignment.objects.get(reviewer=world["conflicted_reviewer"])
    other.total = "61.37"
    other.save()
    body = _get(client, world["assigned_reviewer"], reverse("reviews:workspace")).content.decode()
    for page in REVIEWER_PAGES:
        body += _get(
            client, world["assigned_reviewer"], reverse(page, kwargs={"pk": assignment.pk})
        ).content.decode()
    assert "Dr Conflict" not in body and "conflicted@expert" not in body
    assert "61.37" not in body and "61,37" not in body


@pytest.mark.parametrize("role", ROLES)
def test_document_download_role_matrix(client, world, assignment, role):
    document = DocumentFactory(application=assignment.application)
    url = reverse(
        "reviews:document_download", kwargs={"pk": assignment.pk, "document": document.public_id}
    )
    response = _get(client, world[role], url)
    if role == "assigned_reviewer":
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    else:
        assert response.status_code == 404


def _invited(planning_track, under_review, email):
    from tests.reviews.review_fixtures import committee_reviewer, sign_declaration

    reviewer = committee_reviewer(planning_track, email)
    sign_declaration(reviewer)
    return Assignment.objects.create(application=under_review, reviewer=reviewer)


def test_reviewer_sees_no_content_before_declaring(
    client, role_groups, planning_track, under_review
):
    pending = _invited(planning_track, under_review, "fresh@expert.example.net")
    client.force_login(pending.reviewer)
    response = client.get(reverse("reviews:application", kwargs={"pk": pending.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:assignment", kwargs={"pk": pending.pk})
    page = client.get(reverse("reviews:assignment", kwargs={"pk": pending.pk})).content.decode()
    assert under_review.summary not in page
    document = DocumentFactory(application=under_review)
    url = reverse(
        "reviews:document_download", kwargs={"pk": pending.pk, "document": document.public_id}
    )
    assert client.get(url).status_code == 404


def test_declaring_no_conflict_opens_the_application(
    client, role_groups, planning_track, under_review
):
    pending = _invited(planning_track, under_review, "fresh2@expert.example.net")
    client.force_login(pending.reviewer)
    response = client.post(
        reverse("reviews:declare", kwargs={"pk": pending.pk}), {"has_conflict": "no"}
    )
    assert response.status_code == 302
    assert SECRET_TITLE in client.get(response["Location"]).content.decode()


def test_conflict_declaration_without_kind_is_refused_next_to_the_field(
    client, role_groups, planning_track, under_review
):
    pending = _invited(planning_track, under_review, "fresh3@expert.example.net")
    client.force_login(pending.reviewer)
    response = client.post(
        reverse("reviews:declare", kwargs={"pk": pending.pk}),
        {"has_conflict": "yes", "details": "My cousin works there"},
    )
    assert response.status_code == 400
    assert response.context["conflict_form"].errors["kind"] == ["Choose the kind of conflict."]
    assert "My cousin works there" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "invited"


def test_reviewer_without_current_declaration_is_sent_to_renew_it(client, assignment):
    assignment.reviewer.interest_declarations.all().delete()
    client.force_login(assignment.reviewer)
    response = client.get(reverse("reviews:application", kwargs={"pk": assignment.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reviews:declaration"))
    response = client.post(
        response["Location"], {"interests": "Board member of X", "confirm": "on"}
    )
    assert response["Location"] == reverse("reviews:application", kwargs={"pk": assignment.pk})


def test_declaration_form_requires_confirmation(client, assignment):
    client.force_login(assignment.reviewer)
    response = client.post(reverse("reviews:declaration"), {"interests": "Shares in Y"})
    assert response.status_code == 400
    assert "confirm" in response.context["form"].errors
    assert "Shares in Y" in response.content.decode()


# Scoring form: bad input, nothing lost; submit locks. -------------------------------------------


def _score_url(assignment):
    return reverse("reviews:score", kwargs={"pk": assignment.pk})


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("21", "Give between 0 and 20 points."),
        ("-1", "Give between 0 and 20 points."),
        ("7.3", "Use whole or half points (for example 7 or 7.5)."),
        ("seven", "Enter a number, for example 7 or 7.5."),
    ],
)
def test_score_form_bad_points_error_next_to_field_and_nothing_lost(
    client, assignment, criteria, points, message
):
    data = score_data(criteria)
    data[f"points_{criteria[0].pk}"] = points
    data[f"justification_{criteria[0].pk}"] = "Typed justification that must survive the error"
    data["draft"] = "1"
    client.force_login(assignment.reviewer)
    response = client.post(_score_url(assignment), data)
    assert response.status_code == 400
    assert response.context["form"].errors[f"points_{criteria[0].pk}"] == [message]
    body = response.content.decode()
    assert f'id="id_points_{criteria[0].pk}-error"' in body
    assert "Typed justification that must survive the error" in body
    assert f'value="{points}"' in body
    assert not assignment.scores.exists()


def test_score_form_submit_requires_justification_of_minimum_length(client, assignment, criteria):
    data = score_data(criteria)
    data[f"justification_{criteria[1].pk}"] = "Too short"
    data[f"justification_{criteria[2].pk}"] = ""
    data["submit"] = "1"
    client.force_login(assignment.reviewer)
    response = client.post(_score_url(assignment), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors[f"justification_{criteria[1].pk}"] == ["Write at least 30 characters (now 9)."]
    assert errors[f"justification_{criteria[2].pk}"] == ["Write at least 30 characters (now 0)."]
    assignment.refresh_from_db()
    assert assignment.status == "accepted"


def test_score_form_draft_then_submit_then_locked(client, assignment, criteria):
    client.force_login(assignment.reviewer)
    draft = {
        f"points_{criteria[0].pk}": "12.5",
        f"justification_{criteria[0].pk}": "Partial",
        "draft": "1",
    }
    response = client.post(_score_url(assignment), draft)
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "in_progress"
    page = client.get(_score_url(assignment)).content.decode()
    assert 'value="12.5"' in page and "Partial" in page

    response = client.post(_score_url(assignment), {**score_data(criteria), "submit": "1"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, str(assignment.total)) == ("submitted", "75.00")

    response = client.post(
        _score_url(assignment), {**score_data(criteria, points="20"), "submit": "1"}
    )
    assert response.status_code == 409
    assert "submitted and is locked" in response.content.decode()
    assignment.refresh_from_db()
    assert str(assignment.total) == "75.00"


def test_score_form_post_by_other_reviewer_is_404_and_changes_nothing(
    client, world, assignment, criteria
):
    client.force_login(world["unassigned_reviewer"])
    response = client.post(_score_url(assignment), {**score_data(criteria), "submit": "1"})
    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == "accepted"


# Staff pages: staff of the track and programme admins; 403 for everyone else. -------------------


def _staff_urls(track, assignment):
    criterion = track.criteria.first()
    return [
        reverse("staff_reviews:track", kwargs={"track_id": track.pk}),
        reverse("staff_reviews:criteria", kwargs={"track_id": track.pk}),
        reverse("staff_reviews:criterion_edit", kwargs={"pk": criterion.pk}),
        reverse("staff_reviews:committee", kwargs={"track_id": track.pk}),
        reverse("staff_reviews:assignments", kwargs={"track_id": track.pk}),
        reverse("staff_reviews:board", kwargs={"track_id": track.pk}),
        reverse("staff_reviews:reopen", kwargs={"pk": assignment.pk}),
        reverse("staff_applications:screening", kwargs={"track_id": track.pk}),
        reverse("staff_applications:screen", kwargs={"pk": assignment.application.pk}),
    ]


@pytest.mark.parametrize("index", range(9))
@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_role_matrix(client, world, assignment, planning_track, role, index):
    url = _staff_urls(planning_track, assignment)[index]
    response = _get(client, world[role], url)
    body = response.content.decode()
    if role in ("kind_staff", "programme_admin"):
        assert response.status_code == 200, url
    else:
        assert response.status_code == 403, url
        assert SECRET_TITLE not in body
        assert "Dr Assigned" not in body


def test_board_shows_staff_reviewer_names_and_states(client, world, planning_track):
    body = _get(
        client,
        world["kind_staff"],
        reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk}),
    ).content.decode()
    assert "Dr Assigned" in body and "Dr Conflict" in body and ">Conflicted</span>" in body


@pytest.mark.parametrize("role", ROLES)
def test_staff_index_lists_only_own_tracks(client, world, planning_track, role):
    response = _get(client, world[role], reverse("staff_reviews:index"))
    if role in ("kind_staff", "kaia_staff", "programme_admin"):
        assert response.status_code == 200
        linked = reverse("staff_reviews:track", kwargs={"track_id": planning_track.pk})
        assert (linked in response.content.decode()) == (role != "kaia_staff")
    else:
        assert response.status_code == 403


# Staff actions: allowed for track staff, refused (and without effect) for the other track. ------


@pytest.mark.parametrize(
    "role", ["kind_staff", "programme_admin", "kaia_staff", "assigned_reviewer"]
)
def test_add_criterion_action(client, world, planning_track, role):
    client.force_login(world[role])
    response = client.post(
        reverse("staff_reviews:criteria", kwargs={"track_id": planning_track.pk}),
        {"code": "extra", "name": "Extra", "max_points": "5", "weight": "1"},
    )
    created = Criterion.objects.filter(track=planning_track, code="extra").exists()
    if role in ("kind_staff", "programme_admin"):
        assert response.status_code == 302 and created
    else:
        assert response.status_code == 403 and not created


def test_add_criterion_bad_input_keeps_values(client, world, planning_track):
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:criteria", kwargs={"track_id": planning_track.pk}),
        {"code": "extra", "name": "Export potential", "max_points": "150", "weight": "1"},
    )
    assert response.status_code == 400
    assert "max_points" in response.context["form"].errors
    assert 'value="Export potential"' in response.content.decode()


def test_locked_criteria_refuse_edits_with_a_clear_message(client, world, planning_track, criteria):
    from django.utils import timezone

    planning_track.criteria_locked_at = timezone.now()
    planning_track.save()
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:criterion_edit", kwargs={"pk": criteria[0].pk}),
        {"code": "c1", "name": "Changed", "max_points": "20", "weight": "1"},
    )
    assert response.status_code == 400
    assert "locked because scoring has started" in response.content.decode()
    criteria[0].refresh_from_db()
    assert criteria[0].name == "Feasibility"


def test_edit_criterion_saves_and_says_so(client, world, planning_track, criteria):
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:criterion_edit", kwargs={"pk": criteria[0].pk}),
        {"code": "c1", "name": "Changed", "max_points": "20", "weight": "1"},
        follow=True,
    )
    assert response.redirect_chain == [
        (reverse("staff_reviews:criteria", kwargs={"track_id": planning_track.pk}), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == ["Criterion saved."]
    criteria[0].refresh_from_db()
    assert criteria[0].name == "Changed"


@pytest.mark.parametrize("role", ["kind_staff", "programme_admin", "kaia_staff", "applicant"])
def test_reopen_action(client, world, assignment, criteria, role):
    from reviews import services

    services.submit_review(
        assignment=assignment,
        scores={c.pk: (15, "x" * 40) for c in criteria},
        recommendation="fund",
        confidence=2,
        actor=assignment.reviewer,
    )
    client.force_login(world[role])
    response = client.post(
        reverse("staff_reviews:reopen", kwargs={"pk": assignment.pk}), {"reason": "Recheck"}
    )
    assignment.refresh_from_db()
    if role in ("kind_staff", "programme_admin"):
        assert response.status_code == 302 and assignment.status == "in_progress"
    else:
        assert response.status_code == 403 and assignment.status == "submitted"


def test_reopen_without_reason_is_refused_next_to_the_field(client, world, assignment):
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:reopen", kwargs={"pk": assignment.pk}), {"reason": ""}
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_manual_assignment_action(client, world, under_review, planning_track, role):
    reviewer = world["unassigned_reviewer"]
    client.force_login(world[role])
    response = client.post(
        reverse("staff_reviews:assignments", kwargs={"track_id": planning_track.pk}),
        {"applications": [under_review.pk], "reviewers": [reviewer.pk]},
    )
    exists = Assignment.objects.filter(application=under_review, reviewer=reviewer).exists()
    if role == "kind_staff":
        assert response.status_code == 302 and exists
    else:
        assert response.status_code == 403 and not exists


def test_manual_assignment_of_conflicted_reviewer_is_refused_with_message(
    client, world, under_review, planning_track
):
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:assignments", kwargs={"track_id": planning_track.pk}),
        {"applications": [under_review.pk], "reviewers": [world["conflicted_reviewer"].pk]},
        follow=True,
    )
    assert "conflict of interest" in response.content.decode()


def test_manual_assignment_without_choice_is_refused(client, world, planning_track):
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:assignments", kwargs={"track_id": planning_track.pk}), {}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"applications", "reviewers"}


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_automatic_assignment_and_job_page(
    client, world, planning_track, role, django_capture_on_commit_callbacks
):
    client.force_login(world[role])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_reviews:auto", kwargs={"track_id": planning_track.pk})
        )
    if role == "kaia_staff":
        assert response.status_code == 403
        return
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "<progress" in body
    # Three committee members, a minimum of five: the page says why the minimum is not met.
    assert "2026-PL-001 lacks" in body
    partial = client.get(response["Location"], headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="job-status"')


def test_running_job_partial_polls_every_second(client, world, planning_track):
    from reviews.models import Job

    job = Job.objects.create(
        track=planning_track, kind="assign", status="running", total=10, done=4
    )
    client.force_login(world["kind_staff"])
    body = client.get(
        reverse("staff_reviews:job", kwargs={"pk": job.pk}), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="4"' in body
    client.force_login(world["kaia_staff"])
    assert client.get(reverse("staff_reviews:job", kwargs={"pk": job.pk})).status_code == 403


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_remind_one_reviewer_action(client, world, assignment, planning_track, role):
    from notifications.models import Message

    client.force_login(world[role])
    response = client.post(
        reverse("staff_reviews:remind", kwargs={"track_id": planning_track.pk}),
        {"assignment": assignment.pk},
    )
    sent = Message.objects.filter(
        template="reviews/reminder", recipient=assignment.reviewer
    ).exists()
    if role == "kind_staff":
        assert response.status_code == 302 and sent
    else:
        assert response.status_code == 403 and not sent


def test_remind_all_overdue(client, world, assignment, planning_track):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Message

    assignment.due_at = timezone.now() - timedelta(days=1)
    assignment.save()
    client.force_login(world["kind_staff"])
    client.post(reverse("staff_reviews:remind", kwargs={"track_id": planning_track.pk}))
    assert (
        Message.objects.filter(
            template="reviews/reminder", recipient=assignment.reviewer, channel="email"
        ).count()
        == 1
    )


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_invite_reviewer_action(client, world, planning_track, role):
    client.force_login(world[role])
    response = client.post(
        reverse("staff_reviews:committee", kwargs={"track_id": planning_track.pk}),
        {"email": "invitee@example.net", "name": "Invitee"},
    )
    exists = ReviewerInvitation.objects.filter(email="invitee@example.net").exists()
    if role == "kind_staff":
        assert response.status_code == 302 and exists
    else:
        assert response.status_code == 403 and not exists


def test_invite_reviewer_bad_email_keeps_values(client, world, planning_track):
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:committee", kwargs={"track_id": planning_track.pk}),
        {"email": "not-an-email", "name": "Dr Kept"},
    )
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert 'value="Dr Kept"' in response.content.decode()


def test_invitation_page_refuses_another_account(client, world, planning_track, kind_staff):
    from reviews import services

    invitation = services.invite_reviewer(
        track=planning_track, email="x@example.net", actor=kind_staff
    )
    url = reverse("reviews:invitation", kwargs={"token": invitation.token})
    assert client.get(url).status_code == 302  # anonymous: log in first
    client.force_login(world["unassigned_reviewer"])
    response = client.post(url, {"accept": "1"})
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_reviewer_profile_form(client, world):
    reviewer = world["unassigned_reviewer"]
    client.force_login(reviewer)
    response = client.post(reverse("reviews:profile"), {"affiliation": "KAIST", "expertise": []})
    assert response.status_code == 400
    assert "expertise" in response.context["form"].errors
    assert 'value="KAIST"' in response.content.decode()
    response = client.post(
        reverse("reviews:profile"),
        {"affiliation": "KAIST", "expertise": ["transport", "ict"], "recent_companies": "Hanbit"},
    )
    assert response.status_code == 302
    assert reviewer.reviewer_profile.expertise == ["transport", "ict"]


def test_review_settings_saved_in_korea_time_and_audited(client, world, planning_track):
    import datetime
    from zoneinfo import ZoneInfo

    from accounts.models import AuditEvent

    staff = world["kind_staff"]
    staff.time_zone = "Europe/Berlin"
    staff.save()
    client.force_login(staff)
    url = reverse("staff_reviews:track", kwargs={"track_id": planning_track.pk})
    response = client.post(
        url,
        {
            "review_deadline": "2026-06-30T18:00",
            "min_reviewers": "3",
            "max_reviewer_load": "10",
            "min_justification_length": "50",
            "overall_threshold": "70",
            "spread_threshold": "20",
        },
    )
    assert response.status_code == 302
    planning_track.refresh_from_db()
    assert planning_track.review_deadline == datetime.datetime(
        2026, 6, 30, 18, 0, tzinfo=ZoneInfo("Asia/Seoul")
    )
    assert (planning_track.min_reviewers, planning_track.min_justification_length) == (3, 50)
    event = AuditEvent.objects.get(action="review_settings")
    assert event.detail["new"]["min_reviewers"] == "3"


def test_review_settings_bad_input_keeps_values(client, world, planning_track):
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:track", kwargs={"track_id": planning_track.pk}),
        {
            "review_deadline": "2026-06-30T18:00",
            "min_reviewers": "0",
            "max_reviewer_load": "10",
            "min_justification_length": "45",
            "overall_threshold": "170",
            "spread_threshold": "20",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"min_reviewers", "overall_threshold"}
    assert 'value="45"' in response.content.decode()
    planning_track.refresh_from_db()
    assert planning_track.min_reviewers == 5


def test_review_settings_refused_for_other_track_staff(client, world, planning_track):
    client.force_login(world["kaia_staff"])
    response = client.post(
        reverse("staff_reviews:track", kwargs={"track_id": planning_track.pk}),
        {
            "min_reviewers": "1",
            "max_reviewer_load": "1",
            "min_justification_length": "1",
            "overall_threshold": "1",
            "spread_threshold": "1",
        },
    )
    assert response.status_code == 403
    planning_track.refresh_from_db()
    assert planning_track.min_reviewers == 5


def test_invitation_accepted_through_the_page(client, role_groups, planning_track, kind_staff):
    from django.utils import timezone

    from reviews import services
    from reviews.models import CommitteeMember
    from tests.factories import UserFactory

    invitation = services.invite_reviewer(
        track=planning_track, email="welcome@expert.example.net", actor=kind_staff
    )
    url = reverse("reviews:invitation", kwargs={"token": invitation.token})
    response = client.get(url)
    assert response.status_code == 302 and "next=" in response["Location"]
    expert = UserFactory(email="welcome@expert.example.net", email_verified_at=timezone.now())
    client.force_login(expert)
    assert client.get(url).status_code == 200
    response = client.post(url, {"accept": "1"})
    assert response["Location"] == reverse("reviews:profile")
    assert CommitteeMember.objects.filter(track=planning_track, reviewer=expert).exists()


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_detect_conflicts_action(client, world, planning_track, under_review, role):
    from reviews.models import ConflictDeclaration

    reviewer = world["unassigned_reviewer"]
    reviewer.email = "expert@klang.gov.my"  # the applicant organisation's domain
    reviewer.save()
    client.force_login(world[role])
    response = client.post(
        reverse("staff_reviews:detect_conflicts", kwargs={"track_id": planning_track.pk})
    )
    recorded = ConflictDeclaration.objects.filter(
        reviewer=reviewer, application=under_review, source="detected"
    ).exists()
    if role == "kind_staff":
        assert response.status_code == 302 and recorded
    else:
        assert response.status_code == 403 and not recorded


def test_applicant_never_learns_who_reviewed(client, world, assignment, criteria):
    from reviews import services

    services.submit_review(
        assignment=assignment,
        scores={c.pk: (15, "x" * 40) for c in criteria},
        recommendation="fund",
        confidence=2,
        actor=assignment.reviewer,
    )
    client.force_login(world["applicant"])
    body = ""
    for url in (
        reverse("applications:dashboard"),
        reverse("applications:detail", kwargs={"pk": assignment.application.pk}),
        reverse("notifications:list"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        body += response.content.decode()
    assert SECRET_TITLE in body  # the applicant does see their own application
    for leak in ("Dr Assigned", "assigned@expert", "Dr Conflict", "75.00"):
        assert leak not in body


def test_review_pages_render_in_korean(client, world, assignment, planning_track, criteria):
    criteria[0].name_ko = "타당성"
    criteria[0].save()
    client.cookies["django_language"] = "ko"
    client.force_login(world["assigned_reviewer"])
    score_page = client.get(reverse("reviews:score", kwargs={"pk": assignment.pk}))
    assert score_page.status_code == 200
    assert "타당성" in score_page.content.decode()
    assert 'lang="ko"' in score_page.content.decode()
    for url in (
        reverse("reviews:workspace"),
        reverse("reviews:assignment", kwargs={"pk": assignment.pk}),
        reverse("reviews:application", kwargs={"pk": assignment.pk}),
    ):
        assert client.get(url).status_code == 200
    client.force_login(world["kind_staff"])
    for url in _staff_urls(planning_track, assignment):
        assert client.get(url).status_code == 200, url


def test_conflict_reported_later_hides_the_application(client, world, assignment, criteria):
    client.force_login(world["assigned_reviewer"])
    client.post(
        _score_url(assignment),
        {f"points_{criteria[0].pk}": "10", f"justification_{criteria[0].pk}": "x", "draft": "1"},
    )
    url = reverse("reviews:report_conflict", kwargs={"pk": assignment.pk})
    response = client.post(url, {"kind": "", "details": "Former client"})
    assert response.status_code == 400
    assert "kind" in response.context["late_form"].errors
    assert "Former client" in response.content.decode()
    response = client.post(url, {"kind": "employer_or_client", "details": "Former client"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "conflict"
    assert client.get(_score_url(assignment)).status_code == 404
    assert SECRET_TITLE not in client.get(reverse("reviews:workspace")).content.decode()


@pytest.mark.parametrize("role", ["unassigned_reviewer", "kind_staff", "applicant"])
def test_report_conflict_by_others_is_404(client, world, assignment, role):
    client.force_login(world[role])
    response = client.post(
        reverse("reviews:report_conflict", kwargs={"pk": assignment.pk}), {"kind": "other"}
    )
    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == "accepted"


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff", "assigned_reviewer"])
def test_criterion_delete_and_move_actions(client, world, criteria, role):
    client.force_login(world[role])
    moved = client.post(
        reverse("staff_reviews:criterion_move", kwargs={"pk": criteria[1].pk}), {"direction": "up"}
    )
    deleted = client.post(reverse("staff_reviews:criterion_delete", kwargs={"pk": criteria[4].pk}))
    codes = list(criteria[0].track.criteria.order_by("order").values_list("code", flat=True))
    if role == "kind_staff":
        assert (moved.status_code, deleted.status_code) == (302, 302)
        assert codes == ["c2", "c1", "c3", "c4"]
    else:
        assert (moved.status_code, deleted.status_code) == (403, 403)
        assert codes == ["c1", "c2", "c3", "c4", "c5"]


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_revoke_invitation_and_remove_member_actions(client, world, planning_track, role):
    from reviews import services
    from reviews.models import CommitteeMember

    invitation = services.invite_reviewer(
        track=planning_track, email="gone@example.net", actor=world["kind_staff"]
    )
    member = CommitteeMember.objects.get(reviewer=world["unassigned_reviewer"])
    client.force_login(world[role])
    revoke = client.post(reverse("staff_reviews:invitation_revoke", kwargs={"pk": invitation.pk}))
    remove = client.post(reverse("staff_reviews:member_remove", kwargs={"pk": member.pk}))
    invitation.refresh_from_db()
    still_member = CommitteeMember.objects.filter(pk=member.pk).exists()
    if role == "kind_staff":
        assert (revoke.status_code, remove.status_code) == (302, 302)
        assert invitation.status == "revoked" and not still_member
    else:
        assert (revoke.status_code, remove.status_code) == (403, 403)
        assert invitation.status == "pending" and still_member


def test_member_with_assignments_cannot_be_removed(client, world, assignment):
    from reviews.models import CommitteeMember

    member = CommitteeMember.objects.get(reviewer=assignment.reviewer)
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:member_remove", kwargs={"pk": member.pk}), follow=True
    )
    assert (
        "Remove this reviewer&#x27;s assignments in the track first." in response.content.decode()
    )
    assert CommitteeMember.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_remove_assignment_action(client, world, assignment, role):
    client.force_login(world[role])
    response = client.post(reverse("staff_reviews:assignment_remove", kwargs={"pk": assignment.pk}))
    exists = Assignment.objects.filter(pk=assignment.pk).exists()
    if role == "kind_staff":
        assert response.status_code == 302 and not exists
    else:
        assert response.status_code == 403 and exists


@pytest.mark.parametrize("role", ["kind_staff", "kaia_staff"])
def test_start_review_action(client, world, planning_track, role):
    client.force_login(world[role])
    response = client.post(
        reverse("staff_reviews:start_review", kwargs={"track_id": planning_track.pk})
    )
    planning_track.refresh_from_db()
    if role == "kind_staff":
        assert response.status_code == 302 and planning_track.criteria_locked_at is not None
    else:
        assert response.status_code == 403 and planning_track.criteria_locked_at is None


def test_start_review_with_criteria_not_100_says_why(client, world, planning_track, criteria):
    criteria[0].delete()
    client.force_login(world["kind_staff"])
    response = client.post(
        reverse("staff_reviews:start_review", kwargs={"track_id": planning_track.pk}), follow=True
    )
    assert "The criteria add up to 80" in response.content.decode()
    planning_track.refresh_from_db()
    assert planning_track.criteria_locked_at is None


def test_decline_through_the_page_with_a_reason(client, role_groups, planning_track, under_review):
    pending = _invited(planning_track, under_review, "declines@expert.example.net")
    client.force_login(pending.reviewer)
    url = reverse("reviews:decline", kwargs={"pk": pending.pk})
    response = client.post(url, {"note": "Sorry"})
    assert response.status_code == 400
    assert "reason" in response.context["decline_form"].errors
    assert "Sorry" in response.content.decode()
    response = client.post(url, {"reason": "expertise", "note": "Not my field"})
    assert response["Location"] == reverse("reviews:workspace")
    pending.refresh_from_db()
    assert (pending.status, pending.decline_reason, pending.decline_note) == (
        "declined",
        "expertise",
        "Not my field",
    )
    assert client.get(reverse("reviews:assignment", kwargs={"pk": pending.pk})).status_code == 404


def test_decline_for_conflict_records_the_conflict(
    client, role_groups, planning_track, under_review
):
    from reviews.models import ConflictDeclaration

    pending = _invited(planning_track, under_review, "declines2@expert.example.net")
    client.force_login(pending.reviewer)
    client.post(reverse("reviews:decline", kwargs={"pk": pending.pk}), {"reason": "conflict"})
    declaration = ConflictDeclaration.objects.get(reviewer=pending.reviewer)
    assert declaration.has_conflict is True


def test_declaring_a_typed_conflict_through_the_page(
    client, role_groups, planning_track, under_review
):
    pending = _invited(planning_track, under_review, "conflict3@expert.example.net")
    client.force_login(pending.reviewer)
    response = client.post(
        reverse("reviews:declare", kwargs={"pk": pending.pk}),
        {"has_conflict": "yes", "kind": "likely_bidder"},
    )
    assert response["Location"] == reverse("reviews:workspace")
    pending.refresh_from_db()
    assert pending.status == "conflict"
    assert client.get(reverse("reviews:assignment", kwargs={"pk": pending.pk})).status_code == 404


def test_board_filters_by_state_and_reviewer(client, world, planning_track, assignment):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import SubmittedApplicationFactory

    late = SubmittedApplicationFactory(
        track=planning_track, status="under_review", reference="2026-PL-099"
    )
    Assignment.objects.create(
        application=late,
        reviewer=world["unassigned_reviewer"],
        status="accepted",
        due_at=timezone.now() - timedelta(days=2),
    )
    url = reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk})
    client.force_login(world["kind_staff"])
    overdue = client.get(url, {"state": "overdue"}).context["board"]
    assert [row.application.reference for row in overdue.rows] == ["2026-PL-099"]
    assert overdue.totals["overdue"] == 1
    # On a reviewer, the board lists the applications that reviewer has (not the late one).
    one = client.get(url, {"reviewer": world["assigned_reviewer"].pk}).context["board"]
    assert [row.application.pk for row in one.rows] == [assignment.application.pk]
    assert {c.reviewer for row in one.rows for c in row.cells} >= {world["assigned_reviewer"]}
    ignored = client.get(url, {"state": "nonsense", "reviewer": "x"})
    assert ignored.status_code == 200
    assert len(ignored.context["board"].rows) == 2


# The review pages: names in the reader's language, the board, htmx config. -------------------

TRACK_EN, TRACK_KO = "Smart City Planning", "스마트시티 계획 수립"
CALL_EN, CALL_KO = "K-City Network 2026 annual call", "2026 K-City 네트워크 정기 공모"


def _name_in_korean(track):
    track.name, track.name_ko = TRACK_EN, TRACK_KO
    track.save()
    track.call.name, track.call.name_ko = CALL_EN, CALL_KO
    track.call.save()


def _korean_page(client, user, url) -> str:
    client.cookies["django_language"] = "ko"
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_staff_review_pages_name_track_and_call_in_korean(
    client, world, assignment, planning_track
):
    from reviews.models import Job

    _name_in_korean(planning_track)
    job = Job.objects.create(track=planning_track, kind="assign", status="succeeded")
    urls = [
        reverse("staff_reviews:index"),
        *[
            reverse(f"staff_reviews:{name}", kwargs={"track_id": planning_track.pk})
            for name in ("track", "criteria", "committee", "assignments", "board")
        ],
        reverse("staff_reviews:job", kwargs={"pk": job.pk}),
    ]
    for url in urls:
        body = _korean_page(client, world["kind_staff"], url)
        assert TRACK_KO in body and CALL_KO in body, url
        assert TRACK_EN not in body and CALL_EN not in body, url


def test_reviewer_pages_name_track_and_site_in_korean(client, world, assignment, planning_track):
    _name_in_korean(planning_track)
    city = assignment.application.city
    city.name_ko = "클랑"
    city.save()
    country = assignment.application.country
    reviewer = world["assigned_reviewer"]
    workspace = _korean_page(client, reviewer, reverse("reviews:workspace"))
    detail = _korean_page(client, reviewer, reverse("reviews:assignment", args=[assignment.pk]))
    read = _korean_page(client, reviewer, reverse("reviews:application", args=[assignment.pk]))
    assert TRACK_KO in workspace and TRACK_KO in detail
    assert f"클랑, {country.name_ko}" in detail and f"클랑, {country.name_ko}" in read
    for body in (workspace, detail, read):
        assert TRACK_EN not in body and city.name not in body and country.name not in body


def test_invitation_names_track_and_call_in_korean(client, role_groups, planning_track, kind_staff):
    from reviews import services
    from tests.factories import UserFactory

    _name_in_korean(planning_track)
    invitation = services.invite_reviewer(
        track=planning_track, email="welcome@expert.example.net", actor=kind_staff
    )
    expert = UserFactory(email="welcome@expert.example.net")
    url = reverse("reviews:invitation", kwargs={"token": invitation.token})
    body = _korean_page(client, expert, url)
    assert TRACK_KO in body and CALL_KO in body
    assert TRACK_EN not in body and CALL_EN not in body


def test_board_empty_row_spans_every_column(client, world, planning_track):
    # Three committee members, nobody assigned, no application under review: one row that
    # spans the board's three columns, whatever the size of the committee.
    url = reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk})
    client.force_login(world["kind_staff"])
    response = client.get(url, {"state": "submitted"})
    assert not response.context["board"].rows
    body = response.content.decode()
    assert '<td colspan="3">No application matches.</td>' in body
    assert "<tfoot>" not in body  # no per-reviewer column foot any more


def test_board_offers_overdue_reminder_only_when_something_is_overdue(
    client, world, assignment, planning_track
):
    from datetime import timedelta

    from django.utils import timezone

    url = reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk})
    remind_all = "Remind every reviewer with an overdue review"
    client.force_login(world["kind_staff"])
    response = client.get(url)
    assert response.context["board"].totals["overdue"] == 0
    assert remind_all not in response.content.decode()
    assignment.due_at = timezone.now() - timedelta(days=1)
    assignment.save()
    assert remind_all in client.get(url).content.decode()
    # Filtered on a reviewer with nothing overdue, the track-wide button is still offered.
    other = client.get(url, {"reviewer": world["unassigned_reviewer"].pk})
    assert other.context["board"].totals["overdue"] == 0
    assert remind_all in other.content.decode()


def test_assignment_pages_rely_on_the_site_wide_htmx_config(client, world, planning_track):
    from reviews.models import Job

    job = Job.objects.create(track=planning_track, kind="assign", status="running", total=2)
    client.force_login(world["kind_staff"])
    for url in (
        reverse("staff_reviews:assignments", kwargs={"track_id": planning_track.pk}),
        reverse("staff_reviews:job", kwargs={"pk": job.pk}),
    ):
        body = client.get(url).content.decode()
        assert body.count('name="htmx-config"') == 1, url
        assert '"allowEval": false' in body, url  # the one left is base.html's
