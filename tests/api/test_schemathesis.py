"""A property-based run of the whole OpenAPI description against the app (schemathesis).

No response may be a server error, differ from what the schema describes, or carry a status
code the operation does not document (``CHECKS``). Every operation runs as anonymous and as a
user of each role — applicant, reviewer, secretariat staff, programme admin, contractor — all
with data to see (``api_data``), derandomized; each operation belongs to one of them
(``owner_of``: the role that may act on its data):

* ``test_api_conforms_to_its_schema``, as the owner: the schema's examples, fuzzed requests
  (valid and not; 10 per write, 5 per read, which only filters and pages what a selector
  returns) and schemathesis's coverage phase (each parameter and body field missing, of the
  wrong type, at its limits; unexpected methods);
* ``test_api_conforms_for_every_other_principal``: the examples and 3 fuzzed requests, each
  sent as anonymous and as every other role. The rules refuse their writes before the body is
  read and their lists show them other rows (or none), so more cases would only repeat the same
  401, 403, 404 or short list.

A generated integer id in a path is aimed at the object of ``api_data`` that the operation is
about (``targets``), so bodies reach the serializers and services of real rows and refusals are
about data that exists; malformed ids still go out as generated.

Runtime: about 2 minutes of CPU in all (``-n 2`` halves the wall time); raise max-examples
locally to search harder.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from accounts import roles
from accounts.models import ApiToken
from accounts.token_services import create_api_token
from projects.models import Event
from results.models import ApplicationResult, Decision
from reviews.models import CommitteeMember, Job
from reviews.services import invite_reviewer
from tests.factories import (
    AssignmentFactory,
    AwardFactory,
    ConflictDeclarationFactory,
    CriterionFactory,
    DeliverableFactory,
    DocumentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
)
from tests.second_factor import authenticator_app, needs_second_factor

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
ANONYMOUS = "anonymous"
PRINCIPALS = (
    ANONYMOUS,
    roles.APPLICANT,
    roles.REVIEWER,
    roles.SECRETARIAT_STAFF,
    roles.PROGRAMME_ADMIN,
    roles.CONTRACTOR,
)

# Operations on the applicant's data (their draft, their organisation's submitted application,
# the deliverable of the company they also work for); the programme admin, who sees every track
# and also reviews, owns every other operation. By "METHOD path".
APPLICANT_OPERATIONS = frozenset(
    {
        "POST /api/v1/applications/",
        "PATCH /api/v1/applications/{id}/",
        "GET /api/v1/applications/{id}/documents/",
        "POST /api/v1/applications/{id}/documents/",
        "DELETE /api/v1/applications/{id}/documents/{document_id}/",
        "POST /api/v1/applications/{id}/submit/",
        "POST /api/v1/applications/{id}/withdraw/",
        "POST /api/v1/applications/{id}/answer-clarification/",
        "POST /api/v1/deliverables/{id}/upload/",
        # The applicant works for the contractor too: a member of the service contract's party.
        "POST /api/v1/payment-requests/",
    }
)


@pytest.fixture
def api_data(
    planning_track,
    demonstration_track,
    application,
    applicant,
    programme_admin,
    kind_staff,
    reviewer,
    contractor,
):
    """Something in every endpoint: both tracks with criteria, a draft and a submitted
    application with a document, a review in progress (the admin also reviews, so the
    reviewer's endpoints have data), a ranked and decided application with an award, a project
    with deliverables, a committee, an invitation, a job and an event. Returns the objects by name.
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
    declaration = ConflictDeclarationFactory(reviewer=programme_admin, application=reviewed)
    ScoreFactory(assignment=assignment, criterion=criterion, points=20)
    # The plain reviewer has an assignment of their own (not scored yet).
    AssignmentFactory(application=reviewed, reviewer=reviewer)
    decided = SubmittedApplicationFactory(track=planning_track, status="awarded")
    result = ApplicationResult.objects.create(
        application=decided, track=planning_track, rank=1, official_score=Decimal("88.5")
    )
    decision = Decision.objects.create(
        application=decided, track=planning_track, outcome="selected", amount=400_000_000
    )
    # Staff work: a committee (the admin reviews) and an invitation to it. Deliverables: the
    # applicant also works for the contractor, so uploads have a deliverable to reach.
    member = CommitteeMember.objects.create(track=planning_track, reviewer=programme_admin)
    invitation = invite_reviewer(
        track=planning_track, email="new.expert@university.ac.kr", actor=kind_staff
    )
    contractor_user = contractor
    contractor = OrganizationFactory(name="Hanul", kind="korean_company", country_code="KR")
    MembershipFactory(user=applicant, organization=contractor)
    project = ProjectFactory(contractor=contractor)
    # The contractor of the roles works for it too (and only for it: no applications).
    MembershipFactory(user=contractor_user, organization=contractor)
    award = AwardFactory(application=decided, project=project)
    pending = DeliverableFactory(project=project)
    awaiting_review = DeliverableFactory(project=project, kind="interim_report", status="submitted")
    job = Job.objects.create(track=planning_track, kind="aggregate")
    # The project's signed service contract, its first tranche requested (awards.funding).
    from tests.factories.funding import (
        BudgetLineFactory,
        PaymentRequestFactory,
        TrancheFactory,
        signed_agreement,
    )

    agreement = signed_agreement(project, kind="service_contract")
    BudgetLineFactory(agreement=agreement, planned_krw=400_000_000)
    first = TrancheFactory(agreement=agreement, number=1, amount_krw=120_000_000)
    TrancheFactory(agreement=agreement, number=2, amount_krw=280_000_000, share_percent=70)
    payment = PaymentRequestFactory(tranche=first, requested_by=contractor_user)
    payment.lines.create(category="personnel", amount_krw=payment.amount_krw)
    event = Event.objects.create(
        kind="workshop",
        name="Kick-off workshop",
        city=application.city,
        starts_on=datetime.date(2026, 7, 20),
        ends_on=datetime.date(2026, 7, 21),
    )
    return {
        "draft": application,
        "submitted": submitted,
        "criterion": criterion,
        "assignment": assignment,
        "declaration": declaration,
        "result": result,
        "decision": decision,
        "award": award,
        "member": member,
        "invitation": invitation,
        "deliverable": pending,
        "awaiting_review": awaiting_review,
        "job": job,
        "event": event,
        "agreement": agreement,
        "payment": payment,
        "track": planning_track,
        "city": application.city,
        "country": application.country,
    }


def targets(data) -> dict[str, int]:
    """Path (an object's path, or one of its actions') → the id that generated ids aim at.
    Every path with an ``{id}`` needs its object here (``test_every_id_path_has_a_target``)."""
    objects = {
        "/api/v1/applications/{id}/": data["draft"],
        "/api/v1/applications/{id}/screen/": data["submitted"],
        "/api/v1/applications/{id}/shortlist/": data["submitted"],
        "/api/v1/applications/{id}/request-clarification/": data["submitted"],
        "/api/v1/assignments/{id}/": data["assignment"],
        "/api/v1/awards/{id}/": data["award"],
        "/api/v1/cities/{id}/": data["city"],
        "/api/v1/committee-members/{id}/": data["member"],
        "/api/v1/conflict-declarations/{id}/": data["declaration"],
        "/api/v1/countries/{id}/": data["country"],
        "/api/v1/criteria/{id}/": data["criterion"],
        "/api/v1/decisions/{id}/": data["decision"],
        "/api/v1/events/{id}/": data["event"],
        "/api/v1/deliverables/{id}/": data["deliverable"],
        "/api/v1/deliverables/{id}/accept/": data["awaiting_review"],
        "/api/v1/deliverables/{id}/return/": data["awaiting_review"],
        "/api/v1/jobs/{id}/": data["job"],
        "/api/v1/agreements/{id}/": data["agreement"],
        "/api/v1/payment-requests/{id}/": data["payment"],
        "/api/v1/results/{id}/": data["result"],
        "/api/v1/reviewer-invitations/{id}/": data["invitation"],
        "/api/v1/staff-assignments/{id}/": data["assignment"],
        "/api/v1/staff-criteria/{id}/": data["criterion"],
        "/api/v1/staff-tracks/{id}/": data["track"],
        "/api/v1/tracks/{id}/": data["track"],
    }
    return {path: obj.pk for path, obj in objects.items()}


def target_for(path: str, aims: dict[str, int]) -> int | None:
    """The id for ``path``: the one named for it, else for its object's path (an action's
    ``…/{id}/``)."""
    object_path = path[: path.index("{id}") + len("{id}/")]
    return aims.get(path, aims.get(object_path))


def aim(case, aims: dict[str, int]) -> None:
    """Point a well-formed generated integer ``id`` at the operation's object; a malformed id
    (and a UUID or slug key) goes out as generated."""
    value = (case.path_parameters or {}).get("id")
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        case.path_parameters["id"] = target_for(case.operation.path, aims)


@pytest.fixture
def keep_test_connection():
    """The real WSGI handler closes the database connection after each request, which would
    end the test's transaction (PostgreSQL); Django's test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def owner_of(case) -> str:
    """The role whose data the case's operation acts on."""
    return (
        roles.APPLICANT if case.operation.label in APPLICANT_OPERATIONS else roles.PROGRAMME_ADMIN
    )


@pytest.fixture
def tokens(
    keep_test_connection, api_data, applicant, programme_admin, reviewer, kind_staff, contractor
):
    """Authorization headers by principal (none for anonymous), every user with data to see."""
    users = {
        roles.APPLICANT: applicant,
        roles.REVIEWER: reviewer,
        roles.SECRETARIAT_STAFF: kind_staff,
        roles.PROGRAMME_ADMIN: programme_admin,
        roles.CONTRACTOR: contractor,
    }
    headers = {ANONYMOUS: {}}
    for role, user in users.items():
        if needs_second_factor(user):
            authenticator_app(user)  # staff and reviewers' tokens work only then
        _token, key = create_api_token(
            user=user, name="schemathesis", scope=ApiToken.Scope.READ_WRITE
        )
        headers[role] = {"Authorization": f"Token {key}"}
    return headers


# Loaded when the module is collected: generating the description needs no database.
APP = get_wsgi_application()


def load(config: str):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/", APP, config=SchemathesisConfig.from_str(config)
    )


schema = load(
    """
[generation]
max-examples = 10

[[operations]]
include-method = "GET"
generation.max-examples = 5
"""
)
other_role = load(
    """
[phases.coverage]
enabled = false

[generation]
max-examples = 3
"""
)
HYPOTHESIS = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


# ``who`` also names each item after its operation: ``…[GET /api/v1/calls/][owner]``.
@pytest.mark.schemathesis
@schema.parametrize()
@pytest.mark.parametrize("who", ["owner"])
@HYPOTHESIS
def test_api_conforms_to_its_schema(case, who, tokens, api_data):
    aim(case, targets(api_data))
    case.call_and_validate(headers=tokens[owner_of(case)], checks=CHECKS)


@pytest.mark.schemathesis
@other_role.parametrize()
@pytest.mark.parametrize("who", ["others"])
@HYPOTHESIS
def test_api_conforms_for_every_other_principal(case, who, tokens, api_data):
    aim(case, targets(api_data))
    owner = owner_of(case)
    for principal in PRINCIPALS:
        if principal != owner:
            case.call_and_validate(headers=tokens[principal], checks=CHECKS)


def test_every_id_path_has_a_target():
    """A new endpoint with an integer ``{id}`` must name its object in ``targets``, or its bodies
    would only ever meet "not found"."""
    stand_in = defaultdict(lambda: SimpleNamespace(pk=1))
    aims = targets(stand_in)
    paths = schema.raw_schema["paths"]
    integer_id_paths = [
        path
        for path, operations in paths.items()
        if "{id}" in path
        and any(
            parameter["name"] == "id" and parameter["schema"].get("type") == "integer"
            for operation in operations.values()
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "path"
        )
    ]
    assert len(integer_id_paths) > 30
    assert [path for path in integer_id_paths if target_for(path, aims) is None] == []
