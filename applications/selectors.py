"""Reads of applications with visibility applied once, for pages, the API and exports."""

from __future__ import annotations

# Statuses a reviewer's or staff member's view never shows (unsubmitted work is the applicant's).
from dataclasses import (
    dataclass,
)

from django.apps import apps
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts import roles
from accounts.audit import audit_events_for
from accounts.models import Membership, Organization
from accounts.selectors import is_member, reachable_users
from applications import questions as q
from applications import stages
from applications.models import Answer, Application, ClarificationRequest, Question
from core.templatetags.portal_format import krw
from projects.models import City, Track
from projects.selectors import document_requirements, public_cities, staff_tracks

HIDDEN_FROM_STAFF = (Application.Status.DRAFT,)


def applications_for_user(user, *, call=None, track=None) -> QuerySet[Application]:
    """Every application the user may see, with what list pages need joined.

    Applicants: their organisations' applications. Reviewers: applications assigned to them and
    not declined or conflicted. Staff: submitted applications of their tracks. Admins: all
    submitted applications. A user with several roles sees the union.
    """
    if not user.is_authenticated:
        return Application.objects.none()
    visible = Q(is_member(user))
    user_roles = roles.user_roles(user)
    if roles.PROGRAMME_ADMIN in user_roles:
        visible |= ~Q(status__in=HIDDEN_FROM_STAFF)
    elif roles.SECRETARIAT_STAFF in user_roles:
        visible |= Q(track__in=staff_tracks(user)) & ~Q(status__in=HIDDEN_FROM_STAFF)
    if roles.REVIEWER in user_roles:
        visible |= Q(pk__in=_reviewable_application_ids(user))
    qs = Application.objects.filter(visible)
    if call is not None:
        qs = qs.filter(call=call)
    if track is not None:
        qs = qs.filter(track=track)
    return qs.select_related("call", "track", "organization", "country", "city")


def applicant_side_application_ids(user) -> QuerySet:
    """Ids (a ``values("pk")`` subquery) of the applications ``user`` is on the applicant side
    of: a member of the applicant organisation or of an organisation in its consortium. The one
    definition of "one's own application" that the review rules (no reviewing it) and the
    staff rules (no screening, clarifying or deciding it) ask; ``reviews.conflicts`` finds the
    same tie in bulk for the assignment planner."""
    organizations = Membership.objects.filter(user=user).values("organization")
    return Application.objects.filter(
        Q(organization__in=organizations) | Q(consortium_members__organization__in=organizations)
    ).values("pk")


def is_on_applicant_side(user, application: Application) -> bool:
    """Whether ``user`` belongs to the application's organisation or to one of its
    consortium partners (``applicant_side_application_ids``)."""
    return (
        application is not None
        and user.is_authenticated
        and Application.objects.filter(
            pk=application.pk, pk__in=applicant_side_application_ids(user)
        ).exists()
    )


def _reviewable_application_ids(user):
    assignment = apps.get_model("reviews", "Assignment")
    conflict = apps.get_model("reviews", "ConflictDeclaration")
    return (
        assignment.objects.filter(reviewer=user)
        .exclude(status__in=["declined", "conflict"])
        .exclude(
            application__in=conflict.objects.filter(reviewer=user, has_conflict=True).values(
                "application"
            )
        )
        # A reviewer never reviews their own organisation's application, nor a consortium
        # partner's, even before a conflict is recorded (a membership that began later).
        .exclude(application__in=applicant_side_application_ids(user))
        .values("application")
    )


def declared_no_conflict(user) -> Exists:
    """SQL: ``user`` has declared no conflict on the outer row's ``application``. The one
    definition of "declared" that the reviewer's assignments and the readable applications use
    (the object rule is ``reviews.rules.has_declared_no_conflict``)."""
    declaration = apps.get_model("reviews", "ConflictDeclaration")
    return Exists(
        declaration.objects.filter(
            reviewer=user, application=OuterRef("application"), has_conflict=False
        )
    )


def current_interest_declarations(user) -> QuerySet:
    """The reviewer's yearly declarations of interests still valid now: the one definition of
    "current" that the reviewer's pages, the rules and the scoring service ask
    (``reviews.services.current_interest_declaration`` is the latest of these)."""
    declaration = apps.get_model("reviews", "InterestDeclaration")
    return declaration.objects.filter(reviewer=user, expires_at__gt=timezone.now())


def undeclared_application_ids(user) -> QuerySet:
    """Ids (a ``values("application")`` subquery) of applications the user is assigned to
    review but may not read yet: every one while the reviewer holds no current declaration of
    interests, otherwise those they have not declared no conflict on (the rule
    ``reviews.read_assigned_application`` lets a reviewer read an application only after both)."""
    assignment = apps.get_model("reviews", "Assignment")
    assigned = assignment.objects.filter(reviewer=user)
    if not current_interest_declarations(user).exists():
        return assigned.values("application")
    return (
        assigned.annotate(declared=declared_no_conflict(user))
        .filter(declared=False)
        .values("application")
    )


def readable_applications_for_user(user) -> QuerySet[Application]:
    """``applications_for_user`` without the applications whose content the user may not read
    yet (assigned for review, no declaration). For lists that show the whole application
    (the API); the title-only reviewer pages use ``applications_for_user``. Their own
    organisation's applications stay readable to its members, whatever their assignments (a
    reviewer who joined the applicant reads it as the applicant)."""
    if not user.is_authenticated:
        return Application.objects.none()
    return applications_for_user(user).exclude(
        Q(pk__in=undeclared_application_ids(user)), ~is_member(user)
    )


def is_owner(user, application: Application) -> bool:
    """Whether ``user`` is a member of the application's organisation (one query; the
    organisation's row is not read)."""
    return (
        user.is_authenticated
        and Membership.objects.filter(
            organization_id=application.organization_id, user=user
        ).exists()
    )


# --- The applicant side ------------------------------------------------------------------


S = Application.Status

# The form's sections in order: (key, label). Which apply depends on the track.
SECTIONS = (
    ("applicant", _("Applicant and contact")),
    ("site", _("Site")),
    ("project", _("Project")),
    ("readiness", _("Readiness")),
    ("budget", _("Budget")),
    ("priority", _("Country priority")),
    # Only on a track whose staff have set questions (``questions_for_track``).
    ("questions", _("Questions")),
    ("consortium", _("Consortium")),
    ("documents", _("Documents")),
)
SECTION_LABELS = dict(SECTIONS)
# The sections made of the application's own fields, and those fields: what each section's
# form writes (``services.update_section``) and what a clarification snapshot keeps.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "applicant": ("contact_name", "contact_position", "contact_email", "contact_phone"),
    "site": ("country", "city", "site_area_km2", "site_population", "site_description"),
    "project": ("title", "summary", "objectives", "outputs", "requested_deliverable"),
    "readiness": (
        "existing_plans",
        "land_status",
        "budget_lines",
        "prior_consultation",
        "prior_consultation_details",
    ),
    "budget": ("budget_requested", "co_financing", "co_financing_description"),
    "priority": ("country_priority_rank",),
}

# Statuses an applicant never sees until the decision is released: "under review" instead.
UNRELEASED_STATUSES = (S.REVIEWED, S.SELECTED, S.RESERVE, S.REJECTED, S.AWARDED)


def sections_for_track(track: Track) -> list[tuple[str, str]]:
    """The sections that apply to a track: priority for planning, consortium for demonstration,
    questions where the track (or its call) has questions of its own."""
    keys = []
    for key, label in SECTIONS:
        if key == "priority" and track.kind != Track.Kind.PLANNING:
            continue
        if key == "consortium" and track.kind != Track.Kind.DEMONSTRATION:
            continue
        if key == "questions" and not questions_for_track(track):
            continue
        keys.append((key, label))
    return keys


def sections_for_application(application: Application) -> list[tuple[str, str]]:
    """The sections of the application's form: its track's (``sections_for_track``), and for
    a concept note of a two-stage call only those a concept note asks (``applications.stages``),
    its questions section only where the track asks concept-stage questions."""
    sections = stages.sections_of_stage(application, sections_for_track(application.track))
    if stages.is_concept_note(application) and not stage_questions(application):
        sections = [(key, label) for key, label in sections if key != "questions"]
    return sections


def site_cities(application: Application) -> QuerySet[City]:
    """The cities an applicant may choose as the site of ``application``: the listed ones
    (``projects.selectors.public_cities``) and the application's current city (one they typed
    in included), never one another organisation only typed into its application. The site
    form and the API offer these; ``services.save_application_section`` refuses any other."""
    return public_cities(including=[application.city_id])


# --- The track's own questions (applications.questions) -----------------------------------

_QUESTIONS_CACHE = "_live_questions"


def _live_questions_query(track_ids, call_ids) -> QuerySet[Question]:
    return Question.objects.filter(retired_at__isnull=True).filter(
        Q(track_id__in=track_ids) | Q(track__isnull=True, call_id__in=call_ids)
    )


def _form_order(questions) -> list[Question]:
    return sorted(questions, key=lambda x: (x.section_order, x.order, x.track_id is not None, x.pk))


def questions_for_track(track: Track) -> list[Question]:
    """The live questions of the track's form, in form order: its own and its call's
    call-wide ones, without those whose condition leaves out this kind of track.

    Remembered on the ``track`` object (one query per track object); ``attach_questions``
    loads them for many tracks at once."""
    cached = track.__dict__.get(_QUESTIONS_CACHE)
    if cached is None:
        cached = _form_order(
            x
            for x in _live_questions_query([track.pk], [track.call_id])
            if q.shown_on_track(x, track.kind)
        )
        track.__dict__[_QUESTIONS_CACHE] = cached
    return cached


def attach_questions(tracks) -> None:
    """Load ``questions_for_track`` of every track in ``tracks`` with one query (for lists)."""
    tracks = [t for t in tracks if _QUESTIONS_CACHE not in t.__dict__]
    if not tracks:
        return
    rows = list(_live_questions_query({t.pk for t in tracks}, {t.call_id for t in tracks}))
    for track in tracks:
        track.__dict__[_QUESTIONS_CACHE] = _form_order(
            x
            for x in rows
            if (x.track_id == track.pk or (x.track_id is None and x.call_id == track.call_id))
            and q.shown_on_track(x, track.kind)
        )


def stage_questions(application: Application) -> list[Question]:
    """The questions the applicant answers now: the track's live questions
    (``questions_for_track``) of the application's stage (``stages.question_in_stage``; all of
    them on a one-stage call)."""
    return [
        x
        for x in questions_for_track(application.track)
        if stages.question_in_stage(x, application)
    ]


def track_questions_for_staff(track: Track) -> QuerySet[Question]:
    """Every question of the track's form for its design page, retired ones included, with how
    many applications answered each (``answer_count``)."""
    return (
        Question.objects.filter(Q(track=track) | Q(track__isnull=True, call_id=track.call_id))
        .annotate(answer_count=Count("answers"))
        .order_by("retired_at", "section_order", "order", "pk")
    )


def stored_answers(application: Application) -> list[Answer]:
    """The application's answers with their questions (prefetch ``answers__question`` for
    lists; otherwise one query)."""
    if "answers" in getattr(application, "_prefetched_objects_cache", {}):
        return list(application.answers.all())
    return list(application.answers.select_related("question"))


def answer_values(application: Application) -> dict[str, object]:
    """Code → stored value of the application's answers to the live questions of its stage
    (``stage_questions``)."""
    live = {x.pk for x in stage_questions(application)}
    return {a.question.code: a.value for a in stored_answers(application) if a.question_id in live}


def question_problems(application: Application) -> list[Problem]:
    """Required questions of the application's stage shown (their conditions met) and not
    answered."""
    questions = stage_questions(application)
    if not questions:
        return []
    values = answer_values(application)
    shown = q.visible_codes(questions, values, track_kind=application.track.kind)
    return [
        Problem(
            "questions",
            _("Answer the question: %(question)s") % {"question": q.label(x)},
            f"id_q_{x.code}",
        )
        for x in questions
        if x.required and x.code in shown and values.get(x.code) is None
    ]


def question_columns(track: Track) -> list[Question]:
    """One question per code for the columns of an export of the track's applications: the
    live questions in form order, then retired ones that still have answers (an answer to an
    older version goes in the column of its code)."""
    rows = (
        track_questions_for_staff(track)
        .filter(Q(retired_at__isnull=True) | Q(answer_count__gt=0))
        .order_by(F("retired_at").asc(nulls_first=True), "section_order", "order", "pk")
    )
    columns: dict[str, Question] = {}
    for question in rows:
        columns.setdefault(question.code, question)
    return list(columns.values())


def answer_cells(application: Application, columns: list[Question]) -> list:
    """The application's answers in ``question_columns`` order (``None`` where unanswered),
    each read with the question as answered (``questions.export_value``)."""
    by_code = {a.question.code: a for a in stored_answers(application)}
    cells = []
    for question in columns:
        answer = by_code.get(question.code)
        if answer is None:
            cells.append(None)
            continue
        asked = q.asked(answer.question_snapshot or q.snapshot(answer.question))
        cells.append(q.export_value(asked, answer.value))
    return cells


@dataclass(frozen=True)
class AnswerGroup:
    section: str
    answers: tuple


# In place of an answer that may identify the applicant, for a reviewer of an anonymised track.
WITHHELD_ANSWER = _("Withheld: the answer may identify the applicant (anonymised review).")


def shown_answers(
    application: Application,
    language: str | None = None,
    *,
    stage: str | None = None,
    identity_withheld: bool = False,
) -> list[AnswerGroup]:
    """The application's answers as a reader sees them, grouped by the section of the form,
    each read with the question as it was when answered (``Answer.question_snapshot``), so
    later changes to the form never change what an application said. ``stage`` keeps only
    the answers to that stage's questions (the concept note's, shown read-only in the full
    proposal). With ``identity_withheld`` (a reviewer of an anonymised track) the answers to
    questions that may identify the applicant (``Question.identifying``, as the question now
    says) are shown as withheld."""
    answers = sorted(
        (a for a in stored_answers(application) if stage is None or a.question.stage == stage),
        key=lambda a: (a.question.section_order, a.question.order, a.question_id),
    )
    groups: list[AnswerGroup] = []
    for answer in answers:
        asked = q.asked(answer.question_snapshot or q.snapshot(answer.question))
        shown = q.shown_answer(asked, answer.value, language)
        if identity_withheld and answer.question.identifying:
            shown = q.ShownAnswer(
                shown.code, shown.label, shown.section, text=str(WITHHELD_ANSWER), withheld=True
            )
        if groups and groups[-1].section == shown.section:
            groups[-1] = AnswerGroup(shown.section, (*groups[-1].answers, shown))
        else:
            groups.append(AnswerGroup(shown.section, (shown,)))
    return groups


def applications_for_applicant(user) -> QuerySet[Application]:
    """The applications of the user's organisations, for the applicant dashboard."""
    if not user.is_authenticated:
        return Application.objects.none()
    return (
        Application.objects.filter(is_member(user))
        .select_related("call", "track", "organization", "country", "city", "decision")
        .order_by("-created_at")
    )


def decision_is_released(application: Application) -> bool:
    """Whether the applicant may know the outcome: the decision or the call's release passed."""
    released = application.call.decisions_released_at
    if released is not None and released <= timezone.now():
        return True
    return released_decision(application) is not None


def can_be_withdrawn(application: Application) -> bool:
    """Whether the application may be withdrawn now: its status allows it and no funding
    decision exists for it yet, proposed or confirmed (the design's "before a decision"; a
    withdrawn application under a decision would make its release fail for the whole call)."""
    from applications.services import APPLICATION_TRANSITIONS  # the table lives with its moves

    if S.WITHDRAWN not in APPLICATION_TRANSITIONS.get(application.status, set()):
        return False
    decision = apps.get_model("results", "Decision")
    return not decision.objects.filter(application_id=application.pk).exists()


def released_decision(application: Application):
    """The application's funding decision once it is released to the applicant, else None.

    Read through the reverse relation (applications does not import reviews). The decision
    itself must be released: a decision row that is still a proposal, or one confirmed but
    not yet released, is never shown, even after the call's release date.
    """
    try:
        decision = application.decision
    except Application.decision.RelatedObjectDoesNotExist:
        return None
    if decision.released_at is None or decision.released_at > timezone.now():
        return None
    return decision


def applicant_visible_status(application: Application) -> str:
    """The status an applicant may see: decisions show as "under review" until released."""
    if application.status in UNRELEASED_STATUSES and not decision_is_released(application):
        return S.UNDER_REVIEW
    return application.status


def applicant_visible_status_expression(*, real_status_track_ids=()) -> Case:
    """SQL twin of ``applicant_visible_status`` (a test holds them equal), for filtering and
    ordering by the status a reader may see, so that a filter never reveals an unreleased
    decision. Applications of ``real_status_track_ids`` (the reader's staff tracks) keep their
    real status."""
    now = timezone.now()
    released = Q(call__decisions_released_at__lte=now) | Q(decision__released_at__lte=now)
    return Case(
        When(track_id__in=list(real_status_track_ids), then=F("status")),
        When(Q(status__in=UNRELEASED_STATUSES) & ~released, then=Value(S.UNDER_REVIEW)),
        default=F("status"),
    )


def applicant_visible_status_label(application: Application) -> str:
    return str(S(applicant_visible_status(application)).label)


def open_clarification(application: Application) -> ClarificationRequest | None:
    return application.clarification_requests.filter(
        status=ClarificationRequest.Status.OPEN
    ).first()


def editable_sections(application: Application) -> set[str]:
    """Sections the applicant may change now: all while a draft can still be submitted (none
    once its deadline passed, ``stages.deadline_refusal``), the named ones in clarification."""
    applicable = {key for key, _label in sections_for_application(application)}
    if application.status == S.DRAFT:
        return set() if stages.deadline_refusal(application) else applicable
    if application.status == S.CLARIFICATION:
        request = open_clarification(application)
        return applicable & set(request.sections if request else [])
    return set()


def closed_notice(application: Application) -> str:
    """Why the applicant's draft is read-only: its deadline passed, in the words of the
    submission's refusal (``stages.deadline_refusal``); "" while it is open, and for any
    other status (the section pages say that in their own words)."""
    if application.status != S.DRAFT:
        return ""
    refusal = stages.deadline_refusal(application)
    return str(refusal.message) if refusal else ""


@dataclass(frozen=True)
class Problem:
    section: str
    message: str
    anchor: str = ""

    @property
    def section_label(self) -> str:
        return str(SECTION_LABELS.get(self.section, self.section))


def missing_documents(application: Application) -> list[str]:
    """The names (in the reader's language) of the track's required documents of the
    application's stage (``stages.requirement_in_stage``) not uploaded yet, in the track's
    order. Reads ``application.documents.all()`` and
    ``application.track.document_requirements.all()`` (prefetch both for lists)."""
    present = {d.kind for d in application.documents.all()}
    # The names staff gave the track's documents (projects.DocumentRequirement).
    return [
        requirement.display_name
        for requirement in document_requirements(application.track)
        if requirement.is_required
        and requirement.kind not in present
        and stages.requirement_in_stage(requirement, application)
    ]


#: The fields a proposal must have before it is submitted, section by section, with what
#: ``submission_problems`` says when one is missing (a concept note: only those it asks,
#: ``stages.asks_field``). The public outline of a track's form marks the same fields as needed.
REQUIRED_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("applicant", "contact_name", gettext_noop("Give a contact person.")),
    ("applicant", "contact_email", gettext_noop("Give the contact person's e-mail address.")),
    ("site", "country", gettext_noop("Choose the country of the site.")),
    ("site", "city", gettext_noop("Choose or name the city of the site.")),
    ("project", "title", gettext_noop("Give the project a title.")),
    ("project", "summary", gettext_noop("Write a summary of the project.")),
    ("project", "objectives", gettext_noop("Describe the project's objectives.")),
    ("project", "requested_deliverable", gettext_noop("Choose the requested deliverable.")),
    ("budget", "budget_requested", gettext_noop("Give the requested amount in KRW.")),
)

#: The roles a consortium (the demonstration track) must have before the proposal is
#: submitted, with what ``submission_problems`` says when one is missing.
REQUIRED_CONSORTIUM_ROLES: tuple[tuple[str, str], ...] = (
    ("lead", gettext_noop("Name the Korean lead company.")),
    (
        "overseas_public_partner",
        gettext_noop(
            "Add the overseas public partner (government, public institution or university); it "
            "is mandatory."
        ),
    ),
)


# Which organisation kinds may apply to a track, by the track's applicant kind.
ELIGIBLE_KINDS = {
    Track.ApplicantKind.FOREIGN_PUBLIC: tuple(Organization.FOREIGN_PUBLIC_KINDS),
    Track.ApplicantKind.KOREAN_CONSORTIUM: (Organization.Kind.KOREAN_COMPANY,),
    Track.ApplicantKind.KOREAN_COMPANY: (Organization.Kind.KOREAN_COMPANY,),
}
# Tracks whose applicants are Korean companies (a consortium's lead, a contractor selection's
# bidders). An organisation's kind is its own word at registration; its country is checked
# beside it, so a company registered abroad does not apply as a Korean company.
KOREAN_APPLICANT_KINDS = (Track.ApplicantKind.KOREAN_CONSORTIUM, Track.ApplicantKind.KOREAN_COMPANY)
KOREA = "KR"


def registered_abroad_for(organization: Organization, track: Track) -> bool:
    """Whether ``track`` asks for a Korean company and ``organization`` is registered in
    another country."""
    return track.applicant_kind in KOREAN_APPLICANT_KINDS and (
        (organization.country_code or "").upper() != KOREA
    )


def applicant_refusal(organization: Organization, track: Track) -> str | None:
    """Why ``organization`` may not apply to ``track``, in words for the applicant, or None
    when it may: the one rule of who applies, asked when a draft starts
    (``services.start_application``) and again when it is submitted (``submission_problems``),
    so a draft started before the rule, or before the organisation's registration changed,
    is not sent under it. Reads no row beyond the organisation and the track."""
    if organization.is_korean_company and registered_abroad_for(organization, track):
        return str(_("Only companies registered in Korea can apply to this track."))
    if organization.kind not in ELIGIBLE_KINDS.get(track.applicant_kind, ()) or (
        registered_abroad_for(organization, track)
    ):
        return str(
            _("%(kind)s organisations cannot apply to this track. It is open to: %(who)s.")
            % {"kind": organization.get_kind_display(), "who": track.get_applicant_kind_display()}
        )
    return None


def organization_may_apply(organization: Organization, track: Track) -> bool:
    return applicant_refusal(organization, track) is None


def submission_problems(
    application: Application, *, taken_sites: set[tuple[int, int, int]] | None = None
) -> list[Problem]:
    """Everything that stops the application from being submitted, each tied to its section.

    The one definition of "complete": the review-and-submit page, the submission service, the
    form's section navigation, the status page and the applicant's home all read it (the last
    three through ``section_progress``). ``taken_sites`` ((call, organisation, city) ids of
    submitted proposals, from ``taken_sites_for``) spares one query per draft on a list.
    """
    track = application.track
    problems: list[Problem] = []
    keys = {key for key, _label in sections_for_application(application)}
    refusal = applicant_refusal(application.organization, track)
    if refusal is not None:
        problems.append(Problem("applicant", refusal))
    for section, field, message in REQUIRED_FIELDS:
        # A concept note asks only its own fields (applications.stages.CONCEPT_FIELDS). A
        # foreign key is read by its id: whether it is set needs no query for the object.
        value = getattr(application, Application._meta.get_field(field).attname)
        if value in (None, "") and stages.asks_field(application, section, field):
            problems.append(Problem(section, _(message), f"id_{field}"))
    if (
        application.budget_requested is not None
        and not track.budget_floor <= application.budget_requested <= track.budget_ceiling
    ):
        problems.append(
            Problem(
                "budget",
                _("The requested amount must be between %(floor)s and %(ceiling)s.")
                % {"floor": krw(track.budget_floor), "ceiling": krw(track.budget_ceiling)},
                "id_budget_requested",
            )
        )
    if "consortium" in keys:
        roles = {m.role for m in application.consortium_members.all()}
        problems.extend(
            Problem("consortium", _(message))
            for role, message in REQUIRED_CONSORTIUM_ROLES
            if role not in roles
        )
    if "questions" in keys:
        problems.extend(question_problems(application))
    for label in missing_documents(application):
        problems.append(
            Problem("documents", _("Upload the required document: %(kind)s.") % {"kind": label})
        )
    if application.city_id and application.status == S.DRAFT:
        if taken_sites is None:
            duplicate = site_taken_by_another(application)
        else:
            duplicate = (
                application.call_id,
                application.organization_id,
                application.city_id,
            ) in taken_sites
        if duplicate:
            problems.append(
                Problem(
                    "site",
                    _(
                        "Your organisation has already submitted a proposal for this city in this "
                        "call; only one proposal per city is allowed."
                    ),
                    "id_city",
                )
            )
    # One bid per company in a contractor selection, whatever city it names: the price score
    # is relative to the lowest bid, so a second one would weigh against every other company.
    if (
        track.kind == Track.Kind.CONTRACTOR_SELECTION
        and application.status == S.DRAFT
        and bid_sent_by_company(application)
    ):
        problems.append(
            Problem(
                "budget",
                _(
                    "Your company has already sent a proposal to this contractor selection; "
                    "a company sends one."
                ),
                "id_budget_requested",
            )
        )
    return problems


def _other_sent_proposals(application: Application) -> QuerySet[Application]:
    """The organisation's other proposals in the application's call that hold their place
    (``SITE_TAKEN_STATUSES``)."""
    return Application.objects.filter(
        call_id=application.call_id,
        organization_id=application.organization_id,
        status__in=Application.SITE_TAKEN_STATUSES,
    ).exclude(pk=application.pk)


def bid_sent_by_company(application: Application) -> bool:
    """Whether the application's organisation has another proposal sent to its call, any
    city: a contractor selection takes one bid per company. One query, by ids."""
    return _other_sent_proposals(application).exists()


def site_taken_by_another(application: Application) -> bool:
    """Whether another proposal of the application's organisation holds its city in its call,
    as the constraint ``applications_one_per_org_city_call`` counts (``SITE_TAKEN_STATUSES``).
    One query, by ids."""
    return _other_sent_proposals(application).filter(city_id=application.city_id).exists()


def taken_sites_for(applications) -> set[tuple[int, int, int]]:
    """(call, organisation, city) ids already taken by a submitted proposal, for the drafts
    among ``applications``: the one-proposal-per-city check of ``submission_problems`` for a
    whole list in one query."""
    drafts = [a for a in applications if a.status == S.DRAFT and a.city_id]
    if not drafts:
        return set()
    return set(
        Application.objects.filter(
            organization_id__in={a.organization_id for a in drafts},
            call_id__in={a.call_id for a in drafts},
            status__in=Application.SITE_TAKEN_STATUSES,
        ).values_list("call_id", "organization_id", "city_id")
    )


@dataclass(frozen=True)
class SectionProgress:
    """One section of the form as the navigation and the applicant's home show it."""

    key: str
    label: str
    problems: tuple[Problem, ...]

    @property
    def complete(self) -> bool:
        return not self.problems


def shows_progress(application: Application) -> bool:
    """Whether the applicant is still completing the form (a draft, or sections reopened by a
    clarification request): only then are sections marked complete or incomplete."""
    return application.status in (S.DRAFT, S.CLARIFICATION)


def section_progress(
    application: Application,
    *,
    problems: list[Problem] | None = None,
    taken_sites: set[tuple[int, int, int]] | None = None,
) -> list[SectionProgress]:
    """Each section of the application's track, complete or not, with what it still lacks.

    A section is complete when ``submission_problems`` names nothing in it, so the navigation,
    the status page, the home page and the submission can never disagree. Pass ``problems``
    when the caller has them already."""
    if problems is None:
        problems = submission_problems(application, taken_sites=taken_sites)
    by_section: dict[str, list[Problem]] = {}
    for problem in problems:
        by_section.setdefault(problem.section, []).append(problem)
    return [
        SectionProgress(key, label, tuple(by_section.get(key, ())))
        for key, label in sections_for_application(application)
    ]


# What happens next, by the status the applicant sees (``applicant_visible_status``).
NEXT_STEPS = {
    S.DRAFT: _(
        "Complete the sections marked incomplete, then review and submit before the deadline."
    ),
    S.SUBMITTED: _(
        "The secretariat checks that the application is eligible. You will be told the outcome "
        "by e-mail."
    ),
    S.CLARIFICATION: _(
        "The secretariat has asked for a clarification: change the sections it names and send "
        "your answer."
    ),
    S.ELIGIBLE: _("The application is eligible. The review committee will score it next."),
    S.INELIGIBLE: _("The application is not eligible. The reason is on the application page."),
    S.UNDER_REVIEW: _(
        "The review committee is scoring the applications. The decisions are announced to "
        "every applicant at the same time."
    ),
    S.SELECTED: _(
        "The application is selected for funding. The secretariat will contact you about the award."
    ),
    S.RESERVE: _(
        "The application is on the reserve list: it is funded if a selected project drops out."
    ),
    S.REJECTED: _(
        "The application was not selected. The committee's summary is on the application page."
    ),
    S.AWARDED: _("Funding is awarded. The award letter is on the application page."),
    S.WITHDRAWN: _("The application was withdrawn. Nothing more happens with it."),
    S.CONCEPT_SUBMITTED: _(
        "The secretariat reads the concept notes and shortlists some of them. The shortlisted "
        "applicants are invited by e-mail to complete a full proposal."
    ),
    S.NOT_SHORTLISTED: _(
        "The concept note was not shortlisted for a full proposal. Nothing more happens with it."
    ),
}
READY_TO_SUBMIT = _("Everything required is there: review and submit before the deadline.")


def next_step(application: Application, *, visible_status: str, complete: bool = False) -> str:
    """One sentence telling the applicant what happens next (or what they must do)."""
    if visible_status == S.DRAFT and complete:
        return str(READY_TO_SUBMIT)
    return str(NEXT_STEPS.get(visible_status, ""))


def applicant_home(user) -> list[Application]:
    """The applicant's applications for their home page, each with what the page says of it:
    ``visible_status``, ``progress`` (sections, for drafts and clarifications),
    ``missing_documents`` (names), ``open_request`` (an open clarification request),
    ``deadline`` (the call's closing time for a draft, the answer's due time in a
    clarification) and ``next_step``. A fixed number of queries, whatever the number of
    applications."""
    applications = list(
        applications_for_applicant(user).prefetch_related(
            "documents",
            "track__document_requirements",
            "consortium_members",
            "answers__question",
            Prefetch(
                "clarification_requests",
                queryset=ClarificationRequest.objects.filter(
                    status=ClarificationRequest.Status.OPEN
                ),
                to_attr="open_requests",
            ),
        )
    )
    taken = taken_sites_for(applications)
    attach_questions([a.track for a in applications])
    for application in applications:
        application.visible_status = applicant_visible_status(application)
        application.open_request = next(iter(application.open_requests), None)
        application.progress = []
        application.missing_documents = []
        if shows_progress(application):
            application.progress = section_progress(application, taken_sites=taken)
            application.missing_documents = missing_documents(application)
        complete = all(section.complete for section in application.progress)
        application.sections_done = sum(1 for section in application.progress if section.complete)
        application.next_step = next_step(
            application, visible_status=application.visible_status, complete=complete
        )
        application.deadline = None
        if application.status == S.DRAFT:
            application.deadline = application.stage_deadline  # concept notes close first
        elif application.open_request is not None:
            application.deadline = application.open_request.due_at
    return applications


def contractor_projects_for_user(user):
    """Funded projects carried out by the user's organisations, each with ``deliverables_due``
    (not yet accepted, soonest first), for the contractor's part of the home page.

    Deliverables are reached through the project's reverse relation (applications sits below
    awards and does not import it); their visibility rule for contractors is the same as
    ``awards.selectors.deliverables_for_user``: members of the contractor organisation."""
    if not user.is_authenticated:
        return []
    project = apps.get_model("projects", "Project")
    deliverable = apps.get_model("awards", "Deliverable")
    return list(
        project.objects.filter(is_member(user, "contractor"))
        .select_related("country", "city")
        .prefetch_related(
            Prefetch(
                "deliverables",
                queryset=deliverable.objects.exclude(status="accepted").order_by("due_on", "pk"),
                to_attr="deliverables_due",
            )
        )
        .order_by("-year", "code")
    )


def applicant_timeline(application: Application) -> list[dict]:
    """Status changes the applicant may see: when, which status, and the reason given to them.

    Never the actor (no reviewer or staff names) and never unreleased decisions.
    """
    released = decision_is_released(application)
    items = []
    for event in audit_events_for(application).filter(action="status"):
        status = event.new_value
        if status in UNRELEASED_STATUSES and not released:
            if items and items[-1]["status"] == S.UNDER_REVIEW:
                continue
            status = S.UNDER_REVIEW
        reason = ""
        if status in (S.INELIGIBLE, S.WITHDRAWN, S.CLARIFICATION, S.NOT_SHORTLISTED):
            reason = (event.detail or {}).get("reason", "")
        label = S(status).label if status in S.values else status
        if (event.detail or {}).get("shortlist") == "invited":  # back to a draft, as a proposal
            label = _("Invited to submit a full proposal")
        items.append({"at": event.created_at, "status": status, "label": label, "reason": reason})
    return items


# Applications that appear on the screening page and on the review board.
SCREENING_STATUSES = (
    Application.Status.SUBMITTED,
    Application.Status.ELIGIBLE,
    Application.Status.INELIGIBLE,
)


def screening_list(track: Track, *, status: str | None = None) -> QuerySet[Application]:
    """Applications of the track awaiting or past eligibility screening (not drafts)."""
    qs = track.applications.filter(status__in=SCREENING_STATUSES)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("organization", "country", "city").order_by("reference")


def concept_notes_for_track(track: Track) -> QuerySet[Application]:
    """Every concept note ever sent on the track (a two-stage call's), for its staff's
    shortlist: waiting for the decision, invited (now a full proposal, a draft until the
    applicant submits it), not shortlisted or withdrawn. The caller checks that the user runs
    the track (``projects.manage_track``)."""
    return (
        track.applications.filter(concept_submitted_at__isnull=False)
        .select_related("organization", "country", "city")
        .order_by("reference", "pk")
    )


# --- Work waiting for the secretariat (the staff home's queues) -------------------------


def _answered_request():
    return Exists(
        ClarificationRequest.objects.filter(
            application=OuterRef("pk"), status=ClarificationRequest.Status.ANSWERED
        )
    )


def screening_queue(user) -> QuerySet[Application]:
    """Applications of the user's tracks submitted and never screened: the first eligibility
    check. An application back from a clarification is in ``clarifications_to_rescreen``."""
    return Application.objects.filter(track__in=staff_tracks(user), status=S.SUBMITTED).exclude(
        _answered_request()
    )


def clarifications_to_rescreen(user) -> QuerySet[Application]:
    """Applications of the user's tracks whose applicant answered a clarification request and
    that nobody has screened since (answering moves the application back to ``submitted``)."""
    return Application.objects.filter(
        _answered_request(), track__in=staff_tracks(user), status=S.SUBMITTED
    )


def clarifications_waiting(user) -> QuerySet[ClarificationRequest]:
    """Open clarification requests on the user's tracks: the applicant has not answered yet
    (``due_at`` is when the answer is due, if the request set one)."""
    return ClarificationRequest.objects.filter(
        status=ClarificationRequest.Status.OPEN,
        application__status=S.CLARIFICATION,
        application__track__in=staff_tracks(user),
    )


# --- Every application of a track, for its staff (the track's application list) ----------

STAFF_LIST_PAGE_SIZES = (25, 50, 100)
# Sort keys the list accepts → order_by clauses (the reference breaks ties).
STAFF_LIST_SORTS = {
    "reference": ("reference", "pk"),
    "-submitted": ("-submitted_at", "reference", "pk"),
    "title": ("title", "reference", "pk"),
    "country": ("country__name", "reference", "pk"),
    "status": ("status", "reference", "pk"),
    "-budget": ("-budget_requested", "reference", "pk"),
}
STAFF_LIST_FLAGS = {
    "over_budget": _("Amount outside the track's range"),
    "conflict": _("Conflict of interest"),
    "overdue_review": _("A review is overdue"),
    "clarification_late": _("Clarification answer overdue"),
    "ranking_flag": _("Flagged on the ranking board"),
}


def staff_list_flags(track: Track, *, now=None) -> dict:
    """SQL expressions (booleans on an application row) for the flags of the staff list.

    The reviews and results models are named at call time (this app sits below them):
    ``overdue_review`` is the SQL of ``reviews.selectors.overdue_q`` for one track (a test
    holds them equal); ``ranking_flag`` is any flag the last aggregation stored.
    """
    now = now or timezone.now()
    assignment = apps.get_model("reviews", "Assignment")
    conflict = apps.get_model("reviews", "ConflictDeclaration")
    result = apps.get_model("results", "ApplicationResult")
    late = Q(due_at__lt=now)
    if track.review_deadline is not None and track.review_deadline < now:
        late |= Q(due_at__isnull=True)
    return {
        "over_budget": ExpressionWrapper(
            Q(budget_requested__lt=track.budget_floor)
            | Q(budget_requested__gt=track.budget_ceiling),
            output_field=BooleanField(),
        ),
        "conflict": Exists(conflict.objects.filter(application=OuterRef("pk"), has_conflict=True))
        | Exists(
            assignment.objects.filter(application=OuterRef("pk"), status=assignment.Status.CONFLICT)
        ),
        "overdue_review": Exists(
            assignment.objects.filter(
                late, application=OuterRef("pk"), status__in=assignment.OPEN_STATUSES
            )
        ),
        "clarification_late": Exists(
            ClarificationRequest.objects.filter(
                application=OuterRef("pk"),
                status=ClarificationRequest.Status.OPEN,
                due_at__lt=now,
            )
        ),
        "ranking_flag": Exists(result.objects.filter(application=OuterRef("pk")).exclude(flags=[])),
    }


def staff_applications_for_track(
    track: Track,
    *,
    status: str = "",
    country: str = "",
    flag: str = "",
    reviewer_id: int | None = None,
    q: str = "",
    sort: str = "reference",
    now=None,
) -> QuerySet[Application]:
    """Every application of the track that staff may see (never drafts), filtered and sorted
    in SQL for the staff list. Each row carries ``reviewer_count`` (active reviewers) and one
    boolean per flag of ``STAFF_LIST_FLAGS`` (``flag_<code>``), so a page of any size costs one
    query. The caller checks that the user runs the track (``projects.manage_track``)."""
    assignment = apps.get_model("reviews", "Assignment")
    flags = staff_list_flags(track, now=now)
    qs = track.applications.exclude(status__in=HIDDEN_FROM_STAFF)
    if status:
        qs = qs.filter(status=status)
    if country:
        qs = qs.filter(country__code=country)
    if flag in flags:
        qs = qs.filter(flags[flag])
    if reviewer_id:
        qs = qs.filter(
            Exists(
                assignment.objects.filter(
                    application=OuterRef("pk"),
                    reviewer_id=reviewer_id,
                    status__in=assignment.ACTIVE_STATUSES,
                )
            )
        )
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    active = assignment.objects.filter(
        application=OuterRef("pk"), status__in=assignment.ACTIVE_STATUSES
    )
    return (
        qs.select_related("organization", "country", "city")
        .annotate(
            reviewer_count=Coalesce(
                Subquery(
                    active.order_by().values("application").annotate(n=Count("pk")).values("n")[:1]
                ),
                0,
            ),
            **{f"flag_{code}": expression for code, expression in flags.items()},
        )
        .order_by(*STAFF_LIST_SORTS.get(sort, STAFF_LIST_SORTS["reference"]))
    )


def status_counts_for_track(track: Track) -> dict[str, int]:
    """How many of the track's applications (drafts left out) are in each status: one query."""
    rows = (
        track.applications.exclude(status__in=HIDDEN_FROM_STAFF)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


# --- What a reader may not see of an application, by rules of the apps above ---------------
#
# Anonymised review (``reviews.ReviewSettings``) withholds the applicant's identity from
# reviewers. This app cannot ask ``reviews`` (it sits below it), so ``ReviewsConfig.ready``
# registers here a hook that, for one user, returns ``(application id, data) -> data`` (the
# API representation with what the user may not see blanked) or None when nothing is withheld.
APPLICATION_DATA_FILTERS: list = []


def application_data_filter(user):
    """The registered hooks' filters for ``user`` combined into one, or None when none
    applies: the API's application resource passes every representation through it."""
    filters = [f for f in (hook(user) for hook in APPLICATION_DATA_FILTERS) if f is not None]
    if not filters:
        return None

    def apply(application_id: int, data: dict) -> dict:
        for each in filters:
            data = each(application_id, data)
        return data

    return apply


def document_file_name(document, user) -> str:
    """The name ``user`` downloads ``document`` under: its original name, or what the API's
    representation gives them instead (a neutral name in anonymised review), through the same
    hooks (``application_data_filter``), so the download never tells more than the list."""
    withhold = application_data_filter(user)
    if withhold is None:
        return document.original_name
    data = withhold(
        document.application_id,
        {
            "reference": document.application.reference,
            "documents": [{"kind": document.kind, "original_name": document.original_name}],
        },
    )
    return data["documents"][0]["original_name"]


# --- Notices to a track's applicants (services.send_applicant_notice) -----------------------

_NOTICE_STATUSES = {
    "drafts": (Application.Status.DRAFT,),
    "sent": Application.SITE_TAKEN_STATUSES,
}


def notice_recipients(track: Track, audience: str):
    """The users a notice to ``audience`` of the track reaches: every member who receives
    mail (``accounts.selectors.reachable_users``) of each organisation with an application of
    the track in the audience's statuses (a draft; sent: a proposal or concept note submitted
    and not withdrawn; all: both), once each."""
    statuses = _NOTICE_STATUSES.get(audience) or (
        _NOTICE_STATUSES["drafts"] + tuple(_NOTICE_STATUSES["sent"])
    )
    organisations = Application.objects.filter(track=track, status__in=statuses).values(
        "organization_id"
    )
    return (
        reachable_users()
        .filter(memberships__organization_id__in=organisations)
        .distinct()
        .order_by("pk")
    )


def notice_audience_sizes(track: Track) -> dict[str, int]:
    """How many people each audience of a notice to the track would reach, for the form."""
    return {
        audience: notice_recipients(track, audience).count()
        for audience in ("all", "drafts", "sent")
    }
