"""Fixtures for the review tests: one planning track under review, with every role around it.

Import with ``from tests.reviews.review_fixtures import *`` (kept out of a conftest.py so the
results tests in this folder are not affected).
"""

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    InterestDeclaration,
)
from tests.factories import (
    AssignmentFactory,
    CriterionFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

SECRET_TITLE = "Confidential Zuunmod smart district plan"


def sign_declaration(user):
    now = timezone.now()
    return InterestDeclaration.objects.create(
        reviewer=user,
        interests="none",
        signed_at=now,
        expires_at=now + datetime.timedelta(days=365),
    )


@pytest.fixture
def criteria(planning_track):
    names = ["Feasibility", "Site preparation", "Importance", "Business viability", "Cooperation"]
    return [
        CriterionFactory(track=planning_track, code=f"c{i}", name=name, max_points=20, order=i)
        for i, name in enumerate(names, start=1)
    ]


@pytest.fixture
def under_review(applicant, planning_track, criteria):
    return SubmittedApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
        status="under_review",
        title=SECRET_TITLE,
        reference="2026-PL-001",
    )


def committee_reviewer(track, email, **kwargs):
    user = UserFactory(email=email, roles=[roles.REVIEWER], **kwargs)
    CommitteeMember.objects.get_or_create(track=track, reviewer=user)
    return user


@pytest.fixture
def assigned_reviewer(role_groups, planning_track, under_review):
    user = committee_reviewer(planning_track, "assigned@expert.example.net", name="Dr Assigned")
    sign_declaration(user)
    return user


@pytest.fixture
def assignment(assigned_reviewer, under_review):
    """Accepted, with the no-conflict declaration made: ready to score."""
    ConflictDeclaration.objects.create(
        reviewer=assigned_reviewer, application=under_review, has_conflict=False, kind="none"
    )
    return AssignmentFactory(
        application=under_review, reviewer=assigned_reviewer, status=Assignment.Status.ACCEPTED
    )


@pytest.fixture
def unassigned_reviewer(role_groups, planning_track):
    user = committee_reviewer(planning_track, "other@expert.example.net", name="Dr Unassigned")
    sign_declaration(user)
    return user


@pytest.fixture
def conflicted_reviewer(role_groups, planning_track, under_review):
    user = committee_reviewer(planning_track, "conflicted@expert.example.net", name="Dr Conflict")
    sign_declaration(user)
    ConflictDeclaration.objects.create(
        reviewer=user, application=under_review, has_conflict=True, kind="personal"
    )
    AssignmentFactory(application=under_review, reviewer=user, status=Assignment.Status.CONFLICT)
    return user


def score_data(criteria, points="15", text="A well argued justification of the score given."):
    data = {}
    for criterion in criteria:
        data[f"points_{criterion.pk}"] = points
        data[f"justification_{criterion.pk}"] = text
    data.update({"recommendation": "fund", "confidence": "3", "overall_comment": "Good."})
    return data
