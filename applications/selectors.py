"""Reads of applications with visibility applied once, for pages, the API and exports."""

from __future__ import annotations

# Statuses a reviewer's or staff member's view never shows (unsubmitted work is the applicant's).
from dataclasses import (
    dataclass,
)

from django.apps import apps
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.audit import audit_events_for
from applications.models import Application, ClarificationRequest, Document
from core.templatetags.portal_format import krw
from projects.models import Track
from projects.selectors import staff_tracks

HIDDEN_FROM_STAFF = (Application.Status.DRAFT,)


def applications_for_user(user, *, call=None, track=None) -> QuerySet[Application]:
    """Every application the user may see, with what list pages need joined.

    Applicants: their organisations' applications. Reviewers: applications assigned to them and
    not declined or conflicted. Staff: submitted applications of their tracks. Admins: all
    submitted applications. A user with several roles sees the union.
    """
    if not user.is_authenticated:
        return Application.objects.none()
    visible = Q(organization__memberships__user=user)
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
    return qs.select_related("call", "track", "organization", "country", "city").distinct()


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


def undeclared_application_ids(user) -> QuerySet:
    """Ids (a ``values("application")`` subquery) of applications the user is assigned to
    review but has not yet declared no conflict on: the rule ``reviews.read_assigned_application``
    lets a reviewer read an application only after that."""
    assignment = apps.get_model("reviews", "Assignment")
    return (
        assignment.objects.filter(reviewer=user)
        .annotate(declared=declared_no_conflict(user))
        .filter(declared=False)
        .values("application")
    )


def readable_applications_for_user(user) -> QuerySet[Application]:
    """``applications_for_user`` without the applications whose content the user may not read
    yet (assigned for review, no declaration). For lists that show the whole application
    (the API); the title-only reviewer pages use ``applications_for_user``."""
    if not user.is_authenticated:
        return Application.objects.none()
    return applications_for_user(user).exclude(pk__in=undeclared_application_ids(user))


def is_owner(user, application: Application) -> bool:
    return user.is_authenticated and application.organization.memberships.filter(user=user).exists()


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
    ("consortium", _("Consortium")),
    ("documents", _("Documents")),
)
SECTION_LABELS = dict(SECTIONS)

# Statuses an applicant never sees until the decision is released: "under review" instead.
UNRELEASED_STATUSES = (S.REVIEWED, S.SELECTED, S.RESERVE, S.REJECTED, S.AWARDED)


def sections_for_track(track: Track) -> list[tuple[str, str]]:
    """The sections that apply to a track: priority for planning, consortium for demonstration."""
    keys = []
    for key, label in SECTIONS:
        if key == "priority" and track.kind != Track.Kind.PLANNING:
            continue
        if key == "consortium" and track.kind != Track.Kind.DEMONSTRATION:
            continue
        keys.append((key, label))
    return keys


def applications_for_applicant(user) -> QuerySet[Application]:
    """The applications of the user's organisations, for the applicant dashboard."""
    if not user.is_authenticated:
        return Application.objects.none()
    return (
        Application.objects.filter(organization__memberships__user=user)
        .select_related("call", "track", "organization", "country", "city", "decision")
        .distinct()
        .order_by("-created_at")
    )


def decision_is_released(application: Application) -> bool:
    """Whether the applicant may know the outcome: the decision or the call's release passed."""
    released = application.call.decisions_released_at
    if released is not None and released <= timezone.now():
        return True
    return released_decision(application) is not None


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
    """Sections the applicant may change now: all while a draft, the named ones in clarification."""
    applicable = {key for key, _label in sections_for_track(application.track)}
    if application.status == S.DRAFT:
        return applicable
    if application.status == S.CLARIFICATION:
        request = open_clarification(application)
        return applicable & set(request.sections if request else [])
    return set()


@dataclass(frozen=True)
class Problem:
    section: str
    message: str
    anchor: str = ""

    @property
    def section_label(self) -> str:
        return str(SECTION_LABELS.get(self.section, self.section))


def submission_problems(application: Application) -> list[Problem]:
    """Everything that stops the application from being submitted, each tied to its section."""
    track = application.track
    problems: list[Problem] = []
    keys = {key for key, _label in sections_for_track(track)}

    def need(section, field, message):
        if not getattr(application, field):
            problems.append(Problem(section, message, f"id_{field}"))

    need("applicant", "contact_name", _("Give a contact person."))
    need("applicant", "contact_email", _("Give the contact person's e-mail address."))
    need("site", "country", _("Choose the country of the site."))
    need("site", "city", _("Choose or name the city of the site."))
    need("project", "title", _("Give the project a title."))
    need("project", "summary", _("Write a summary of the project."))
    need("project", "objectives", _("Describe the project's objectives."))
    need("project", "requested_deliverable", _("Choose the requested deliverable."))
    if application.budget_requested is None:
        problems.append(
            Problem("budget", _("Give the requested amount in KRW."), "id_budget_requested")
        )
    elif not track.budget_floor <= application.budget_requested <= track.budget_ceiling:
        problems.append(
            Problem(
                "budget",
                _("The requested amount must be between %(floor)s and %(ceiling)s.")
                % {"floor": krw(track.budget_floor), "ceiling": krw(track.budget_ceiling)},
                "id_budget_requested",
            )
        )
    if "consortium" in keys:
        roles = [m.role for m in application.consortium_members.all()]
        if "lead" not in roles:
            problems.append(Problem("consortium", _("Name the Korean lead company.")))
        if "overseas_public_partner" not in roles:
            problems.append(
                Problem(
                    "consortium",
                    _(
                        "Add the overseas public partner (government, public institution or "
                        "university); it is mandatory."
                    ),
                )
            )
    present = {d.kind for d in application.documents.all()}
    kinds = dict(Document.Kind.choices)
    for kind in track.required_documents:
        if kind not in present:
            problems.append(
                Problem(
                    "documents",
                    _("Upload the required document: %(kind)s.") % {"kind": kinds.get(kind, kind)},
                )
            )
    if application.city_id and application.status == S.DRAFT:
        duplicate = (
            Application.objects.filter(
                call=application.call,
                organization=application.organization,
                city=application.city,
                status__in=Application.SUBMITTED_STATUSES,
            )
            .exclude(pk=application.pk)
            .exists()
        )
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
    return problems


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
        if status in (S.INELIGIBLE, S.WITHDRAWN, S.CLARIFICATION):
            reason = (event.detail or {}).get("reason", "")
        items.append(
            {
                "at": event.created_at,
                "status": status,
                "label": S(status).label if status in S.values else status,
                "reason": reason,
            }
        )
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
