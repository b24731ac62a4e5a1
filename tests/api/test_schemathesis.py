"""A property-based run of the whole OpenAPI description against the app (schemathesis).

Every operation gets generated requests (valid and not) as a user who has data to see: no
response may be a server error or differ from what the schema describes.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts import roles
from accounts.token_services import create_api_token
from tests.factories import (
    AssignmentFactory,
    CriterionFactory,
    DocumentFactory,
    ProjectFactory,
    SubmittedApplicationFactory,
)

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_data(planning_track, demonstration_track, application, applicant, kind_staff, reviewer):
    """A call with both tracks, a draft and submitted applications, a review and a project."""
    CriterionFactory(track=planning_track, code="feasibility", max_points=30)
    submitted = SubmittedApplicationFactory(
        track=planning_track, organization=application.organization, created_by=applicant
    )
    DocumentFactory(application=submitted)
    AssignmentFactory(application=submitted, reviewer=reviewer)
    ProjectFactory()


@pytest.fixture(params=[roles.APPLICANT, roles.PROGRAMME_ADMIN])
def auth_headers(request, api_data, applicant, programme_admin):
    """A token of an applicant or of a programme admin, both with data to see."""
    user = applicant if request.param == roles.APPLICANT else programme_admin
    _token, key = create_api_token(user=user, name="schemathesis")
    return {"Authorization": f"Token {key}"}


# Loaded when the module is collected: generating the description needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
