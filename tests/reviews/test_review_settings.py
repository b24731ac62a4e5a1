"""What reviewers see, per track (reviews.ReviewSettings): other reviewers' scores, anonymised
review and browsing every eligible application; on the pages and through the API, with the
staff page that changes it (audited) and its refusal to the other secretariat."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_events_for
from core.domain import DomainError
from reviews import selectors, services
from reviews.models import Assignment, ConflictDeclaration, ReviewSettings
from tests.api.conftest import client_for
from tests.factories import (
    AssignmentFactory,
    ConsortiumMemberFactory,
    DocumentFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
)
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import committee_reviewer, sign_declaration

pytestmark = pytest.mark.django_db

A = Assignment.Status
OTHER_COMMENT = "Second reviewer thinks the land question is open."
DRAFT_COMMENT = "Third reviewer draft, not submitted yet."


def _set(track, **values):
    row, _created = ReviewSettings.objects.get_or_create(track=track)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    track.refresh_from_db()
    return row


@pytest.fixture
def others(planning_track, under_review, criteria):
    """A second reviewer with a submitted review (total 87) and a third with a draft."""
    second = committee_reviewer(planning_track, "second@expert.example.net", name="Dr Second")
    submitted = AssignmentFactory(
        application=under_review,
        reviewer=second,
        status=A.SUBMITTED,
        total=87,
        submitted_at=timezone.now(),
        recommendation=Assignment.Recommendation.FUND,
        overall_comment=OTHER_COMMENT,
    )
    for criterion in criteria:
        ScoreFactory(assignment=submitted, criterion=criterion, points="17.5")
    third = committee_reviewer(planning_track, "third@expert.example.net", name="Dr Third")
    AssignmentFactory(
        application=under_review,
        reviewer=third,
        status=A.IN_PROGRESS,
        total=12,
        overall_comment=DRAFT_COMMENT,
    )
    return {"second": second, "third": third}


def _page(client, user, assignment):
    client.force_login(user)
    return client.get(reverse("reviews:application", args=[assignment.pk]))


def _api_other_reviews(user, assignment):
    return client_for(user).get(
        reverse("api:assignment-other-reviews", kwargs={"pk": assignment.pk})
    )


def _submit_own(assignment):
    Assignment.objects.filter(pk=assignment.pk).update(
        status=A.SUBMITTED, total=70, submitted_at=timezone.now()
    )
    assignment.refresh_from_db()


# --- Defaults -------------------------------------------------------------------------------


def test_settings_default_is_todays_behaviour_and_reading_writes_nothing(planning_track):
    current = selectors.review_settings_for(planning_track)
    assert (current.pk, current.other_scores, current.anonymised, current.scope) == (
        None,
        ReviewSettings.OtherScores.NEVER,
        False,
        ReviewSettings.Scope.ASSIGNED,
    )
    assert not ReviewSettings.objects.exists()


# --- Other reviewers' scores: page and API ---------------------------------------------------


def test_other_scores_never_hidden_on_page_and_api(client, assignment, others, planning_track):
    _submit_own(assignment)  # even after submitting: the track says never
    response = _page(client, assignment.reviewer, assignment)
    assert response.status_code == 200
    # The other reviewer's total as the page would show it ("87 / 100"), not any "87" in the
    # markup (a token or an id may hold those digits).
    assert not re.search(rb"\b87(\.0+)? / 100", response.content)
    assert OTHER_COMMENT.encode() not in response.content
    assert "are not shown to you now" in response.content.decode()
    assert _api_other_reviews(assignment.reviewer, assignment).status_code == 403


def test_other_scores_after_own_hidden_until_submitted(client, assignment, others, planning_track):
    _set(planning_track, other_scores=ReviewSettings.OtherScores.AFTER_OWN)
    before = _page(client, assignment.reviewer, assignment)
    assert OTHER_COMMENT.encode() not in before.content
    assert _api_other_reviews(assignment.reviewer, assignment).status_code == 403

    _submit_own(assignment)
    after = _page(client, assignment.reviewer, assignment)
    body = after.content.decode()
    assert OTHER_COMMENT in body and "Reviewer 1" in body
    assert re.search(r"\b87(\.0+)? / 100", body)
    # Never a draft, never a name.
    assert DRAFT_COMMENT not in body and "Dr Second" not in body and "Dr Third" not in body
    api = _api_other_reviews(assignment.reviewer, assignment)
    assert api.status_code == 200
    rows = api.json()
    assert [(r["label"], r["total"], r["comment"]) for r in rows] == [
        ("Reviewer 1", "87.00", OTHER_COMMENT)
    ]
    assert [s["points"] for s in rows[0]["scores"]] == ["17.5"] * 5
    assert b"Dr Second" not in api.content and DRAFT_COMMENT.encode() not in api.content


def test_other_scores_always_shown_while_own_review_is_open(
    client, assignment, others, planning_track
):
    _set(planning_track, other_scores=ReviewSettings.OtherScores.ALWAYS)
    assert assignment.status == A.ACCEPTED
    body = _page(client, assignment.reviewer, assignment).content.decode()
    assert OTHER_COMMENT in body and DRAFT_COMMENT not in body
    api = _api_other_reviews(assignment.reviewer, assignment)
    assert [r["total"] for r in api.json()] == ["87.00"]


def test_other_scores_always_still_needs_the_no_conflict_declaration(
    assigned_reviewer, under_review, others, planning_track
):
    _set(planning_track, other_scores=ReviewSettings.OtherScores.ALWAYS)
    undeclared = AssignmentFactory(
        application=under_review, reviewer=assigned_reviewer, status=A.INVITED
    )
    assert not assigned_reviewer.has_perm("reviews.see_other_scores", undeclared)
    assert _api_other_reviews(assigned_reviewer, undeclared).status_code == 403


# --- Anonymised review ----------------------------------------------------------------------

IDENTITY = (
    "Klang Municipal Council",  # the applicant organisation (conftest's applicant)
    "Aminah Rahman",  # contact person (factory)
    "aminah@example.org",  # contact e-mail (factory)
    "+60 3 1234 5678",
    "Hanul Engineering Consortium",
    "klang_council_site_map.pdf",
)


@pytest.fixture
def identified(under_review):
    type(under_review).objects.filter(pk=under_review.pk).update(contact_phone="+60 3 1234 5678")
    under_review.refresh_from_db()
    ConsortiumMemberFactory(application=under_review, name="Hanul Engineering Consortium")
    return DocumentFactory(
        application=under_review, kind="site_map", original_name="klang_council_site_map.pdf"
    )


def test_anonymised_review_withholds_identity_on_reviewer_pages(
    client, assignment, identified, planning_track
):
    _set(planning_track, anonymised=True)
    client.force_login(assignment.reviewer)
    for name in ("reviews:application", "reviews:assignment"):
        response = client.get(reverse(name, args=[assignment.pk]))
        body = response.content.decode()
        assert response.status_code == 200
        assert [s for s in IDENTITY if s in body] == [], name
        assert "Withheld (anonymised review)" in body
    page = client.get(reverse("reviews:application", args=[assignment.pk])).content.decode()
    assert "2026-PL-001-site_map.pdf" in page and "Member 1" in page
    download = client.get(
        reverse("reviews:document_download", args=[assignment.pk, identified.public_id])
    )
    assert download.status_code == 200
    assert "2026-PL-001-site_map.pdf" in download["Content-Disposition"]
    assert "klang" not in download["Content-Disposition"]


def test_not_anonymised_reviewer_sees_identity(client, assignment, identified):
    body = _page(client, assignment.reviewer, assignment).content.decode()
    assert "Klang Municipal Council" in body and "klang_council_site_map.pdf" in body


def test_anonymised_review_withholds_identity_in_the_api(
    client, assignment, identified, planning_track, kind_staff, applicant
):
    _set(planning_track, anonymised=True)
    detail = reverse("api:application-detail", kwargs={"pk": assignment.application_id})
    documents = reverse("api:application-documents", kwargs={"pk": assignment.application_id})
    reviewer = client_for(assignment.reviewer)
    for path in (detail, documents, reverse("api:application-list")):
        response = reviewer.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert [s for s in IDENTITY if s in body] == [], path
    data = reviewer.get(detail).json()
    assert data["organization"] is None and data["contact_email"] == ""
    assert [d["original_name"] for d in data["documents"]] == ["2026-PL-001-site_map.pdf"]
    # The id the API gives opens the general download: under the same neutral name.
    client.force_login(assignment.reviewer)
    download = client.get(
        reverse("applications:document_download", args=[data["documents"][0]["id"]])
    )
    assert download.status_code == 200
    assert "2026-PL-001-site_map.pdf" in download["Content-Disposition"]
    assert "klang" not in download["Content-Disposition"]
    # Staff of the track and the applicant still see who applied.
    for user in (kind_staff, applicant):
        body = client_for(user).get(detail).content.decode()
        assert "Klang Municipal Council" in body and "klang_council_site_map.pdf" in body


@pytest.fixture
def answered(under_review, kind_staff):
    """Two answers: one to a question staff marked as possibly identifying the applicant (a
    letter of support names the mayor), one to an ordinary question."""
    from applications.models import Answer
    from tests.factories import QuestionFactory

    letter = QuestionFactory(
        track=under_review.track,
        code="support",
        type="long_text",
        label="Who supports the project locally?",
        identifying=True,
    )
    area = QuestionFactory(
        track=under_review.track, code="area", type="long_text", label="Project area"
    )
    Answer.objects.create(application=under_review, question=letter, value="Mayor Ahmad of Klang")
    Answer.objects.create(application=under_review, question=area, value="The river delta")
    return letter


def test_anonymised_review_withholds_identifying_answers_on_page_and_api(
    client, assignment, answered, planning_track, kind_staff, applicant
):
    _set(planning_track, anonymised=True)
    body = _page(client, assignment.reviewer, assignment).content.decode()
    assert "Mayor Ahmad" not in body
    assert "Who supports the project locally?" in body and "The river delta" in body
    assert "Withheld: the answer may identify the applicant" in body
    detail = reverse("api:application-detail", kwargs={"pk": assignment.application_id})
    answers = client_for(assignment.reviewer).get(detail).json()["answers"]
    assert answers == {"support": None, "area": "The river delta"}
    listed = client_for(assignment.reviewer).get(reverse("api:application-list")).content
    assert b"Mayor Ahmad" not in listed
    # Staff of the track and the applicant read the answer; so does a reviewer of a track whose
    # review is not anonymised.
    for user in (kind_staff, applicant):
        assert client_for(user).get(detail).json()["answers"]["support"] == "Mayor Ahmad of Klang"
    _set(planning_track, anonymised=False)
    assert "Mayor Ahmad" in _page(client, assignment.reviewer, assignment).content.decode()


# --- Browsing the track's applications ------------------------------------------------------


@pytest.fixture
def another(planning_track, other_applicant):
    return SubmittedApplicationFactory(
        track=planning_track,
        organization=other_applicant.organizations.first(),
        status="under_review",
        title="Khulna canal sensors",
        reference="2026-PL-002",
    )


def test_browse_refused_when_track_allows_only_assignments(client, assignment, another):
    client.force_login(assignment.reviewer)
    assert client.get(reverse("reviews:browse", args=[another.track_id])).status_code == 403
    assert client.get(reverse("reviews:browse_application", args=[another.pk])).status_code == 404
    workspace = client.get(reverse("reviews:workspace")).content.decode()
    assert reverse("reviews:browse", args=[another.track_id]) not in workspace


def test_browse_lists_other_eligible_applications_when_allowed(
    client, assignment, another, planning_track, other_applicant
):
    _set(planning_track, scope=ReviewSettings.Scope.ALL)
    draft = SubmittedApplicationFactory(
        track=planning_track, status="draft", title="Unsubmitted draft", reference=None
    )
    conflicted = SubmittedApplicationFactory(
        track=planning_track, status="eligible", title="Conflicted proposal", reference="PL-9"
    )
    ConflictDeclaration.objects.create(
        reviewer=assignment.reviewer, application=conflicted, has_conflict=True, kind="personal"
    )
    client.force_login(assignment.reviewer)
    workspace = client.get(reverse("reviews:workspace")).content.decode()
    assert reverse("reviews:browse", args=[planning_track.pk]) in workspace
    body = client.get(reverse("reviews:browse", args=[planning_track.pk])).content.decode()
    assert "Khulna canal sensors" in body
    # Not a draft, not a conflict, not the reviewer's own assignment (read from their reviews).
    assert draft.title not in body and "Conflicted proposal" not in body
    assert assignment.application.title not in body
    page = client.get(reverse("reviews:browse_application", args=[another.pk]))
    assert page.status_code == 200
    assert "Khulna canal sensors" in page.content.decode()
    # Reading is not scoring: no assignment, no score page.
    assert reverse("reviews:score", args=[another.pk]) not in page.content.decode()
    assert not Assignment.objects.filter(application=another, reviewer=assignment.reviewer)
    for refused in (conflicted, draft):
        url = reverse("reviews:browse_application", args=[refused.pk])
        assert client.get(url).status_code == 404


def test_browse_refused_to_a_reviewer_of_no_committee_of_the_track(
    client, role_groups, another, planning_track
):
    _set(planning_track, scope=ReviewSettings.Scope.ALL)
    from accounts import roles
    from tests.factories import UserFactory

    outsider = UserFactory(email="lone@expert.example", roles=[roles.REVIEWER])
    sign_declaration(outsider)
    client.force_login(outsider)
    assert client.get(reverse("reviews:browse", args=[planning_track.pk])).status_code == 403
    response = client.get(reverse("reviews:browse_application", args=[another.pk]))
    assert response.status_code == 404 and b"Khulna" not in response.content


def test_browsed_application_is_anonymised_when_the_track_says_so(
    client, unassigned_reviewer, identified, planning_track, under_review
):
    _set(planning_track, scope=ReviewSettings.Scope.ALL, anonymised=True)
    client.force_login(unassigned_reviewer)
    response = client.get(reverse("reviews:browse_application", args=[under_review.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and under_review.title in body
    assert [s for s in IDENTITY if s in body] == []


def test_browse_list_query_count_does_not_grow_with_rows(
    client, unassigned_reviewer, planning_track
):
    _set(planning_track, scope=ReviewSettings.Scope.ALL)
    client.force_login(unassigned_reviewer)
    url = reverse("reviews:browse", args=[planning_track.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    SubmittedApplicationFactory(track=planning_track, status="eligible")
    client.get(url)
    one = count()
    for _ in range(6):
        SubmittedApplicationFactory(track=planning_track, status="eligible")
    assert count() == one


# --- The staff page and the service ---------------------------------------------------------


def test_staff_changes_visibility_with_an_audit_row(client, kind_staff, planning_track):
    client.force_login(kind_staff)
    url = reverse("staff_reviews:visibility", args=[planning_track.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"other_scores": "after_own", "anonymised": "on", "scope": "all"}, follow=True
    )
    assert response.status_code == 200
    row = ReviewSettings.objects.get(track=planning_track)
    assert (row.other_scores, row.anonymised, row.scope, row.updated_by) == (
        "after_own",
        True,
        "all",
        kind_staff,
    )
    event = audit_events_for(planning_track).get(action="reviewer_visibility")
    assert event.actor == kind_staff
    assert event.detail == {
        "old": {"other_scores": "never", "anonymised": False, "scope": "assigned"},
        "new": {"other_scores": "after_own", "anonymised": True, "scope": "all"},
    }
    # Saving the same values again changes and audits nothing.
    client.post(url, {"other_scores": "after_own", "anonymised": "on", "scope": "all"})
    assert audit_events_for(planning_track).filter(action="reviewer_visibility").count() == 1


def test_staff_page_bad_input_is_refused_next_to_the_field(client, kind_staff, planning_track):
    client.force_login(kind_staff)
    url = reverse("staff_reviews:visibility", args=[planning_track.pk])
    response = client.post(url, {"other_scores": "sometimes", "scope": "all"})
    assert response.status_code == 400
    assert "sometimes is not one of the available choices" in response.content.decode()
    assert not ReviewSettings.objects.exists()


def test_other_secretariat_may_not_change_visibility(client, kaia_staff, planning_track):
    client.force_login(kaia_staff)
    url = reverse("staff_reviews:visibility", args=[planning_track.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"other_scores": "always", "anonymised": "on", "scope": "all"})
    assert response.status_code == 403
    assert not ReviewSettings.objects.exists()
    with pytest.raises(DomainError) as refused:
        services.update_reviewer_visibility(
            track=planning_track, actor=kaia_staff, other_scores="always"
        )
    assert refused.value.code == "forbidden"
    assert not audit_events_for(planning_track).filter(action="reviewer_visibility").exists()


def test_reopened_review_hides_other_scores_again_after_own(assignment, others, planning_track):
    _set(planning_track, other_scores=ReviewSettings.OtherScores.AFTER_OWN)
    _submit_own(assignment)
    assert selectors.reviewer_can_see_other_scores(assignment)
    Assignment.objects.filter(pk=assignment.pk).update(
        status=A.IN_PROGRESS, submitted_at=timezone.now() - datetime.timedelta(days=1)
    )
    assignment.refresh_from_db()
    assert not selectors.reviewer_can_see_other_scores(assignment)
