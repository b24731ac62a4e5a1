"""A small but complete portal for tests that walk every page or URL: a call with a planning (KIND)
and a demonstration (KAIA) track, applications from draft to awarded with a released decision, a
funded project with a contractor and a deliverable, a reviewer with assignments, an event."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.services import invite_member
from applications.services import request_clarification
from awards.contractor_selection import open_contractor_selection
from awards.models import Award
from awards.services import advance_award, award_funding
from projects.models import Event
from results.aggregation import aggregate_track
from results.services import confirm_decisions, propose_funding_line, release_decisions
from reviews.models import CommitteeMember, Job
from reviews.services import assign_reviewer, declare_conflict, invite_reviewer
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    DeliverableFactory,
    SubmittedApplicationFactory,
    UserFactory,
)
from tests.factories.results import make_criteria, review_totals, reviewed_application
from tests.reviews.review_fixtures import sign_declaration

M = 1_000_000


def build_portal(
    *,
    planning_track,
    demonstration_track,
    applicant,
    reviewer,
    contractor,
    kind_staff,
    kaia_staff,
    programme_admin,
) -> dict:
    """The data every page needs, made the way the portal makes it; returns what the URLs name."""
    org = applicant.organizations.first()
    planning_track.total_budget = 800 * M
    planning_track.min_reviewers = 3
    planning_track.save()
    (criterion,) = make_criteria(planning_track, ("feasibility", 100, Decimal("40"), 1))
    dm_criterion, _ = make_criteria(
        demonstration_track, ("technology", 60, None, 1), ("local_fit", 40, None, 2)
    )

    # Planning: two reviewed applications, aggregated, decided, released; the applicant's is
    # awarded (approved), its project carried out by the contractor with one deliverable.
    panel = [UserFactory(name=f"Panel expert {i}") for i in range(3)]
    awarded = reviewed_application(
        planning_track, title="Klang flood sensors", budget_requested=400 * M, organization=org
    )
    other = reviewed_application(
        planning_track, title="Khulna e-services", budget_requested=400 * M
    )
    review_totals(awarded, criterion, [88, 90, 92], panel)
    review_totals(other, criterion, [60, 62, 70], panel)
    aggregate_track(track=planning_track, actor=kind_staff)
    Job.objects.create(track=planning_track, kind="aggregate", status="finished", total=2, done=2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    award = award_funding(application=awarded, amount=400 * M, actor=kind_staff)
    award = advance_award(award=award, to=Award.Status.APPROVED, actor=kind_staff)
    project = award.project
    # The contractor selection opened before its winner, the contractor, was recorded.
    now = timezone.now()
    selection = open_contractor_selection(
        project=project,
        actor=kind_staff,
        opens_at=now + datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=15),
    )
    project.contractor = contractor.organizations.first()
    project.save()
    deliverable = DeliverableFactory(project=project)

    # The applicant's draft (every section) and a submitted application.
    draft = ApplicationFactory(track=planning_track, organization=org, created_by=applicant)
    consortium_draft = ApplicationFactory(
        track=demonstration_track, organization=org, created_by=applicant
    )
    submitted = SubmittedApplicationFactory(
        track=planning_track, organization=org, created_by=applicant, title="Klang e-mobility"
    )

    # Demonstration: under review; the reviewer sits on its committee with one assignment to
    # declare and one accepted (scoring form), and a pending invitation to another track.
    CommitteeMember.objects.create(track=demonstration_track, reviewer=reviewer)
    sign_declaration(reviewer)
    to_declare = reviewed_application(demonstration_track, title="Madiun smart water")
    to_score = reviewed_application(demonstration_track, title="Mukdahan smart grid")
    invited = assign_reviewer(application=to_declare, reviewer=reviewer, actor=kaia_staff)
    accepted = assign_reviewer(application=to_score, reviewer=reviewer, actor=kaia_staff)
    accepted = declare_conflict(assignment=accepted, has_conflict=False, actor=reviewer)
    invitation = invite_reviewer(
        track=planning_track, email=reviewer.email, name=reviewer.name, actor=kind_staff
    )
    # A second submitted application returned for clarification, a colleague invited to the
    # applicant's organisation.
    returned = SubmittedApplicationFactory(
        track=planning_track, organization=org, created_by=applicant, title="Klang bus lanes"
    )
    request_clarification(
        application=returned,
        actor=kind_staff,
        message="Please give the site's land status.",
        sections=["site"],
    )
    colleague = invite_member(organization=org, email="colleague@klang.gov.my", actor=applicant)
    today = timezone.localdate()
    event = Event.objects.create(
        kind=Event.Kind.WORKSHOP,
        name="K-City Network workshop",
        name_ko="K-City Network 워크숍",
        city=CityFactory(name="Klang"),
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=11),
    )
    return {
        "event": event,
        "call": planning_track.call,
        "planning": planning_track,
        "demonstration": demonstration_track,
        "criterion": criterion,
        "dm_criterion": dm_criterion,
        "awarded": awarded,
        "other": other,
        "award": award,
        "project": project,
        "deliverable": deliverable,
        "draft": draft,
        "submitted": submitted,
        "consortium_draft": consortium_draft,
        "returned": returned,
        "colleague": colleague,
        "selection": selection,
        "submitted_review": awarded.assignments.first(),
        "invited": invited,
        "accepted": accepted,
        "invitation": invitation,
        "org": org,
        "decision": awarded.decision,
        "job": Job.objects.filter(track=planning_track).first(),
    }
