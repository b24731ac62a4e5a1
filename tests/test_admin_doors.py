"""The back office has no door of its own: every write goes through a service, or is refused.

``test_admin_walk_every_field`` walks every model the portal registers in the admin, as a
programme admin (not a superuser) and as KIND secretariat staff. For each representative row
(a submitted application and a draft, a locked criterion and an unlocked one, a submitted
review and one being written, …) it opens the change page, checks that the editable fields are
exactly those a service lets that user change, then POSTs a changed value for every field of
the model, editable or not. A field the form does not have, or a page the user may only view,
changes nothing; a field the form has changes only that field, through its service, which
leaves an audit row by the user. The other tests are the attacks of the issue, one by one.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.audit import audit_events_for, record_audit_event
from accounts.models import (
    AnonymisedRecord,
    ApiToken,
    AuditEvent,
    ErasureRequest,
    Membership,
    Organization,
    OrganizationInvitation,
    ReviewerProfile,
    User,
)
from accounts.services import ORGANIZATION_RECORD_FIELDS
from applications.models import (
    Answer,
    ApplicantNotice,
    Application,
    ApplicationTag,
    ClarificationRequest,
    ConsortiumMember,
    Document,
    Question,
    ReferenceSequence,
    Tag,
)
from awards.models import Agreement, Amendment, Award, Deliverable, PaymentRequest
from notifications.models import Message, MessageTemplate
from projects.models import Call, City, Country, DocumentRequirement, Event, Project, Track
from results.models import ApplicationResult, Decision, ReviewerTrackStat
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    InterestDeclaration,
    Job,
    ReviewerInvitation,
    ReviewSettings,
    Score,
)
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CityFactory,
    ConflictDeclarationFactory,
    ConsortiumMemberFactory,
    CountryFactory,
    CriterionFactory,
    DeliverableFactory,
    DocumentFactory,
    OrganizationFactory,
    ProjectFactory,
    ReviewerProfileFactory,
    SubmittedApplicationFactory,
    TrackFactory,
    UserFactory,
)
from tests.factories.funding import AgreementFactory, PaymentRequestFactory, TrancheFactory
from tests.test_admin import ADMIN_MODELS

pytestmark = pytest.mark.django_db

ADMIN, STAFF = "programme_admin", "kind_staff"
# Page outcomes other than a form: 403 (no permission on the model), or the admin's "does not
# exist" redirect (a row the pages hide from this user: a draft, another track's row).
FORBIDDEN, HIDDEN = "forbidden", "hidden"
NOTHING: frozenset[str] = frozenset()

REFERENCE = {
    Country: frozenset({"code", "iso3", "name", "name_ko", "region"}),
    City: frozenset({"country", "name", "name_ko", "latitude", "longitude", "population"}),
    # An event's projects too (projects.services.update_event); its participants and materials
    # are read-only inlines, added on the staff events page.
    Event: frozenset(
        {
            "kind",
            "name",
            "name_ko",
            "partners",
            "city",
            "starts_on",
            "ends_on",
            "description",
            "projects",
        }
    ),
}
CALL_FIELDS = frozenset(
    {
        "year",
        "slug",
        "kind",
        "name",
        "name_ko",
        "description",
        "description_ko",
        "eligibility",
        "eligibility_ko",
        "opens_at",
        "closes_at",
        "two_stage",
        "concept_closes_at",
        "project",
        "reported_applications",
        "reported_applicant_countries",
    }
)
TRACK_DESCRIPTION = frozenset({"name", "name_ko", "description", "description_ko", "order"})
TRACK_TERMS = frozenset(
    {
        "code",
        "kind",
        "secretariat",
        "applicant_kind",
        "budget_floor",
        "budget_ceiling",
        "total_budget",
        "target_awards",
        "official_aggregate",
        "price_weight",
    }
)
PROJECT_DESCRIPTION = frozenset(
    {"name", "name_ko", "summary", "summary_ko", "starts_on", "ends_on"}
)
PROJECT_RECORD = frozenset(
    {"code", "year", "track_kind", "country", "city", "budget_krw", "partner", "contractor"}
)
CRITERION_FIELDS = frozenset(Criterion.EDITABLE_FIELDS)
REQUIREMENT_FIELDS = frozenset(
    {"kind", "name", "name_ko", "formats", "max_size_mb", "is_required", "stage"}
)
# What each user may change on each representative row, and nothing more.
EXPECTED: dict[tuple[type, str], dict[str, object]] = {
    (User, "applicant"): {ADMIN: frozenset({"is_active"}), STAFF: FORBIDDEN},
    (User, "superuser"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (Organization, "applicant"): {ADMIN: frozenset(ORGANIZATION_RECORD_FIELDS), STAFF: NOTHING},
    (Membership, "applicant"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (OrganizationInvitation, "open"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (ReviewerProfile, "reviewer"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (AuditEvent, "event"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (ApiToken, "token"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    # Decided only through its two actions (accounts.privacy), never its form.
    (ErasureRequest, "pending"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (AnonymisedRecord, "record"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (Message, "message"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    # Versions are written by the staff editor (checked texts, audited), never the back office.
    (MessageTemplate, "version"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (Country, "malaysia"): {ADMIN: REFERENCE[Country], STAFF: NOTHING},
    (City, "klang"): {ADMIN: REFERENCE[City], STAFF: NOTHING},
    # Secretariat staff record and correct events too (projects.manage_events); only a
    # programme admin deletes one (projects.services.delete_event) or links its projects here
    # (staff link theirs on the staff event page, which hides others' non-public projects).
    (Event, "workshop"): {ADMIN: REFERENCE[Event], STAFF: REFERENCE[Event] - {"projects"}},
    (Call, "open"): {
        ADMIN: CALL_FIELDS - {"year", "kind", "project", "two_stage"},
        STAFF: NOTHING,
    },
    (Call, "draft"): {ADMIN: CALL_FIELDS, STAFF: NOTHING},
    (Track, "open"): {ADMIN: TRACK_DESCRIPTION, STAFF: NOTHING},
    (Track, "draft"): {ADMIN: TRACK_DESCRIPTION | TRACK_TERMS, STAFF: NOTHING},
    # Secretariat staff configure their tracks' documents on /staff/calls/ (no model permission).
    (DocumentRequirement, "draft"): {ADMIN: REQUIREMENT_FIELDS, STAFF: FORBIDDEN},
    (Project, "portal"): {ADMIN: PROJECT_DESCRIPTION, STAFF: PROJECT_DESCRIPTION},
    (Project, "historical"): {ADMIN: PROJECT_DESCRIPTION | PROJECT_RECORD, STAFF: HIDDEN},
    (Application, "submitted"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Application, "draft"): {ADMIN: HIDDEN, STAFF: HIDDEN},
    (Application, "other track"): {ADMIN: NOTHING, STAFF: HIDDEN},
    (ConsortiumMember, "submitted"): {ADMIN: NOTHING, STAFF: NOTHING},
    (ConsortiumMember, "draft"): {ADMIN: HIDDEN, STAFF: HIDDEN},
    (Document, "submitted"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Document, "draft"): {ADMIN: HIDDEN, STAFF: HIDDEN},
    (ClarificationRequest, "answered"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Criterion, "locked"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Criterion, "unlocked"): {ADMIN: CRITERION_FIELDS, STAFF: CRITERION_FIELDS},
    (CommitteeMember, "member"): {ADMIN: NOTHING, STAFF: NOTHING},
    (ReviewerInvitation, "pending"): {ADMIN: NOTHING, STAFF: NOTHING},
    (InterestDeclaration, "signed"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (ConflictDeclaration, "none"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Assignment, "submitted"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Assignment, "being written"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Score, "submitted"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Score, "being written"): {ADMIN: HIDDEN, STAFF: HIDDEN},
    (Job, "aggregation"): {ADMIN: NOTHING, STAFF: NOTHING},
    (ApplicationResult, "result"): {ADMIN: NOTHING, STAFF: NOTHING},
    (ReviewerTrackStat, "stat"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Decision, "selected"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Award, "award"): {ADMIN: NOTHING, STAFF: NOTHING},
    (Deliverable, "inception"): {ADMIN: NOTHING, STAFF: NOTHING},
    # What reviewers see: changed through update_reviewer_visibility (audited); secretariat
    # staff use their staff page (staff_reviews:visibility), not the back office.
    (ReviewSettings, "anonymised"): {
        ADMIN: frozenset(ReviewSettings.EDITABLE_FIELDS),
        STAFF: FORBIDDEN,
    },
    # Tags are added and put on applications from the staff pages (audited services).
    (Tag, "track"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (ApplicationTag, "link"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    # Questions are designed on the track's questions page and answered on the form (services).
    (Question, "answered"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (Answer, "submitted"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    # Agreements, payment requests and amendments are written by awards.funding's services on
    # the staff and party pages (audited, mailed); the back office reads them, and secretariat
    # staff have their staff pages, not the back office, for them.
    (Agreement, "signed"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (PaymentRequest, "requested"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    (Amendment, "requested"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    # Started only by a submission (applications.services._next_reference).
    (ReferenceSequence, "numbering"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
    # Sent from the track's notices page (applications.services.send_applicant_notice).
    (ApplicantNotice, "sent"): {ADMIN: NOTHING, STAFF: FORBIDDEN},
}
# Rows a model admin may add, by role (the add page opens; for everything else it is a 403).
ADDABLE = {
    ADMIN: {Country, City, Event, Call, Track, DocumentRequirement, Criterion, Award},
    STAFF: {Event},
}
# Models whose admin never offers a change form, whoever asks.
WRITTEN_ONLY_BY_SERVICES = {Score, Job, ApplicationResult, ReviewerTrackStat, Decision, AuditEvent}
# Fields whose value changes on its own when a row is saved.
AUTOMATIC = {"updated_at"}


@pytest.fixture
def superuser(role_groups):
    return UserFactory(email="root@kcity.example", is_staff=True, is_superuser=True)


@pytest.fixture
def world(
    programme_admin, kind_staff, kaia_staff, applicant, kind, planning_track, demonstration_track
):
    """One row of every portal model, in the states the issue is about, on the KIND planning
    track of an open call (and a draft call whose terms are still open). Whole seconds, so a
    time sent back by a form is the time stored."""
    now = timezone.now().replace(microsecond=0)
    malaysia = CountryFactory()
    vietnam = CountryFactory(code="VN", iso3="VNM", name="Viet Nam", region="southeast_asia")
    klang = CityFactory(country=malaysia, name="Klang")
    CityFactory(country=vietnam, name="Da Nang")
    org = applicant.organizations.get()
    company = OrganizationFactory(
        name="Hanul Urban Planning", kind="korean_company", country_code="KR"
    )
    reviewer = UserFactory(email="reviewer@univ.example", roles=[roles.REVIEWER])
    second_reviewer = UserFactory(email="second@univ.example", roles=[roles.REVIEWER])
    superuser = UserFactory(email="root@kcity.example", is_staff=True, is_superuser=True)
    Call.objects.filter(pk=planning_track.call_id).update(
        opens_at=now - datetime.timedelta(days=30), closes_at=now + datetime.timedelta(days=30)
    )

    submitted = SubmittedApplicationFactory(
        track=planning_track,
        organization=org,
        created_by=applicant,
        country=malaysia,
        city=klang,
        status=Application.Status.UNDER_REVIEW,
        reference="2026-PL-001",
        title="Klang master plan",
        submitted_at=now,
    )
    member = ConsortiumMemberFactory(application=submitted, name="Visible member")
    document = DocumentFactory(application=submitted, original_name="visible.pdf")
    clarification = ClarificationRequest.objects.create(
        application=submitted,
        requested_by=kind_staff,
        message="Please add the site map.",
        status=ClarificationRequest.Status.ANSWERED,
        response="Added.",
        created_at=now,
        answered_at=now,
    )
    draft = ApplicationFactory(
        track=planning_track, organization=org, created_by=applicant, title="Secret draft"
    )
    draft_member = ConsortiumMemberFactory(application=draft, name="Draft member")
    draft_document = DocumentFactory(application=draft, original_name="draft.pdf")
    other_track = SubmittedApplicationFactory(track=demonstration_track, submitted_at=now)

    Track.objects.filter(pk=planning_track.pk).update(criteria_locked_at=now)
    locked = CriterionFactory(track=planning_track, code="feasibility", max_points=100)
    draft_call = CallFactory(
        status=Call.Status.DRAFT,
        slug="draft-call",
        opens_at=now + datetime.timedelta(days=30),
        closes_at=now + datetime.timedelta(days=60),
    )
    draft_track = TrackFactory(call=draft_call, secretariat=kind, code="DR")
    unlocked = CriterionFactory(track=draft_track, code="impact", max_points=20)
    requirement = DocumentRequirement.objects.create(
        track=draft_track, kind="site_map", name="Site map", name_ko="대상지 지도"
    )

    seat = CommitteeMember.objects.create(track=planning_track, reviewer=reviewer, joined_at=now)
    invitation = ReviewerInvitation.objects.create(
        track=planning_track,
        email="new@expert.example",
        invited_by=kind_staff,
        created_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
    interests = InterestDeclaration.objects.create(
        reviewer=reviewer, signed_at=now, expires_at=now + datetime.timedelta(days=365)
    )
    declaration = ConflictDeclarationFactory(
        reviewer=reviewer, application=submitted, declared_at=now
    )
    submitted_review = Assignment.objects.create(
        application=submitted,
        reviewer=reviewer,
        status=Assignment.Status.SUBMITTED,
        total=80,
        submitted_at=now,
        assigned_at=now,
        recommendation=Assignment.Recommendation.FUND,
        confidence=Assignment.Confidence.HIGH,
        overall_comment="A strong plan with a committed city.",
    )
    submitted_score = Score.objects.create(
        assignment=submitted_review,
        criterion=locked,
        points=80,
        justification="The site is ready and the city has budget lines.",
    )
    draft_review = Assignment.objects.create(
        application=submitted,
        reviewer=second_reviewer,
        status=Assignment.Status.IN_PROGRESS,
        assigned_at=now,
        recommendation=Assignment.Recommendation.REJECT,
        confidence=Assignment.Confidence.LOW,
        overall_comment="DRAFT COMMENT not for anyone else",
    )
    draft_score = Score.objects.create(
        assignment=draft_review, criterion=locked, points=12, justification="DRAFT JUSTIFICATION"
    )
    job = Job.objects.create(track=planning_track, kind=Job.Kind.AGGREGATE, created_at=now)
    result = ApplicationResult.objects.create(application=submitted, track=planning_track)
    stat = ReviewerTrackStat.objects.create(track=planning_track, reviewer=reviewer)

    awarded = SubmittedApplicationFactory(
        track=planning_track, organization=org, status=Application.Status.AWARDED, submitted_at=now
    )
    decision = Decision.objects.create(
        application=awarded,
        track=planning_track,
        outcome=Decision.Outcome.SELECTED,
        amount=400_000_000,
        confirmed_at=now,
        released_at=now,
        created_at=now,
    )
    portal_project = ProjectFactory(
        code="2026-PL-002", country=malaysia, city=klang, starts_on=now.date()
    )
    award = Award.objects.create(
        application=awarded, project=portal_project, amount=400_000_000, created_at=now
    )
    deliverable = DeliverableFactory(project=portal_project)
    historical = ProjectFactory(
        code="H-2020-01", source=Project.Source.HISTORICAL, year=2020, country=malaysia
    )
    event = Event.objects.create(
        kind=Event.Kind.WORKSHOP,
        name="Klang workshop",
        city=klang,
        starts_on=datetime.date(2026, 5, 1),
        ends_on=datetime.date(2026, 5, 3),
    )
    message = Message.objects.create(
        recipient=applicant,
        to_email=applicant.email,
        channel="email",
        template="applications/submitted",
        created_at=now,
    )
    message_template = MessageTemplate.objects.create(
        name="applications/submitted",
        version=1,
        subject_en="Received: {{ reference }}",
        body_en="Thank you.",
        subject_ko="접수: {{ reference }}",
        body_ko="감사합니다.",
        is_active=True,
        created_by=programme_admin,
    )
    token = ApiToken.objects.create(
        user=applicant, name="CI", prefix="kcab", key_hash="hash-ab", created_at=now
    )
    org_invitation = OrganizationInvitation.objects.create(
        organization=org,
        email="colleague@klang.gov.my",
        invited_by=applicant,
        created_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
    profile = ReviewerProfileFactory(user=reviewer)
    erasure = ErasureRequest.objects.create(user=applicant, reason="I left the city.")
    anonymised = AnonymisedRecord.objects.create(
        kind="applications.contact", object_id=submitted.pk, reason="retention"
    )
    audit = record_audit_event(subject=submitted, action="note", actor=programme_admin)
    visibility = ReviewSettings.objects.create(
        track=planning_track, anonymised=True, updated_by=programme_admin
    )
    tag = Tag.objects.create(track=planning_track, name="Site visit", created_by=kind_staff)
    Tag.objects.create(call=planning_track.call, name="Shortlist", created_by=programme_admin)
    tag_link = ApplicationTag.objects.create(application=submitted, tag=tag, added_by=kind_staff)
    question = Question.objects.create(
        call=planning_track.call, track=planning_track, code="population", type="number", label="P"
    )
    answer = Answer.objects.create(
        application=submitted, question=question, value=1200, question_snapshot={"label": "P"}
    )
    numbering = ReferenceSequence.objects.create(prefix="2026-PL-", started_after=1)
    notice = ApplicantNotice.objects.create(
        track=planning_track, audience="all", subject="Session", body="On 3 March", recipients=2
    )
    Question.objects.create(  # another to point the answer at
        call=planning_track.call, track=planning_track, code="vision", type="short_text", label="V"
    )
    agreement = AgreementFactory(
        project=portal_project, party=org, reference="KCN-GA-2026-PL-002", signed=True
    )
    AgreementFactory(
        project=portal_project, kind="service_contract", party=company, reference="KCN-SC-X"
    )
    first_tranche = TrancheFactory(agreement=agreement, number=1)
    TrancheFactory(agreement=agreement, number=2)
    payment = PaymentRequestFactory(tranche=first_tranche, requested_by=applicant)
    amendment = Amendment.objects.create(
        agreement=agreement,
        kind="scope",
        changes={"scope": "More sensors"},
        reason="The city asked.",
        requested_by=applicant,
        requested_at=now,
    )
    return {
        "rows": {
            (User, "applicant"): applicant,
            (User, "superuser"): superuser,
            (Organization, "applicant"): org,
            (Membership, "applicant"): applicant.memberships.get(),
            (OrganizationInvitation, "open"): org_invitation,
            (ReviewerProfile, "reviewer"): profile,
            (AuditEvent, "event"): audit,
            (ApiToken, "token"): token,
            (ErasureRequest, "pending"): erasure,
            (AnonymisedRecord, "record"): anonymised,
            (Message, "message"): message,
            (MessageTemplate, "version"): message_template,
            (Country, "malaysia"): malaysia,
            (City, "klang"): klang,
            (Event, "workshop"): event,
            (Call, "open"): planning_track.call,
            (Call, "draft"): draft_call,
            (Track, "open"): planning_track,
            (Track, "draft"): draft_track,
            (DocumentRequirement, "draft"): requirement,
            (Project, "portal"): portal_project,
            (Project, "historical"): historical,
            (Application, "submitted"): submitted,
            (Application, "draft"): draft,
            (Application, "other track"): other_track,
            (ConsortiumMember, "submitted"): member,
            (ConsortiumMember, "draft"): draft_member,
            (Document, "submitted"): document,
            (Document, "draft"): draft_document,
            (ClarificationRequest, "answered"): clarification,
            (Criterion, "locked"): locked,
            (Criterion, "unlocked"): unlocked,
            (CommitteeMember, "member"): seat,
            (ReviewerInvitation, "pending"): invitation,
            (InterestDeclaration, "signed"): interests,
            (ConflictDeclaration, "none"): declaration,
            (Assignment, "submitted"): submitted_review,
            (Assignment, "being written"): draft_review,
            (Score, "submitted"): submitted_score,
            (Score, "being written"): draft_score,
            (Job, "aggregation"): job,
            (ApplicationResult, "result"): result,
            (ReviewerTrackStat, "stat"): stat,
            (Decision, "selected"): decision,
            (Award, "award"): award,
            (Deliverable, "inception"): deliverable,
            (ReviewSettings, "anonymised"): visibility,
            (Tag, "track"): tag,
            (ApplicationTag, "link"): tag_link,
            (Question, "answered"): question,
            (Answer, "submitted"): answer,
            (Agreement, "signed"): agreement,
            (PaymentRequest, "requested"): payment,
            (Amendment, "requested"): amendment,
            (ReferenceSequence, "numbering"): numbering,
            (ApplicantNotice, "sent"): notice,
        },
        "users": {ADMIN: programme_admin, STAFF: kind_staff},
        "company": company,
        "superuser": superuser,
        "reviewer": reviewer,
        "now": now,
    }


# --- Reading and writing an admin form the way a browser does --------------------------------


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _inner(widget):
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    return widget


def _encode(name: str, widget, value) -> dict:
    """What a browser sends for ``value`` (already prepared by the form field) in ``widget``."""
    widget = _inner(widget)
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        encoded = {}
        for index, (sub, part) in enumerate(zip(widget.widgets, parts, strict=True)):
            encoded.update(_encode(f"{name}_{index}", sub, part))
        return encoded
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on" if value else UNTICKED}
    if isinstance(widget, forms.SelectMultiple):
        return {name: [str(v) for v in value or []]}
    if value is None:
        return {name: ""}
    formatted = widget.format_value(value)
    if isinstance(formatted, list):
        formatted = formatted[0] if formatted else ""
    return {name: "" if formatted is None else str(formatted)}


# A box left unticked: the browser sends nothing for it.
UNTICKED = object()


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if not field.disabled:
            data.update(_encode(form.add_prefix(name), field.widget, form[name].value()))
    return data


def _post_data(page) -> dict:
    """Everything the change page's form and inlines would send unchanged."""
    data = {"_save": "Save", **_form_data(page.context["adminform"].form)}
    for inline in page.context["inline_admin_formsets"]:
        data.update(_form_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(_form_data(form))
    return {name: value for name, value in data.items() if value is not UNTICKED}


def _editable(page) -> frozenset[str]:
    form = page.context["adminform"].form
    return frozenset(name for name, field in form.fields.items() if not field.disabled)


# --- A changed value for every kind of field -----------------------------------------------

SPECIAL = {
    (Country, "code"): "QZ",
    (Country, "iso3"): "QZZ",
    (Organization, "country_code"): "FR",
    (Organization, "email_domain"): "changed.example.org",
    (Call, "kind"): Call.Kind.ROLLING,
    (Track, "price_weight"): Decimal("0.25"),
    (Track, "required_documents"): ["concept_paper"],
    (DocumentRequirement, "kind"): "budget_sheet",
    (DocumentRequirement, "formats"): ["pdf"],
    (Criterion, "code"): "changed-code",
    # Inside the call's own dates (a two-stage call's concept notes close between them).
    (Call, "concept_closes_at"): lambda call: call.opens_at + (call.closes_at - call.opens_at) / 2,
}


def _other(field, current):
    model = field.related_model
    rows = model._default_manager.complex_filter(field.get_limit_choices_to() or {})
    other = rows.exclude(pk=getattr(current, "pk", None)).order_by("pk").first()
    assert other is not None, f"no other {model._meta.label} for {field}"
    return other


def _changed(obj, field):
    """A valid value of ``field`` different from ``obj``'s (a model instance for a relation,
    a list of them for many-to-many)."""
    special = SPECIAL.get((type(obj), field.name))
    if callable(special):
        special = special(obj)
    if special is not None and special != getattr(obj, field.name):
        return special
    if field.many_to_many:
        current = list(getattr(obj, field.name).all())
        extra = field.related_model._default_manager.exclude(pk__in=[c.pk for c in current])
        return [*current, extra.order_by("pk").first()]
    current = getattr(obj, field.name)
    if field.is_relation:
        return _other(field, current)
    if field.choices:
        return next(value for value, _label in field.flatchoices if value not in (current, ""))
    if isinstance(field, models.BooleanField):
        return not current
    # A start moves earlier and an end later, so that each stays on its side of the other.
    step = datetime.timedelta(days=-1 if field.name in ("starts_on", "opens_at") else 1)
    if isinstance(field, models.DateTimeField):
        return (current or timezone.now().replace(microsecond=0)) + step
    if isinstance(field, models.DateField):
        return (current or timezone.localdate()) + step
    if isinstance(field, models.JSONField):
        return ["changed"] if current != ["changed"] else ["again"]
    if isinstance(field, models.DecimalField | models.IntegerField):
        return (current or 0) + 1
    if isinstance(field, models.EmailField):
        return "changed@example.org"
    if isinstance(field, models.URLField):
        return "https://changed.example.org"
    if isinstance(field, models.SlugField):
        return f"{current}-changed"
    value = f"{current or ''} changed".strip()
    return value[: field.max_length] if field.max_length else value


def _fields(model) -> list:
    """Every field a form could carry: concrete or many-to-many, not Django's own."""
    return [
        f
        for f in model._meta.get_fields()
        if (f.concrete or f.many_to_many) and not f.auto_created and f.name != "id"
    ]


def _snapshot(obj) -> dict:
    row = type(obj)._default_manager.get(pk=obj.pk)
    values = {f.name: getattr(row, f.attname) for f in type(obj)._meta.concrete_fields}
    for f in type(obj)._meta.many_to_many:
        values[f.name] = sorted(getattr(row, f.name).values_list("pk", flat=True))
    return values


def _stored(value):
    """``value`` as ``_snapshot`` holds it."""
    if isinstance(value, list) and value and hasattr(value[0], "pk"):
        return sorted(v.pk for v in value)
    return value.pk if hasattr(value, "pk") else value


def _encode_new(page, field, value) -> dict:
    form = page.context["adminform"].form if page is not None else None
    if form is not None and field.name in form.fields:
        form_field = form.fields[field.name]
        return _encode(field.name, form_field.widget, form_field.prepare_value(value))
    # A field the form does not have: sent anyway, as a tampered request would.
    if isinstance(value, list):
        return {field.name: [str(v.pk) if hasattr(v, "pk") else json.dumps(v) for v in value]}
    return {field.name: str(value.pk if hasattr(value, "pk") else value)}


def _refusal_status(user, model, expected) -> int:
    """The status of a POST that must change nothing: 302 when the form is saved without the
    field (it has other fields) or the row is hidden from a user who may change others (the
    admin's "does not exist" redirect); 403 when the user may not change this row or model."""
    may_change_model = model not in WRITTEN_ONLY_BY_SERVICES and user.has_perm(
        f"{model._meta.app_label}.change_{model._meta.model_name}"
    )
    if expected == HIDDEN:
        return 302 if may_change_model else 403
    return 302 if expected not in (FORBIDDEN, NOTHING) else 403


def _walk(client, user, model, obj, expected) -> list[str]:
    """Open ``obj``'s change page as ``user`` and try to change each field; returns the
    fields that changed (each through its service)."""
    client.force_login(user)
    url = _url(model, "change", obj.pk)
    page = client.get(url)
    if expected == FORBIDDEN:
        assert page.status_code == 403
    elif expected == HIDDEN:
        assert (page.status_code, page["Location"]) == (302, reverse("admin:index"))
        listed = client.get(_url(model, "changelist"))
        assert obj.pk not in {row.pk for row in listed.context["cl"].result_list}
    else:
        assert page.status_code == 200
        assert _editable(page) == expected, model._meta.label
    changed = []
    for field in _fields(model):
        if expected in (FORBIDDEN, HIDDEN) or not expected:
            page_data, form_page = {"_save": "Save"}, None
        else:
            form_page = client.get(url)
            page_data = _post_data(form_page)
        value = _changed(type(obj)._default_manager.get(pk=obj.pk), field)
        before = _snapshot(obj)
        last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        data = {**page_data, **_encode_new(form_page, field, value)}
        response = client.post(url, {k: v for k, v in data.items() if v is not UNTICKED})
        after = _snapshot(obj)
        differs = {name for name in after if after[name] != before[name]} - AUTOMATIC
        label = f"{model._meta.label}.{field.name} as {user.email}"
        if expected not in (FORBIDDEN, HIDDEN) and field.name in expected:
            assert response.status_code == 302, (
                label,
                response.context and response.context["errors"],
            )
            assert differs == {field.name}, label
            assert after[field.name] == _stored(value), label
            new_events = AuditEvent.objects.filter(pk__gt=last_event, actor=user)
            assert new_events.exists(), f"{label}: no audit row"
            changed.append(field.name)
        else:
            assert response.status_code == _refusal_status(user, model, expected), label
            assert differs == set(), label
    return changed


# --- The walk ------------------------------------------------------------------------------


def test_admin_walk_covers_every_registered_portal_model():
    walked = {model for model, _variant in EXPECTED}
    assert walked == set(ADMIN_MODELS)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_admin_walk_every_field(client, world, model):
    # Staff first: a programme admin's changes (a track moved to KAIA) would hide rows from them.
    for who in (STAFF, ADMIN):
        user = world["users"][who]
        for (row_model, variant), expectations in EXPECTED.items():
            if row_model is not model:
                continue
            obj = world["rows"][(row_model, variant)]
            expected = expectations[who]
            changed = _walk(client, user, model, obj, expected)
            if expected not in (FORBIDDEN, HIDDEN):
                assert set(changed) == set(expected), (model._meta.label, variant, who)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_admin_view_on_site_opens_a_page_the_user_may_see(client, world, model):
    """A change page's "View on site" leads the user to a page they can open, not to a page
    of another role (an application's own page is its applicant's: a 404 for staff)."""
    for who in (STAFF, ADMIN):
        client.force_login(world["users"][who])
        for (row_model, variant), expectations in EXPECTED.items():
            if row_model is not model or expectations[who] in (FORBIDDEN, HIDDEN):
                continue
            obj = world["rows"][(row_model, variant)]
            page = client.get(_url(model, "change", obj.pk))
            assert page.status_code == 200
            if not page.context["has_absolute_url"]:
                continue
            site_page = client.get(page.context["absolute_url"], follow=True)
            assert site_page.status_code == 200, (model._meta.label, variant, who)


def test_admin_shows_stored_files_through_their_doors_only(client, world, settings):
    """A stored file on a change page is linked to the view that checks the rules and serves
    it, never to the storage's URL (``MEDIA_URL`` is served by nothing; on a bucket it would
    be a link past the checks), and the link opens for the user who sees the page."""
    import re

    with_files = {
        model
        for model in ADMIN_MODELS
        if any(isinstance(f, models.FileField) for f in model._meta.get_fields())
    }
    opened = []
    for who in (STAFF, ADMIN):
        client.force_login(world["users"][who])
        for (row_model, variant), expectations in EXPECTED.items():
            if row_model not in with_files or expectations[who] in (FORBIDDEN, HIDDEN):
                continue
            page = client.get(_url(row_model, "change", world["rows"][(row_model, variant)].pk))
            body = page.content.decode()
            assert settings.MEDIA_URL not in body, (row_model._meta.label, variant, who)
            for href in re.findall(r'<div class="readonly"><a href="([^"]+)"', body):
                if href.startswith("/admin/"):
                    continue  # a related row's admin page, not a file
                response = client.get(href)
                assert response.status_code == 200, (row_model._meta.label, variant, who, href)
                opened.append(href)
    assert (
        reverse(
            "applications:document_download",
            kwargs={"public_id": world["rows"][(Document, "submitted")].public_id},
        )
        in opened
    )


def test_admin_links_a_related_row_only_where_the_user_may_open_it(client, world):
    """A read-only related row on a change page (who uploaded a document, the organisation of
    an application, ...) links to its admin page only if the user may open that page: every
    such link opens, and staff see at least one related row as plain text."""
    import re

    from django.utils.html import escape

    opened, unlinked = 0, 0
    for who in (STAFF, ADMIN):
        client.force_login(world["users"][who])
        for (row_model, variant), expectations in EXPECTED.items():
            if expectations[who] in (FORBIDDEN, HIDDEN):
                continue
            page = client.get(_url(row_model, "change", world["rows"][(row_model, variant)].pk))
            body = page.content.decode()
            # The row's own fields, and its read-only inlines' cells.
            hrefs = re.findall(r'<div class="readonly"><a href="(/admin/[^"]+)"', body)
            hrefs += re.findall(r'<p><a href="(/admin/[^"]+/change/)"', body)
            for href in hrefs:
                response = client.get(href)
                assert response.status_code == 200, (row_model._meta.label, variant, who, href)
                opened += 1
            if who == STAFF and row_model is Document:
                uploader = world["rows"][(row_model, variant)].uploaded_by
                assert f'<div class="readonly">{escape(uploader)}</div>' in body
                unlinked += 1
    assert opened and unlinked


# --- Adding and deleting ---------------------------------------------------------------------


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_admin_add_page_opens_only_where_a_service_adds(client, world, model):
    for who, user in world["users"].items():
        client.force_login(user)
        expected = 200 if model in ADDABLE[who] else 403
        assert client.get(_url(model, "add")).status_code == expected, who
        changelist = client.get(_url(model, "changelist"))
        if changelist.status_code == 200 and changelist.context["action_form"] is not None:
            offered = {
                name for name, _label in changelist.context["action_form"].fields["action"].choices
            }
            assert "delete_selected" not in offered


# (model, variant, role) → what a confirmed deletion does: "deleted" through the service (an
# audit row), "refused" by the service (an error message, the row stays); anything else: 403.
DELETIONS = {
    (Event, "workshop", ADMIN): "deleted",
    (DocumentRequirement, "draft", ADMIN): "deleted",
    (Criterion, "unlocked", ADMIN): "deleted",
    (Assignment, "being written", ADMIN): "deleted",
    (CommitteeMember, "member", ADMIN): "refused",  # the reviewer holds a submitted review
}


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_admin_delete_only_through_a_service(client, world, model):
    for who in (STAFF, ADMIN):
        user = world["users"][who]
        client.force_login(user)
        for (row_model, variant), expectations in EXPECTED.items():
            if row_model is not model:
                continue
            obj = world["rows"][(row_model, variant)]
            outcome = DELETIONS.get((model, variant, who))
            last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
            response = client.post(_url(model, "delete", obj.pk), {"post": "yes"})
            exists = model._default_manager.filter(pk=obj.pk).exists()
            label = (model._meta.label, variant, who)
            if outcome == "deleted":
                assert (response.status_code, exists) == (302, False), label
                assert AuditEvent.objects.filter(pk__gt=last_event or 0, actor=user).exists()
            elif outcome == "refused":
                assert (response.status_code, exists) == (302, True), label
                assert response["Location"] == _url(model, "change", obj.pk)
            elif expectations[who] == HIDDEN:
                assert (response.status_code, exists) in {(302, True), (403, True)}, label
            else:
                assert (response.status_code, exists) == (403, True), label


# --- The attacks, one by one -----------------------------------------------------------


def _post_change(client, user, obj, **values):
    """POST the change form of ``obj`` with ``values`` on top of what it shows (or only the
    values when the page has no form for the user)."""
    client.force_login(user)
    url = _url(type(obj), "change", obj.pk)
    page = client.get(url)
    data = _post_data(page) if page.status_code == 200 else {"_save": "Save"}
    for name, value in values.items():
        field = type(obj)._meta.get_field(name)
        data.update(_encode_new(page if page.status_code == 200 else None, field, value))
    return client.post(url, {k: v for k, v in data.items() if v is not UNTICKED})


@pytest.mark.parametrize("who", [ADMIN, STAFF])
def test_admin_submitted_review_cannot_be_rewritten_or_moved(client, world, who):
    review = world["rows"][(Assignment, "submitted")]
    before = _snapshot(review)
    response = _post_change(
        client,
        world["users"][who],
        review,
        recommendation=Assignment.Recommendation.REJECT,
        overall_comment="Rewritten by staff.",
        confidence=Assignment.Confidence.LOW,
        reviewer=world["superuser"],
        total=Decimal("10"),
    )
    assert response.status_code == 403
    assert _snapshot(review) == before
    assert not audit_events_for(review).exists()


@pytest.mark.parametrize("who", [ADMIN, STAFF])
def test_admin_submitted_application_cannot_be_changed_or_moved(
    client, world, who, demonstration_track
):
    application = world["rows"][(Application, "submitted")]
    before = _snapshot(application)
    response = _post_change(
        client,
        world["users"][who],
        application,
        title="Another project",
        budget_requested=999_000_000,
        track=demonstration_track,
        organization=world["company"],
    )
    assert response.status_code == 403
    assert _snapshot(application) == before


@pytest.mark.parametrize("who", [ADMIN, STAFF])
def test_admin_award_amount_and_application_cannot_be_changed(client, world, who):
    award = world["rows"][(Award, "award")]
    selected = world["rows"][(Application, "submitted")]
    response = _post_change(
        client, world["users"][who], award, amount=9_000_000_000, application=selected
    )
    assert response.status_code == 403
    award.refresh_from_db()
    assert (award.amount, award.application_id) == (
        400_000_000,
        world["rows"][(Decision, "selected")].application_id,
    )


def _selected_application(world):
    now = world["now"]
    track = world["rows"][(Track, "open")]
    application = SubmittedApplicationFactory(
        track=track, status=Application.Status.SELECTED, submitted_at=now
    )
    Decision.objects.create(
        application=application,
        track=track,
        outcome=Decision.Outcome.SELECTED,
        amount=450_000_000,
        confirmed_at=now,
        released_at=now,
    )
    return application


def _add(client, user, model, data):
    client.force_login(user)
    return client.post(_url(model, "add"), {"_save": "Save", **data})


def test_admin_award_above_the_ceiling_is_refused_on_the_form(client, world):
    application = _selected_application(world)
    response = _add(
        client,
        world["users"][ADMIN],
        Award,
        {"application": application.pk, "amount": "9000000000"},
    )
    assert response.status_code == 200
    assert "amount" in response.context["adminform"].form.errors
    assert "9,000,000,000" in str(response.context["adminform"].form.errors["amount"])
    assert not Award.objects.filter(application=application).exists()
    assert not audit_events_for(application).exists()


def test_admin_award_for_an_unselected_application_is_refused(client, world):
    unselected = world["rows"][(Application, "submitted")]
    response = _add(
        client, world["users"][ADMIN], Award, {"application": unselected.pk, "amount": "400000000"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Only a selected application whose decision has been released can be awarded."
    ]
    assert not Award.objects.filter(application=unselected).exists()


def test_admin_award_goes_through_award_funding(client, world):
    application = _selected_application(world)
    admin_user = world["users"][ADMIN]
    response = _add(
        client, admin_user, Award, {"application": application.pk, "amount": "450000000"}
    )
    assert response.status_code == 302
    award = Award.objects.get(application=application)
    application.refresh_from_db()
    assert (award.amount, award.created_by, award.project.budget_krw) == (
        450_000_000,
        admin_user,
        450_000_000,
    )
    assert application.status == Application.Status.AWARDED
    assert audit_events_for(award).get().action == "created"


def test_admin_locked_criterion_cannot_change_but_an_open_one_changes_through_the_service(
    client, world
):
    locked = world["rows"][(Criterion, "locked")]
    unlocked = world["rows"][(Criterion, "unlocked")]
    staff = world["users"][STAFF]
    response = _post_change(client, staff, locked, max_points=Decimal("50"))
    assert response.status_code == 403
    locked.refresh_from_db()
    assert locked.max_points == Decimal("100")
    response = _post_change(client, staff, unlocked, max_points=Decimal("25"))
    assert response.status_code == 302
    unlocked.refresh_from_db()
    assert unlocked.max_points == Decimal("25")
    event = audit_events_for(unlocked).get()
    assert (event.action, event.actor, event.detail["max_points"]) == ("changed", staff, "25")


def test_admin_criterion_form_sent_after_scoring_started_is_refused(client, world):
    """The form was opened before anyone scored; sent after, it changes nothing."""
    unlocked = world["rows"][(Criterion, "unlocked")]
    client.force_login(world["users"][STAFF])
    url = _url(Criterion, "change", unlocked.pk)
    data = _post_data(client.get(url))
    review = Assignment.objects.create(
        application=SubmittedApplicationFactory(track=unlocked.track, submitted_at=world["now"]),
        reviewer=world["reviewer"],
        status=Assignment.Status.IN_PROGRESS,
    )
    Score.objects.create(assignment=review, criterion=unlocked, points=5)
    assert client.post(url, {**data, "max_points": "30"}).status_code == 403
    unlocked.refresh_from_db()
    assert unlocked.max_points == Decimal("20")
    assert not audit_events_for(unlocked).exists()


def test_admin_criterion_refused_by_the_service_is_shown_on_the_form(client, world):
    unlocked = world["rows"][(Criterion, "unlocked")]
    CriterionFactory(track=unlocked.track, code="taken", max_points=10)
    response = _post_change(client, world["users"][STAFF], unlocked, code="taken")
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Criterion with this Track and Code already exists."
    ]
    unlocked.refresh_from_db()
    assert unlocked.code == "impact"
    assert not audit_events_for(unlocked).exists()


def test_admin_decision_is_read_only_for_everyone(client, world):
    decision = world["rows"][(Decision, "selected")]
    for who in (ADMIN, STAFF):
        response = _post_change(
            client, world["users"][who], decision, outcome=Decision.Outcome.REJECTED, amount=1
        )
        assert response.status_code == 403
    decision.refresh_from_db()
    assert (decision.outcome, decision.amount) == (Decision.Outcome.SELECTED, 400_000_000)


def test_admin_draft_review_content_is_shown_to_nobody_but_its_author(client, world):
    draft_review = world["rows"][(Assignment, "being written")]
    submitted_review = world["rows"][(Assignment, "submitted")]
    for who in (ADMIN, STAFF):
        client.force_login(world["users"][who])
        page = client.get(_url(Assignment, "change", draft_review.pk)).content.decode()
        assert "DRAFT COMMENT" not in page
        assert "DRAFT JUSTIFICATION" not in page
        submitted_page = client.get(_url(Assignment, "change", submitted_review.pk))
        assert "A strong plan with a committed city." in submitted_page.content.decode()
        listed = client.get(_url(Assignment, "changelist")).context["cl"].result_list
        shown = {row.pk: (row.visible_recommendation, row.visible_total) for row in listed}
        assert shown == {
            draft_review.pk: ("", None),
            submitted_review.pk: ("fund", Decimal("80.00")),
        }
        scores = client.get(_url(Score, "changelist")).context["cl"].result_list
        assert [score.pk for score in scores] == [world["rows"][(Score, "submitted")].pk]


def test_admin_drafts_and_their_files_are_listed_to_nobody(client, world):
    draft = world["rows"][(Application, "draft")]
    for who in (ADMIN, STAFF):
        client.force_login(world["users"][who])
        for model, path in (
            (Application, "pk"),
            (Document, "application_id"),
            (ConsortiumMember, "application_id"),
        ):
            rows = client.get(_url(model, "changelist")).context["cl"].result_list
            assert draft.pk not in {getattr(row, path) for row in rows}, (who, model)


# The audit actions of the back office's account services (log-ins are audited too).
ACCOUNT_ACTIONS = (
    "superuser",
    "staff",
    "role_granted",
    "role_revoked",
    "permission_granted",
    "permission_revoked",
    "active",
    "password_set",
    "password_disabled",
)


def test_admin_programme_admin_cannot_grant_themself_anything(client, world):
    admin_user = world["users"][ADMIN]
    response = _post_change(
        client,
        admin_user,
        admin_user,
        is_superuser=True,
        is_staff=True,
        groups=list(Group.objects.all()),
        user_permissions=list(Permission.objects.filter(codename="change_user")),
    )
    assert response.status_code == 302  # the form saves what it has: nothing here
    admin_user.refresh_from_db()
    assert admin_user.is_superuser is False
    assert set(admin_user.groups.values_list("name", flat=True)) == {roles.PROGRAMME_ADMIN}
    assert not admin_user.user_permissions.exists()
    assert not audit_events_for(admin_user).filter(action__in=ACCOUNT_ACTIONS).exists()
    applicant = world["rows"][(User, "applicant")]
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[applicant.pk])).status_code
        == 403
    )
    member = {"user": admin_user.pk, "organization": world["rows"][(Organization, "applicant")].pk}
    assert _add(client, admin_user, Membership, {**member, "role": "owner"}).status_code == 403
    assert not Membership.objects.filter(user=admin_user).exists()


def test_admin_programme_admin_deactivates_an_account_audited(client, world):
    admin_user = world["users"][ADMIN]
    applicant = world["rows"][(User, "applicant")]
    response = _post_change(client, admin_user, applicant, is_active=False)
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.is_active is False
    event = audit_events_for(applicant).filter(action__in=ACCOUNT_ACTIONS).get()
    assert (event.action, event.old_value, event.new_value, event.actor) == (
        "active",
        "True",
        "False",
        admin_user,
    )


def test_admin_programme_admin_cannot_deactivate_themself(client, world):
    admin_user = world["users"][ADMIN]
    response = _post_change(client, admin_user, admin_user, is_active=False)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["is_active"] == [
        "You cannot deactivate your own account."
    ]
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_admin_superuser_grants_a_role_with_one_audit_row_per_change(client, world):
    root = world["superuser"]
    staff = world["users"][STAFF]
    admin_group = Group.objects.get(name=roles.PROGRAMME_ADMIN)
    response = _post_change(client, root, staff, groups=[admin_group], is_superuser=True)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert set(staff.groups.values_list("name", flat=True)) == {roles.PROGRAMME_ADMIN}
    assert staff.is_superuser is True
    rows = sorted((e.action, e.old_value, e.new_value, e.actor) for e in audit_events_for(staff))
    assert rows == [
        ("role_granted", "", roles.PROGRAMME_ADMIN, root),
        ("role_revoked", roles.SECRETARIAT_STAFF, "", root),
        ("superuser", "False", "True", root),
    ]


def test_admin_superuser_cannot_drop_their_own_superuser_status(client, world):
    root = world["superuser"]
    response = _post_change(client, root, root, is_superuser=False)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["is_superuser"] == [
        "You cannot take away your own superuser status."
    ]
    root.refresh_from_db()
    assert root.is_superuser is True
    assert not audit_events_for(root).filter(action__in=ACCOUNT_ACTIONS).exists()


def test_admin_superuser_sets_a_password_audited(client, world):
    root = world["superuser"]
    applicant = world["rows"][(User, "applicant")]
    client.force_login(root)
    url = reverse("admin:auth_user_password_change", args=[applicant.pk])
    response = client.post(
        url,
        {
            "password1": "a-long-new-passphrase",
            "password2": "a-long-new-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.check_password("a-long-new-passphrase")
    event = audit_events_for(applicant).filter(action__in=ACCOUNT_ACTIONS).get()
    assert (event.action, event.actor, event.new_value) == ("password_set", root, "")


def test_admin_superuser_adds_a_membership_audited(client, world):
    root = world["superuser"]
    staff = world["users"][STAFF]
    kaia = Organization.objects.get(name="KAIA")
    response = _add(
        client, root, Membership, {"user": staff.pk, "organization": kaia.pk, "role": "member"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=staff, organization=kaia).exists()
    event = audit_events_for(kaia).get()
    assert (event.action, event.actor, event.detail["user"]) == ("member_added", root, staff.pk)


def test_admin_organisation_record_correction_is_audited_with_old_and_new(client, world):
    admin_user = world["users"][ADMIN]
    org = world["rows"][(Organization, "applicant")]
    response = _post_change(client, admin_user, org, kind="university", country_code="FR")
    assert response.status_code == 302
    event = audit_events_for(org).get()
    assert (event.action, event.actor) == ("updated", admin_user)
    assert event.detail == {
        "old": {"kind": "city_government", "country_code": "MY"},
        "new": {"kind": "university", "country_code": "FR"},
    }


def test_admin_call_dates_refused_by_the_service_are_shown_on_the_form(client, world):
    admin_user = world["users"][ADMIN]
    call = world["rows"][(Call, "open")]
    before = _snapshot(call)
    response = _post_change(
        client, admin_user, call, closes_at=call.opens_at - datetime.timedelta(days=1)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert _snapshot(call) == before
    assert not audit_events_for(call).exists()


def test_admin_track_terms_are_fixed_once_the_call_opened(client, world):
    admin_user = world["users"][ADMIN]
    track = world["rows"][(Track, "open")]
    response = _post_change(
        client,
        admin_user,
        track,
        budget_ceiling=9_000_000_000,
        secretariat=Organization.objects.get(name="KAIA"),
    )
    assert response.status_code == 302  # only its name and description are on the form
    track.refresh_from_db()
    assert (track.budget_ceiling, track.secretariat.name) == (500_000_000, "KIND")
    assert not audit_events_for(track).exists()


# --- Actions go through the named services ------------------------------------------------


def _action(client, user, model, action, rows, **data):
    client.force_login(user)
    return client.post(
        _url(model, "changelist"),
        {"action": action, "_selected_action": [row.pk for row in rows], **data},
        follow=True,
    )


def test_admin_reopen_action_is_the_review_screens_reopening(client, world):
    review = world["rows"][(Assignment, "submitted")]
    staff = world["users"][STAFF]
    # The action asks for the reason first (the service needs one; no canned text).
    page = _action(client, staff, Assignment, "reopen_assignments", [review])
    assert page.templates[0].name == "admin/action_with_text.html"
    assert review.application.reference in page.content.decode()
    review.refresh_from_db()
    assert review.status == Assignment.Status.SUBMITTED
    refused = _action(client, staff, Assignment, "reopen_assignments", [review], apply="1", text="")
    assert "This field is required." in refused.content.decode()
    _action(
        client,
        staff,
        Assignment,
        "reopen_assignments",
        [review],
        apply="1",
        text="The comment on feasibility is missing.",
    )
    review.refresh_from_db()
    assert audit_events_for(review).last().detail.get("reason") == (
        "The comment on feasibility is missing."
    )
    assert (review.status, review.total, review.submitted_at) == (
        Assignment.Status.IN_PROGRESS,
        None,
        None,
    )
    assert Message.objects.filter(recipient=review.reviewer, template="reviews/reopened").exists()


def test_admin_invite_again_checks_the_committee(client, world):
    declined = Assignment.objects.create(
        application=world["rows"][(Application, "submitted")],
        reviewer=UserFactory(email="outsider@univ.example"),
        status=Assignment.Status.DECLINED,
    )
    response = _action(
        client, world["users"][STAFF], Assignment, "reinvite_assignments", [declined]
    )
    declined.refresh_from_db()
    assert declined.status == Assignment.Status.DECLINED
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_admin_complete_award_action_completes_its_project(client, world):
    from awards.models import Tranche

    award = world["rows"][(Award, "award")]
    Award.objects.filter(pk=award.pk).update(status=Award.Status.IN_PROGRESS)
    # Refused (an error message, nothing changes) while the lifecycle's conditions are missing.
    response = _action(client, world["users"][STAFF], Award, "complete_awards", [award])
    award.refresh_from_db()
    assert award.status == Award.Status.IN_PROGRESS
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    # The contractor with its service contract signed, the last tranche paid, the final report
    # accepted (awards.lifecycle): then the action completes the award and its project.
    Project.objects.filter(pk=award.project_id).update(contractor=world["company"])
    Agreement.objects.filter(project=award.project, kind=Agreement.Kind.SERVICE).update(
        status=Agreement.Status.SIGNED, signed_on=world["now"].date()
    )
    Tranche.objects.filter(agreement__project=award.project, number=2).update(
        status=Tranche.Status.PAID
    )
    Deliverable.objects.filter(pk=world["rows"][(Deliverable, "inception")].pk).update(
        kind=Deliverable.Kind.FINAL, status=Deliverable.Status.ACCEPTED
    )
    # Nothing left waiting (a closed project is never paid nor amended): tranche 1's request
    # rejected and the tranche withheld, the amendment refused.
    PaymentRequest.objects.filter(pk=world["rows"][(PaymentRequest, "requested")].pk).update(
        status=PaymentRequest.Status.REJECTED
    )
    Tranche.objects.filter(agreement__project=award.project, number=1).update(
        status=Tranche.Status.WITHHELD
    )
    Amendment.objects.filter(pk=world["rows"][(Amendment, "requested")].pk).update(
        status=Amendment.Status.REFUSED
    )
    _action(client, world["users"][STAFF], Award, "complete_awards", [award])
    award.refresh_from_db()
    award.project.refresh_from_db()
    assert (award.status, award.project.status) == (
        Award.Status.COMPLETED,
        Project.Status.COMPLETED,
    )


def test_admin_project_status_action_refuses_a_portal_project(client, world):
    project = world["rows"][(Project, "portal")]
    response = _action(
        client,
        world["users"][ADMIN],
        Project,
        "cancel_projects",
        [project],
        apply="1",
        text="The city withdrew.",
    )
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
    assert [str(m) for m in response.context["messages"]] == [
        f"{project}: A project awarded through the portal follows its award: change the award."
    ]


def test_admin_application_actions_offer_no_ineligible_without_reason(client, world):
    client.force_login(world["users"][STAFF])
    changelist = client.get(_url(Application, "changelist"))
    offered = {name for name, _label in changelist.context["action_form"].fields["action"].choices}
    assert offered == {"", "mark_eligible", "mark_reviewed"}


def test_admin_role_group_permissions_change_only_for_a_superuser_audited(client, world):
    group = Group.objects.get(name=roles.SECRETARIAT_STAFF)
    granted = Permission.objects.get(codename="change_user")
    before = set(group.permissions.values_list("pk", flat=True))
    response = _post_change(
        client, world["users"][ADMIN], group, permissions=[*group.permissions.all(), granted]
    )
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    root = world["superuser"]
    response = _post_change(client, root, group, permissions=[*group.permissions.all(), granted])
    assert response.status_code == 302
    assert granted in group.permissions.all()
    event = audit_events_for(group).get()
    assert (event.action, event.new_value, event.actor) == (
        "permission_granted",
        "accounts.change_user",
        root,
    )


def test_admin_superuser_opens_an_account_without_any_role(client, world):
    root = world["superuser"]
    response = _add(
        client,
        root,
        User,
        {
            "email": "New.Officer@KIND.or.kr",
            "name": "New Officer",
            "password1": "a-long-new-passphrase",
            "password2": "a-long-new-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.officer@kind.or.kr")
    assert (user.is_staff, user.is_superuser, user.groups.count()) == (False, False, 0)
    assert user.check_password("a-long-new-passphrase")
    assert audit_events_for(user).get().action == "created"
    assert client.get(_url(User, "add")).status_code == 200
    client.force_login(world["users"][ADMIN])
    assert client.get(_url(User, "add")).status_code == 403


def test_admin_call_added_as_a_draft_through_the_service(client, world):
    admin_user = world["users"][ADMIN]
    now = world["now"]
    response = _add(
        client,
        admin_user,
        Call,
        {
            "year": "2027",
            "slug": "call-2027",
            "kind": Call.Kind.ANNUAL,
            "name": "K-City Network 2027",
            **_encode("opens_at", forms.SplitDateTimeWidget(), now + datetime.timedelta(days=90)),
            **_encode("closes_at", forms.SplitDateTimeWidget(), now + datetime.timedelta(days=150)),
        },
    )
    assert response.status_code == 302
    call = Call.objects.get(slug="call-2027")
    assert call.status == Call.Status.DRAFT
    assert (audit_events_for(call).get().action, audit_events_for(call).get().actor) == (
        "created",
        admin_user,
    )


def _track_data(call, code):
    return {
        "call": call.pk,
        "code": code,
        "kind": Track.Kind.PLANNING,
        "name": "Smart City Planning",
        "secretariat": Organization.objects.get(name="KIND").pk,
        "applicant_kind": Track.ApplicantKind.FOREIGN_PUBLIC,
        "budget_floor": "300000000",
        "budget_ceiling": "500000000",
        "total_budget": "4000000000",
        "target_awards": "8",
        "required_documents": "[]",
        "official_aggregate": Track.Aggregate.TRIMMED_MEAN,
        "price_weight": "0",
        "order": "0",
        "min_reviewers": "5",
        "max_reviewer_load": "12",
        "min_justification_length": "30",
        "overall_threshold": "70",
        "spread_threshold": "20",
    }


def test_admin_track_added_only_to_a_call_that_has_not_opened(client, world):
    admin_user = world["users"][ADMIN]
    open_call = world["rows"][(Call, "open")]
    refused = _add(client, admin_user, Track, _track_data(open_call, "LATE"))
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["call"] == [
        "Tracks are added while the call is a draft or published."
    ]
    assert not Track.objects.filter(code="LATE").exists()
    added = _add(client, admin_user, Track, _track_data(world["rows"][(Call, "draft")], "NEW"))
    assert added.status_code == 302
    track = Track.objects.get(code="NEW")
    assert audit_events_for(track).get().action == "created"


def test_admin_criterion_added_through_save_criterion_only_while_unlocked(client, world):
    admin_user = world["users"][ADMIN]
    data = {"code": "reach", "name": "Reach", "max_points": "10", "weight": "1"}
    locked_track = world["rows"][(Track, "open")]
    refused = _add(client, admin_user, Criterion, {**data, "track": locked_track.pk})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.non_field_errors() == [
        "The criteria of this track are locked because scoring has started."
    ]
    draft_track = world["rows"][(Track, "draft")]
    added = _add(client, admin_user, Criterion, {**data, "track": draft_track.pk})
    assert added.status_code == 302
    criterion = Criterion.objects.get(track=draft_track, code="reach")
    assert audit_events_for(criterion).get().action == "created"


def test_admin_reference_entry_added_audited(client, world):
    response = _add(
        client,
        world["users"][ADMIN],
        Country,
        {"code": "KH", "iso3": "KHM", "name": "Cambodia", "region": "southeast_asia"},
    )
    assert response.status_code == 302
    country = Country.objects.get(code="KH")
    event = audit_events_for(country).get()
    assert (event.action, event.detail["new"]["name"]) == ("created", "Cambodia")


@pytest.mark.parametrize(
    ("model", "variant", "action", "field", "who"),
    [
        (ApiToken, "token", "revoke_api_tokens", "revoked_at", ADMIN),
        (OrganizationInvitation, "open", "revoke_invitations", "revoked_at", ADMIN),
        (ReviewerInvitation, "pending", "revoke_reviewer_invitations", "responded_at", STAFF),
    ],
)
def test_admin_revoke_actions_go_through_the_services(
    client, world, model, variant, action, field, who
):
    row = world["rows"][(model, variant)]
    user = world["users"][who]
    response = _action(client, user, model, action, [row])
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    row.refresh_from_db()
    assert getattr(row, field) is not None
    subject = row.organization if model is OrganizationInvitation else row
    assert audit_events_for(subject).filter(actor=user).exists()


def test_admin_reviewer_invitation_of_another_track_is_not_revoked(client, world, kaia_staff):
    invitation = world["rows"][(ReviewerInvitation, "pending")]
    _action(client, kaia_staff, ReviewerInvitation, "revoke_reviewer_invitations", [invitation])
    invitation.refresh_from_db()
    assert invitation.status == ReviewerInvitation.Status.PENDING


def test_admin_superuser_changes_and_removes_a_membership_audited(client, world):
    root = world["superuser"]
    membership = world["rows"][(Membership, "applicant")]
    # Another owner stays: the last one is neither demoted nor removed.
    UserFactory(email="second.owner@klang.gov.my", organizations=[membership.organization])
    response = _post_change(client, root, membership, role=Membership.Role.MEMBER)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER
    response = client.post(_url(Membership, "delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    actions = [e.action for e in audit_events_for(membership.organization)]
    # The demoted owner's open invitation (the world's) is revoked with the demotion.
    assert actions == ["member_role", "invitation_revoked", "member_removed"]


def test_admin_document_requirement_offers_the_kinds_and_adds_one_of_the_tracks_own(client, world):
    admin_user = world["users"][ADMIN]
    client.force_login(admin_user)
    page = client.get(_url(DocumentRequirement, "add"))
    kind = page.context["adminform"].form.fields["kind"]
    assert ("budget_sheet", "Budget sheet") in list(kind.choices)
    assert "own" in dict(kind.choices) and "other" not in dict(kind.choices)
    track = world["rows"][(Track, "draft")]
    data = {
        "track": track.pk,
        "name": "Environmental statement",
        "formats": '["pdf"]',
        "stage": "full",
    }
    refused = _add(client, admin_user, DocumentRequirement, {**data, "kind": "own-9"})
    assert refused.status_code == 200 and "kind" in refused.context["adminform"].form.errors
    added = _add(client, admin_user, DocumentRequirement, {**data, "kind": "own"})
    assert added.status_code == 302, added.context["adminform"].form.errors
    requirement = DocumentRequirement.objects.get(track=track, name="Environmental statement")
    assert requirement.kind.startswith("own-")
    assert audit_events_for(track).filter(action="document_requirement_added").exists()


# --- Filters in the address, the delete page, the organisation's people -------------------


def test_admin_lists_filter_only_by_what_they_offer(client, world):
    """Django lets a list's address filter on any field of the row (``?body__contains=``):
    "one row or none" would spell out a hidden field — a reset link in a message, a draft
    review's comment, a token — a character at a time. Only the list's own filters, its date
    drill-down and a related row's id may be asked."""
    message = world["rows"][(Message, "message")]
    Message.objects.filter(pk=message.pk).update(
        link="https://portal.example/reset/abc-SECRET/", context={"token": "abc-SECRET"}
    )
    draft_review = world["rows"][(Assignment, "being written")]
    probes = [
        (Message, ADMIN, "link__contains=abc-S"),
        (Message, ADMIN, "context__token__startswith=abc"),
        (Message, ADMIN, "body__contains=a"),
        (Message, ADMIN, "recipient__password__startswith=pbkdf2"),
        (Assignment, ADMIN, "overall_comment__startswith=DRAFT"),
        (Assignment, STAFF, "recommendation=reject"),
        (Assignment, STAFF, "confidence=1"),
        (ReviewerInvitation, STAFF, "token__startswith=a"),
        (ApiToken, ADMIN, "key_hash__startswith=a"),
    ]
    for model, who, query in probes:
        client.force_login(world["users"][who])
        response = client.get(f"{_url(model, 'changelist')}?{query}")
        assert response.status_code == 400, (model, query)
    # What the lists offer still works: their filters, and a link by a related row's id.
    client.force_login(world["users"][ADMIN])
    for model, query, expected in (
        (Message, "status__exact=failed", 0),
        (Message, f"recipient__id__exact={message.recipient_id}", 1),
        (Assignment, f"application__id__exact={draft_review.application_id}", 2),
        (Assignment, "status__exact=in_progress", 1),
    ):
        response = client.get(f"{_url(model, 'changelist')}?{query}")
        assert response.status_code == 200, (model, query)
        assert response.context["cl"].result_count == expected, (model, query)


def test_admin_delete_page_names_the_row_not_what_goes_with_it(client, world):
    """Removing a review being written takes its draft scores; the confirmation page counts
    them and does not print them (Django's list showed each score's points)."""
    draft_review = world["rows"][(Assignment, "being written")]
    opened = 0
    for who in (ADMIN, STAFF):
        client.force_login(world["users"][who])
        response = client.get(_url(Assignment, "delete", draft_review.pk))
        if response.status_code != 200:
            continue
        opened += 1
        page = response.content.decode()
        assert "12" not in "".join(str(row) for row in response.context["deleted_objects"])
        assert "DRAFT" not in page
        assert response.context["model_count"]
    assert opened


def test_admin_organisation_people_are_shown_only_with_the_memberships(client, world):
    org = world["rows"][(Application, "submitted")].organization
    member_email = org.members.get().email
    client.force_login(world["users"][STAFF])
    page = client.get(_url(Organization, "change", org.pk))
    assert page.status_code == 200
    assert member_email not in page.content.decode()
    client.force_login(world["superuser"])
    assert member_email in client.get(_url(Organization, "change", org.pk)).content.decode()


def test_admin_application_call_filter_lists_only_calls_of_rows_shown(client, world):
    hidden = CallFactory(name="Unannounced 2027 call", status=Call.Status.DRAFT, year=2027)
    client.force_login(world["users"][STAFF])
    page = client.get(_url(Application, "changelist")).content.decode()
    assert hidden.name not in page
    assert world["rows"][(Application, "submitted")].call.name in page
