"""Every database constraint of the portal's models rejects bad data at the database.

Each case writes the bad row directly (``create`` or ``update``, no ``full_clean``), so it is
the database, not Django's validation, that refuses it.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import (
    AnonymisedRecord,
    ApiToken,
    ErasureRequest,
    Membership,
    Organization,
    OrganizationInvitation,
    User,
)
from accounts.roles import PORTAL_APPS
from applications.models import (
    Answer,
    ApplicantNotice,
    Application,
    ApplicationTag,
    ClarificationRequest,
    ReferenceSequence,
    Tag,
)
from awards.models import Amendment, Award
from notifications.models import DeliveryAttempt, Message, MessageTemplate
from projects.models import (
    Call,
    City,
    Country,
    DocumentRequirement,
    Event,
    EventParticipant,
    Track,
)
from results.models import Decision, ReviewerTrackStat
from reviews.models import (
    CommitteeMember,
    ConflictDeclaration,
    InterestDeclaration,
    Job,
    ReviewerInvitation,
    ReviewSettings,
    Score,
)
from tests.factories import (
    AssignmentFactory,
    CallFactory,
    CityFactory,
    ConsortiumMemberFactory,
    CriterionFactory,
    DeliverableFactory,
    DocumentFactory,
    EventFactory,
    OrganizationFactory,
    ProjectFactory,
    QuestionFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
    TrackFactory,
    UserFactory,
)
from tests.factories.funding import (
    AgreementFactory,
    BudgetLineFactory,
    DeliverableVersionFactory,
    PaymentRequestFactory,
    TrancheFactory,
)

NOW = timezone.now()
LATER = NOW + datetime.timedelta(days=7)
EARLIER = NOW - datetime.timedelta(days=7)


NOTICE_KEY = "8a6b1f0e-3c2d-4e5f-9a8b-7c6d5e4f3a2b"


@pytest.fixture
def w(db):
    """A small world of valid rows to break."""
    org = OrganizationFactory(name="Klang Royal City Council", country_code="MY")
    user = UserFactory(email="officer@klang.gov.my", organizations=[org])
    other = UserFactory(email="expert@example.org")
    call = CallFactory()
    track = TrackFactory(call=call)
    application = SubmittedApplicationFactory(track=track, organization=org, created_by=user)
    criterion = CriterionFactory(track=track, code="feasibility", max_points=30)
    assignment = AssignmentFactory(application=application, reviewer=other)
    return SimpleNamespace(
        org=org,
        user=user,
        other=other,
        call=call,
        track=track,
        application=application,
        criterion=criterion,
        assignment=assignment,
        project=ProjectFactory(),
    )


def _set(obj, **values):
    type(obj).objects.filter(pk=obj.pk).update(**values)


def _message_template(**fields):
    return MessageTemplate.objects.create(
        name="applications/submitted",
        subject_en="s",
        body_en="b",
        subject_ko="s",
        body_ko="b",
        **fields,
    )


# name of the constraint → a function writing a row that breaks it
CASES = {
    # accounts
    "accounts_user_email_ci_unique": lambda w: User.objects.create(
        email="OFFICER@klang.gov.my", name="Twin"
    ),
    "accounts_organization_unique_name_country": lambda w: Organization.objects.create(
        name=w.org.name, country_code="MY", kind="city_government"
    ),
    "accounts_membership_unique": lambda w: Membership.objects.create(
        user=w.user, organization=w.org
    ),
    "accounts_invitation_expires_after_created": lambda w: OrganizationInvitation.objects.create(
        organization=w.org, email="a@b.org", invited_by=w.user, created_at=NOW, expires_at=EARLIER
    ),
    "accounts_apitoken_scope_valid": lambda w: ApiToken.objects.create(
        user=w.user, name="t", prefix="p", key_hash="h", scope="admin"
    ),
    "accounts_apitoken_expires_after_created": lambda w: ApiToken.objects.create(
        user=w.user, name="t", prefix="p", key_hash="h", created_at=NOW, expires_at=EARLIER
    ),
    # notifications
    "accounts_one_pending_erasure_request": lambda w: [
        ErasureRequest.objects.create(user=w.user) for _ in range(2)
    ],
    "accounts_erasure_decided_has_time": lambda w: ErasureRequest.objects.create(
        user=w.user, status="approved"
    ),
    "accounts_anonymised_record_unique": lambda w: [
        AnonymisedRecord.objects.create(kind="applications.draft", object_id=1, reason="retention")
        for _ in range(2)
    ],
    "notifications_email_has_address": lambda w: Message.objects.create(
        recipient=w.user, to_email="", channel="email", template="t"
    ),
    "notifications_in_app_has_recipient": lambda w: Message.objects.create(
        recipient=None, channel="in_app", template="t"
    ),
    "notifications_one_attempt_per_number": lambda w: [
        DeliveryAttempt.objects.create(message=message, number=1)
        for message in [
            Message.objects.create(
                recipient=w.user, to_email="a@b.org", channel="email", template="t"
            )
        ]
        for _ in range(2)
    ],
    "notifications_template_one_row_per_version": lambda w: [
        _message_template(version=1, is_active=False) for _ in range(2)
    ],
    "notifications_template_one_active_version": lambda w: [
        _message_template(version=v, is_active=True) for v in (1, 2)
    ],
    "notifications_template_version_positive": lambda w: _message_template(version=0),
    # projects
    "projects_country_code_format": lambda w: Country.objects.create(
        code="my", iso3="XYZ", name="Lower", region="east_asia"
    ),
    "projects_country_iso3_format": lambda w: Country.objects.create(
        code="XY", iso3="x1z", name="Bad iso3", region="east_asia"
    ),
    "projects_city_unique_name": lambda w: City.objects.create(
        country=w.application.city.country, name=w.application.city.name
    ),
    "projects_city_latitude_range": lambda w: CityFactory(latitude=91),
    "projects_city_longitude_range": lambda w: CityFactory(longitude=-181),
    "projects_call_closes_after_opens": lambda w: CallFactory(opens_at=NOW, closes_at=EARLIER),
    "projects_call_year_range": lambda w: CallFactory(year=2019),
    "projects_call_contractor_selection_has_project": lambda w: CallFactory(
        kind="contractor_selection", project=None
    ),
    # Concept notes of a two-stage call close inside the call, before the full proposals.
    "projects_call_concept_deadline_within_call": lambda w: CallFactory(
        two_stage=True, opens_at=EARLIER, concept_closes_at=LATER, closes_at=NOW
    ),
    "projects_track_unique_code": lambda w: TrackFactory(call=w.call, code=w.track.code),
    "projects_track_floor_le_ceiling": lambda w: _set(
        w.track, budget_floor=w.track.budget_ceiling + 1
    ),
    "projects_track_ceiling_le_total": lambda w: _set(
        w.track, budget_ceiling=w.track.total_budget + 1
    ),
    "projects_track_min_reviewers_positive": lambda w: _set(w.track, min_reviewers=0),
    "projects_track_overall_threshold_range": lambda w: _set(w.track, overall_threshold=101),
    "projects_track_price_weight_range": lambda w: _set(w.track, price_weight=2),
    "projects_documentrequirement_unique_kind": lambda w: [
        DocumentRequirement.objects.create(track=w.track, kind="site_map", name="Map")
        for _ in range(2)
    ],
    "projects_documentrequirement_max_size_positive": lambda w: DocumentRequirement.objects.create(
        track=w.track, kind="site_map", name="Map", max_size_mb=0
    ),
    "projects_project_ends_after_starts": lambda w: ProjectFactory(
        starts_on=datetime.date(2022, 8, 1), ends_on=datetime.date(2022, 7, 1)
    ),
    "projects_project_year_range": lambda w: ProjectFactory(year=2019),
    "projects_event_ends_after_starts": lambda w: Event.objects.create(
        kind="workshop",
        name="Backwards",
        starts_on=datetime.date(2022, 7, 2),
        ends_on=datetime.date(2022, 7, 1),
    ),
    "projects_eventparticipant_name_once_per_event": lambda w: [
        EventParticipant.objects.create(event=event, name=name)
        for event in [EventFactory()]
        for name in ("Dr. Ana Torres", "DR. ANA TORRES")
    ],
    # applications
    "applications_one_per_org_city_call": lambda w: SubmittedApplicationFactory(
        track=w.track, organization=w.org, city=w.application.city, country=w.application.country
    ),
    "applications_priority_rank_positive": lambda w: _set(w.application, country_priority_rank=0),
    "applications_site_area_positive": lambda w: _set(w.application, site_area_km2=0),
    "applications_submitted_has_time": lambda w: _set(w.application, submitted_at=None),
    "applications_one_lead_per_consortium": lambda w: [
        ConsortiumMemberFactory(application=w.application, name=f"Lead {n}", role="lead")
        for n in range(2)
    ],
    "applications_consortium_member_unique_name": lambda w: [
        ConsortiumMemberFactory(application=w.application, name="Same Co.") for _ in range(2)
    ],
    "applications_one_document_per_kind": lambda w: [
        DocumentFactory(application=w.application, kind="site_map") for _ in range(2)
    ],
    "applications_document_not_empty": lambda w: DocumentFactory(application=w.application, size=0),
    "applications_one_open_clarification": lambda w: [
        ClarificationRequest.objects.create(
            application=w.application, requested_by=w.other, message="Why?"
        )
        for _ in range(2)
    ],
    "applications_question_code_unique_per_track": lambda w: [
        QuestionFactory(track=w.track, code="population") for _ in range(2)
    ],
    "applications_question_code_unique_per_call": lambda w: [
        QuestionFactory(track=None, call=w.call, code="population") for _ in range(2)
    ],
    "applications_question_type_known": lambda w: QuestionFactory(track=w.track, type="essay"),
    "applications_one_answer_per_question": lambda w: [
        Answer.objects.create(application=w.application, question=question, value=1)
        for question in [QuestionFactory(track=w.track)]
        for _ in range(2)
    ],
    # reviews
    "reviews_criterion_unique_code": lambda w: CriterionFactory(track=w.track, code="feasibility"),
    "reviews_criterion_unique_tiebreak": lambda w: [
        CriterionFactory(track=w.track, code=f"c{n}", tiebreak_priority=1) for n in range(2)
    ],
    "reviews_criterion_max_points_range": lambda w: CriterionFactory(
        track=w.track, code="too-big", max_points=101
    ),
    "reviews_criterion_weight_positive": lambda w: CriterionFactory(
        track=w.track, code="weightless", weight=0
    ),
    "reviews_criterion_threshold_within_max": lambda w: CriterionFactory(
        track=w.track, code="unreachable", max_points=10, threshold=11
    ),
    "reviews_committee_unique": lambda w: [
        CommitteeMember.objects.create(track=w.track, reviewer=w.other) for _ in range(2)
    ],
    "reviews_one_pending_invitation": lambda w: [
        ReviewerInvitation.objects.create(
            track=w.track, email="x@y.org", invited_by=w.user, expires_at=LATER
        )
        for _ in range(2)
    ],
    "reviews_declaration_expires_after_signed": lambda w: InterestDeclaration.objects.create(
        reviewer=w.other, signed_at=NOW, expires_at=EARLIER
    ),
    "reviews_one_conflict_declaration": lambda w: [
        ConflictDeclaration.objects.create(
            reviewer=w.other, application=w.application, has_conflict=False, kind="none"
        )
        for _ in range(2)
    ],
    "reviews_conflict_kind_matches_flag": lambda w: ConflictDeclaration.objects.create(
        reviewer=w.other, application=w.application, has_conflict=True, kind="none"
    ),
    "reviews_one_assignment_per_pair": lambda w: AssignmentFactory(
        application=w.application, reviewer=w.other
    ),
    "reviews_submitted_assignment_has_total": lambda w: _set(
        w.assignment, status="submitted", submitted_at=NOW, total=None
    ),
    "reviews_assignment_total_range": lambda w: _set(w.assignment, total=100.5),
    "reviews_one_score_per_criterion": lambda w: [
        ScoreFactory(assignment=w.assignment, criterion=w.criterion) for _ in range(2)
    ],
    "reviews_score_within_max": lambda w: Score.objects.create(
        assignment=w.assignment, criterion=w.criterion, points=31
    ),
    "reviews_job_done_le_total": lambda w: Job.objects.create(
        track=w.track, kind="aggregate", done=3, total=2
    ),
    "reviews_job_one_active_per_track_kind": lambda w: [
        Job.objects.create(track=w.track, kind="aggregate", status=status)
        for status in ("running", "pending")
    ],
    "reviews_one_stat_per_reviewer": lambda w: [
        ReviewerTrackStat.objects.create(track=w.track, reviewer=w.other) for _ in range(2)
    ],
    "reviews_selected_decision_has_amount": lambda w: Decision.objects.create(
        application=w.application, track=w.track, outcome="selected", amount=0
    ),
    "reviews_decision_released_after_confirmed": lambda w: Decision.objects.create(
        application=w.application, track=w.track, outcome="rejected", released_at=NOW
    ),
    "reviews_unique_reserve_rank": lambda w: [
        Decision.objects.create(
            application=SubmittedApplicationFactory(track=w.track),
            track=w.track,
            outcome="reserve",
            reserve_rank=1,
        )
        for _ in range(2)
    ],
    "reviews_award_amount_positive": lambda w: Award.objects.create(
        application=w.application, amount=0
    ),
    # A deliverable's versions are numbered once each (awards.contractor_selection).
    "awards_deliverableversion_unique_number": lambda w: [
        DeliverableVersionFactory(deliverable=deliverable, number=1)
        for deliverable in [DeliverableFactory(project=w.project)]
        for _ in range(2)
    ],
}

CASES.update(
    {
        # reviews: what reviewers see
        "reviews_settings_other_scores_valid": lambda w: ReviewSettings.objects.create(
            track=w.track, other_scores="sometimes"
        ),
        "reviews_settings_scope_valid": lambda w: ReviewSettings.objects.create(
            track=w.track, scope="everyone"
        ),
        # applications: staff tags
        "applications_tag_one_scope": lambda w: Tag.objects.create(
            track=w.track, call=w.call, name="Both"
        ),
        "applications_tag_colour_in_palette": lambda w: Tag.objects.create(
            track=w.track, name="Pink", colour="pink"
        ),
        "applications_tag_unique_track_name": lambda w: [
            Tag.objects.create(track=w.track, name="Twice") for _ in range(2)
        ],
        "applications_tag_unique_call_name": lambda w: [
            Tag.objects.create(call=w.call, name="Twice") for _ in range(2)
        ],
        "applications_tag_once_per_application": lambda w: [
            ApplicationTag.objects.create(
                application=w.application, tag=Tag.objects.get_or_create(track=w.track, name="T")[0]
            )
            for _ in range(2)
        ],
        # applications: notices to a track's applicants
        "applications_notice_audience_known": lambda w: ApplicantNotice.objects.create(
            track=w.track, audience="everyone", subject="S", body="B"
        ),
    }
)

# awards: agreements, their budget and schedule, payment requests, amendments (awards.funding)
CASES.update(
    {
        "awards_agreement_one_per_kind": lambda w: [
            AgreementFactory(project=w.project, kind="grant_agreement") for _ in range(2)
        ],
        "awards_agreement_ends_after_starts": lambda w: AgreementFactory(
            starts_on=datetime.date(2026, 2, 1), ends_on=datetime.date(2026, 1, 31)
        ),
        "awards_agreement_signed_has_date": lambda w: AgreementFactory(
            status="signed", signed_on=None
        ),
        "awards_budgetline_one_per_category": lambda w: [
            BudgetLineFactory(agreement=agreement, category="travel")
            for agreement in [AgreementFactory()]
            for _ in range(2)
        ],
        "awards_tranche_unique_number": lambda w: [
            TrancheFactory(agreement=agreement, number=1)
            for agreement in [AgreementFactory()]
            for _ in range(2)
        ],
        "awards_tranche_share_range": lambda w: TrancheFactory(share_percent=101),
        "awards_tranche_amount_positive": lambda w: TrancheFactory(amount_krw=0),
        "awards_paymentrequest_one_live_per_tranche": lambda w: [
            PaymentRequestFactory(tranche=tranche, status=status)
            for tranche in [TrancheFactory()]
            for status in ("returned", "requested")
        ],
        "awards_paymentrequest_amount_positive": lambda w: PaymentRequestFactory(amount_krw=0),
        "awards_paymentrequest_paid_has_date_and_reference": lambda w: PaymentRequestFactory(
            status="paid", paid_on=NOW.date(), payment_reference=""
        ),
        "awards_paymentrequestline_one_per_category": lambda w: [
            request.lines.create(category="travel", amount_krw=1)
            for request in [PaymentRequestFactory()]
            for _ in range(2)
        ],
        "awards_amendment_unique_version": lambda w: [
            Amendment.objects.create(
                agreement=agreement, kind="scope", reason="r", requested_by=w.user, version=2
            )
            for agreement in [AgreementFactory()]
            for _ in range(2)
        ],
    }
)

# Field-level uniqueness the database holds too (unique=True / OneToOne).
UNIQUE_FIELD_CASES = {
    "country code": lambda w: [
        Country.objects.create(code="ZZ", iso3=iso3, name=iso3, region="africa")
        for iso3 in ("ZZA", "ZZB")
    ],
    "call slug": lambda w: CallFactory(slug=w.call.slug),
    "project code": lambda w: ProjectFactory(code=w.project.code),
    "application reference": lambda w: SubmittedApplicationFactory(
        track=w.track, reference=w.application.reference
    ),
    "one reference numbering per prefix": lambda w: [
        ReferenceSequence.objects.create(prefix="2026-PL-") for _ in range(2)
    ],
    "agreement reference": lambda w: [AgreementFactory(reference="KCN-GA-X") for _ in range(2)],
    "one visibility row per track": lambda w: [
        ReviewSettings.objects.create(track=w.track) for _ in range(2)
    ],
    "one award per application": lambda w: [
        Award.objects.create(application=w.application, amount=1) for _ in range(2)
    ],
    "one project per award": lambda w: [
        Award.objects.create(
            application=SubmittedApplicationFactory(track=w.track), project=w.project, amount=1
        )
        for _ in range(2)
    ],
    "notice form key": lambda w: [
        ApplicantNotice.objects.create(
            track=w.track, audience="all", subject="S", body="B", key=NOTICE_KEY
        )
        for _ in range(2)
    ],
    "message dedupe key": lambda w: [
        Message.objects.create(
            recipient=w.user, to_email="a@b.org", channel="email", template="t", dedupe_key="k"
        )
        for _ in range(2)
    ],
    "message id": lambda w: [
        Message.objects.create(
            recipient=w.user, to_email="a@b.org", channel="email", template="t", message_id="<m@x>"
        )
        for _ in range(2)
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_constraint_rejects_bad_data_at_the_database(w, name):
    with pytest.raises(IntegrityError), transaction.atomic():
        CASES[name](w)


@pytest.mark.parametrize("name", sorted(UNIQUE_FIELD_CASES))
def test_unique_field_rejects_duplicate_at_the_database(w, name):
    with pytest.raises(IntegrityError), transaction.atomic():
        UNIQUE_FIELD_CASES[name](w)


def test_constraint_cases_cover_every_declared_constraint():
    declared = {
        constraint.name
        for model in apps.get_models()
        if model._meta.app_label in PORTAL_APPS
        for constraint in model._meta.constraints
    }
    assert declared == set(CASES)


def test_constraint_valid_rows_are_accepted(w):
    """The world itself is valid: the failures above come from the broken value alone."""
    with transaction.atomic():
        _set(w.track, budget_floor=w.track.budget_ceiling)
        Score.objects.create(assignment=w.assignment, criterion=w.criterion, points=30)
        Decision.objects.create(
            application=w.application, track=w.track, outcome="selected", amount=1
        )
        Track.objects.get(pk=w.track.pk)
    assert Score.objects.filter(points=30).count() == 1
    assert Application.objects.filter(pk=w.application.pk).exists()
    assert Call.objects.filter(pk=w.call.pk).exists()


def test_selected_decision_without_amount_rejected_at_the_database(w):
    # SQL treats NULL > 0 as unknown, which a CHECK lets through; the constraint says NOT NULL.
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            application=w.application, track=w.track, outcome="selected", amount=None
        )
