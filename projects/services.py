"""Writes for calls, tracks and the funded portfolio."""

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.audit import record_audit_event
from core.domain import DomainError, clean_or_refuse, require_permission
from core.transitions import apply_transition
from projects.models import Call, City, Country, Event, Project, Track
from projects.rules import CONFIGURE_CALL
from projects.selectors import projects_for_staff

S = Call.Status
CALL_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PUBLISHED},
    S.PUBLISHED: {S.DRAFT, S.OPEN},
    S.OPEN: {S.CLOSED},
    S.CLOSED: {S.OPEN, S.IN_REVIEW},
    S.IN_REVIEW: {S.DECIDED},
    S.DECIDED: {S.ARCHIVED},
    S.ARCHIVED: set(),
}


@transaction.atomic
def transition_call(*, call: Call, to: str, actor=None, reason: str = "") -> Call:
    """Move a call along its lifecycle; refuses moves outside ``CALL_TRANSITIONS``.

    Writes an audit row. Does not check the dates: ``sync_call_statuses`` does that.
    """
    return apply_transition(
        call,
        to=to,
        table=CALL_TRANSITIONS,
        actor=actor,
        refusal=_("A call cannot go from “%(old)s” to “%(new)s”."),
        reason=reason,
    )


def sync_call_statuses(*, now=None) -> list[tuple[int, str]]:
    """Open published calls whose opening time has come and close open calls past their closing
    time. The server's clock decides (times stored in UTC, entered in Asia/Seoul).
    Returns the (call id, new status) pairs changed; idempotent."""
    now = now or timezone.now()
    changed = []
    for call in Call.objects.filter(status=S.PUBLISHED, opens_at__lte=now, closes_at__gt=now):
        transition_call(call=call, to=S.OPEN, reason="opening time reached")
        changed.append((call.pk, S.OPEN))
    for call in Call.objects.filter(status=S.OPEN, closes_at__lte=now):
        transition_call(call=call, to=S.CLOSED, reason="closing time reached")
        changed.append((call.pk, S.CLOSED))
    return changed


# A funded project closes once, either way.
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    Project.Status.ACTIVE: {Project.Status.COMPLETED, Project.Status.CANCELLED},
}


@transaction.atomic
def set_project_status(*, project: Project, to: str, actor, reason: str = "") -> Project:
    """Change a funded project's status (active, completed, cancelled); audited."""
    if Project.objects.filter(pk=project.pk, status=to).exists():
        return project
    return apply_transition(
        project,
        to=to,
        table=PROJECT_TRANSITIONS,
        actor=actor,
        refusal=_("Only an active project can change its status."),
        reason=reason,
    )


# --- The catalogue in the back office: calls, tracks, funded projects, reference data ------
#
# Programme admins configure the programme; every change is audited with the old and new
# value of each field. Statuses never change here (the transition services do that), nor does
# anything another service owns: the release of decisions, a track's review settings and the
# lock of its criteria (the review screens), a project's budget and contractor (the award and
# the contractor selection).

NOT_PROGRAMME_ADMIN = _("Only a programme admin can configure the programme.")


def _values(instance: models.Model, names) -> dict[str, str]:
    return {name: str(getattr(instance, name)) for name in names}


def _refuse_fields(names, allowed) -> None:
    fixed = set(names) - set(allowed)
    if fixed:
        raise DomainError(
            _("These fields cannot be changed now: %(fields)s")
            % {"fields": ", ".join(sorted(fixed))},
            code="fixed_field",
            field=sorted(fixed)[0],
        )


def _update(instance: models.Model, *, actor, fields: dict, allowed) -> models.Model:
    _refuse_fields(fields, allowed)
    instance = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    old = _values(instance, fields)
    for name, value in fields.items():
        setattr(instance, name, value)
    clean_or_refuse(instance)
    instance.save()
    record_audit_event(
        subject=instance,
        action="updated",
        actor=actor,
        detail={"old": old, "new": _values(instance, fields)},
    )
    return instance


def _create(model, *, actor, fields: dict, allowed) -> models.Model:
    _refuse_fields(fields, allowed)
    instance = model(**fields)
    clean_or_refuse(instance)
    instance.save()
    record_audit_event(
        subject=instance, action="created", actor=actor, detail={"new": _values(instance, fields)}
    )
    return instance


# What a programme admin sets on a call; status and the release of decisions are not among them.
CALL_FIELDS = (
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
    "project",
    "reported_applications",
    "reported_applicant_countries",
)
# Fixed once anyone has started an application: they say what the applicants applied to.
CALL_FIELDS_FIXED_ONCE_APPLIED = ("year", "kind", "project")


def call_editable_fields(call: Call) -> tuple[str, ...]:
    """The fields of ``call`` that ``update_call`` still changes."""
    if call.applications.exists():
        return tuple(f for f in CALL_FIELDS if f not in CALL_FIELDS_FIXED_ONCE_APPLIED)
    return CALL_FIELDS


@transaction.atomic
def create_call(*, actor, **fields) -> Call:
    """A programme admin creates a call, as a draft (``transition_call`` publishes, opens and
    closes it). Audited as ``created``. Refuses fields outside ``CALL_FIELDS``."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    return _create(Call, actor=actor, fields=fields, allowed=CALL_FIELDS)


@transaction.atomic
def update_call(*, call: Call, actor, **fields) -> Call:
    """A programme admin changes a call's texts, dates and reported figures; audited as
    ``updated`` with old and new values. Refuses the status (``transition_call``), the
    release of decisions (``results.services.release_decisions``) and, once an application
    exists, the year, kind and project."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    return _update(call, actor=actor, fields=fields, allowed=call_editable_fields(call))


TRACK_DESCRIPTION_FIELDS = ("name", "name_ko", "description", "description_ko", "order")
# The published terms of a track: who runs it, who may apply, for how much, what to upload,
# how scores add up. Fixed once the call opens or anyone has applied.
TRACK_TERMS_FIELDS = (
    "code",
    "kind",
    "secretariat",
    "applicant_kind",
    "budget_floor",
    "budget_ceiling",
    "total_budget",
    "target_awards",
    "required_documents",
    "official_aggregate",
    "price_weight",
)
# The review settings a new track starts with; afterwards they change on the review screens
# (``reviews.services.update_review_settings``, the same names as its REVIEW_SETTINGS_FIELDS).
TRACK_REVIEW_FIELDS = (
    "min_reviewers",
    "max_reviewer_load",
    "review_deadline",
    "min_justification_length",
    "overall_threshold",
    "spread_threshold",
)
TERMS_OPEN_CALL_STATUSES = (Call.Status.DRAFT, Call.Status.PUBLISHED)


def track_terms_are_fixed(track: Track) -> bool:
    """Whether the track's terms are settled: its call has opened, or someone has applied."""
    return track.call.status not in TERMS_OPEN_CALL_STATUSES or track.applications.exists()


def track_editable_fields(track: Track) -> tuple[str, ...]:
    """The fields of ``track`` that ``update_track`` still changes."""
    if track_terms_are_fixed(track):
        return TRACK_DESCRIPTION_FIELDS
    return TRACK_DESCRIPTION_FIELDS + TRACK_TERMS_FIELDS


@transaction.atomic
def create_track(*, actor, call: Call, **fields) -> Track:
    """A programme admin adds a track to a call that has not opened yet; audited as
    ``created``."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    if call.status not in TERMS_OPEN_CALL_STATUSES:
        raise DomainError(
            _("Tracks are added while the call is a draft or published."), field="call"
        )
    allowed = TRACK_DESCRIPTION_FIELDS + TRACK_TERMS_FIELDS + TRACK_REVIEW_FIELDS
    return _create(Track, actor=actor, fields={"call": call, **fields}, allowed=("call", *allowed))


@transaction.atomic
def update_track(*, track: Track, actor, **fields) -> Track:
    """A programme admin changes a track's names and description, and its terms until they
    are fixed (``track_terms_are_fixed``); audited as ``updated`` with old and new values.
    Never the call, the review settings or the criteria lock."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    return _update(track, actor=actor, fields=fields, allowed=track_editable_fields(track))


PROJECT_DESCRIPTION_FIELDS = ("name", "name_ko", "summary", "summary_ko", "starts_on", "ends_on")
# The facts of a project from before the portal, kept by hand; a portal project takes them
# from its application, its award and its contractor selection.
PROJECT_RECORD_FIELDS = (
    "code",
    "year",
    "track_kind",
    "country",
    "city",
    "budget_krw",
    "partner",
    "contractor",
)


def project_editable_fields(project: Project, user) -> tuple[str, ...]:
    """The fields of ``project`` that ``update_project`` changes for ``user``: the description
    for staff who follow the project, and a historical project's record for programme
    admins."""
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        if project.source == Project.Source.HISTORICAL:
            return PROJECT_DESCRIPTION_FIELDS + PROJECT_RECORD_FIELDS
        return PROJECT_DESCRIPTION_FIELDS
    if projects_for_staff(user).filter(pk=project.pk).exists():
        return PROJECT_DESCRIPTION_FIELDS
    return ()


@transaction.atomic
def update_project(*, project: Project, actor, **fields) -> Project:
    """Change a funded project's description (staff who follow it) or a historical
    project's record (programme admins); audited as ``updated`` with old and new values.
    Never the status (``set_project_status``), the source, or a portal project's budget,
    partner, place and contractor."""
    allowed = project_editable_fields(project, actor)
    if not allowed:
        raise DomainError(_("You do not follow this project."), code="forbidden")
    return _update(project, actor=actor, fields=fields, allowed=allowed)


@transaction.atomic
def set_historical_project_status(*, project: Project, to: str, actor, reason: str = "") -> Project:
    """``set_project_status`` for a project from before the portal. A portal project follows
    its award (``awards.services.advance_award`` completes it, ``cancel_award`` cancels it and
    offers the reserve list), so it is refused here."""
    if project.source != Project.Source.HISTORICAL:
        raise DomainError(
            _("A project awarded through the portal follows its award: change the award."),
            code="follows_award",
        )
    return set_project_status(project=project, to=to, actor=actor, reason=reason)


# Reference data: what the map, the portfolio and the events page show.
REFERENCE_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Country: ("code", "iso3", "name", "name_ko", "region"),
    City: ("country", "name", "name_ko", "latitude", "longitude", "population"),
    Event: (
        "kind",
        "name",
        "name_ko",
        "partners",
        "city",
        "starts_on",
        "ends_on",
        "description",
    ),
}


@transaction.atomic
def save_reference_entry(*, entry: models.Model, actor, **fields) -> models.Model:
    """A programme admin adds (``entry`` unsaved) or corrects a country, city or event;
    audited as ``created`` / ``updated`` with the values."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    allowed = REFERENCE_FIELDS.get(type(entry))
    if allowed is None:
        raise DomainError(_("This is not reference data."), code="invalid")
    if entry.pk is None:
        return _create(type(entry), actor=actor, fields=fields, allowed=allowed)
    return _update(entry, actor=actor, fields=fields, allowed=allowed)


@transaction.atomic
def delete_event(*, event: Event, actor) -> None:
    """A programme admin deletes an event; the audit row keeps its name and dates."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    record_audit_event(
        subject=event,
        action="deleted",
        actor=actor,
        detail={"old": _values(event, REFERENCE_FIELDS[Event])},
    )
    event.delete()
