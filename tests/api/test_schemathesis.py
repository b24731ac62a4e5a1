"""A property-based run of the whole OpenAPI description against the app (schemathesis).

Every operation gets generated requests (valid and not) as an applicant and as a programme admin
who also reviews, both with data to see: no response may be a server error or differ from what
the schema describes. Bounded (10 examples per operation, derandomized) to stay in CI's budget.
"""

from decimal import Decimal

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts import roles
from accounts.token_services import create_api_token
from reviews.models import ApplicationResult, Decision
from tests.factories import (
    AssignmentFactory,
    AwardFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    DocumentFactory,
    ProjectFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
)

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_data(
    planning_track, demonstration_track, application, applicant, programme_admin, kind_staff
):
    """Something in every endpoint: both tracks with criteria, a draft and a submitted
    application with a document, a review in progress (the admin also reviews, so the
    reviewer's endpoints have data), a ranked and decided application with an award, a project.
    """
    criterion = CriterionFactory(track=planning_track, code="feasibility", max_points=30)
    CriterionFactory(track=demonstration_track, code="export", max_points=35)
    submitted = SubmittedApplicationFactory(
        track=planning_track, organization=application.organization, created_by=applicant
    )
    DocumentFactory(application=submitted)
    programme_admin.groups.add(Group.objects.get(name=roles.REVIEWER))
    reviewed = SubmittedApplicationFactory(track=planning_track, status="under_review")
    assignment = AssignmentFactory(application=reviewed, reviewer=programme_admin)
    ConflictDeclarationFactory(reviewer=programme_admin, application=reviewed)
    ScoreFactory(assignment=assignment, criterion=criterion, points=20)
    decided = SubmittedApplicationFactory(track=planning_track, status="awarded")
    ApplicationResult.objects.create(
        application=decided, track=planning_track, rank=1, official_score=Decimal("88.5")
    )
    Decision.objects.create(
        application=decided, track=planning_track, outcome="selected", amount=400_000_000
    )
    AwardFactory(application=decided, project=ProjectFactory())


@pytest.fixture
def keep_test_connection():
    """The real WSGI handler closes the database connection after each request, which would
    end the test's transaction (PostgreSQL); Django's test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=[roles.APPLICANT, roles.PROGRAMME_ADMIN])
def auth_headers(request, keep_test_connection, api_data, applicant, programme_admin):
    """A token of an applicant or of a programme admin, both with data to see."""
    user = applicant if request.param == roles.APPLICANT else programme_admin
    _token, key = create_api_token(user=user, name="schemathesis")
    return {"Authorization": f"Token {key}"}


# Loaded when the module is collected: generating the description needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
