"""Writes for calls, tracks and the funded portfolio."""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.audit import audit_events_for, record_audit_event, recording_time
from core.concurrency import refuse_if_row_changed
from core.domain import DomainError, clean_or_refuse, require_permission
from core.file_deletion import delete_after_commit
from core.storage import REMOTE_STORAGE_ERRORS
from core.timezones import korea_time
from core.transitions import apply_transition
from core.uploads import StorageUnavailable, store_upload, validate_upload
from projects import selectors
from projects.models import (
    NEW_OWN_DOCUMENT_KIND,
    Call,
    City,
    Country,
    DocumentKind,
    DocumentRequirement,
    Event,
    EventMaterial,
    EventParticipant,
    Project,
    Track,
    is_own_document_kind,
)
from projects.rules import CONFIGURE_CALL, MANAGE_EVENTS, MANAGE_TRACK
from projects.selectors import projects_for_staff

logger = logging.getLogger(__name__)

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


class CallNotReady(DomainError):
    """The call cannot open: ``call_problems`` names what is missing (``problems``)."""

    code = "call_not_ready"

    def __init__(self, problems: list["CallProblem"]):
        super().__init__(
            _("The call cannot open yet: %(problems)s")
            % {"problems": " ".join(str(p.message) for p in problems)},
            # A closing time in the past is the closing time's problem: shown next to it.
            field="closes_at" if any(p.code == "closes_at" for p in problems) else None,
        )
        self.problems = problems


@transaction.atomic
def transition_call(*, call: Call, to: str, actor=None, reason: str = "") -> Call:
    """Move a call along its lifecycle; refuses moves outside ``CALL_TRANSITIONS``.

    Writes an audit row. Opening (from published, or again from closed) is refused with
    ``CallNotReady`` while ``call_problems`` finds anything (a closing time already past too,
    whether the call opens for the first time or again): this is the one place that refuses,
    whoever asks (the staff, the admin's action, the beat job). Does not open or close by the
    dates: ``sync_call_statuses`` does that.
    """
    if to == S.OPEN:
        current = Call.objects.get(pk=call.pk)
        if current.status != S.OPEN:
            problems = call_problems(current)
            if problems:
                raise CallNotReady(problems)
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
    A call that is not ready (``call_problems``) stays published: logged, and audited once
    per set of problems (``open_refused``), not at every run. Returns the (call id, new
    status) pairs changed; idempotent."""
    now = now or timezone.now()
    changed = []
    for call in Call.objects.filter(status=S.PUBLISHED, opens_at__lte=now, closes_at__gt=now):
        try:
            transition_call(call=call, to=S.OPEN, reason="opening time reached")
        except CallNotReady as refused:
            _record_open_refused(call, refused.problems)
            continue
        changed.append((call.pk, S.OPEN))
    for call in Call.objects.filter(status=S.OPEN, closes_at__lte=now):
        transition_call(call=call, to=S.CLOSED, reason="closing time reached")
        changed.append((call.pk, S.CLOSED))
    return changed


@transaction.atomic
def _record_open_refused(call: Call, problems: list["CallProblem"]) -> None:
    """The beat job could not open ``call``: log it, and audit it unless the last refusal
    named the same problems (the job runs every few minutes)."""
    messages = [str(p.message) for p in problems]
    logger.warning("Call %s not opened at its date: %s", call.slug, "; ".join(messages))
    last = audit_events_for(call).filter(action="open_refused").last()
    if last is not None and last.detail.get("problems") == messages:
        return
    record_audit_event(
        subject=call,
        action="open_refused",
        old_value=call.status,
        new_value=call.status,
        detail={"problems": messages, "reason": "opening time reached"},
    )


# --- Readiness: what stops a call from opening ------------------------------------------------


@dataclass(frozen=True)
class CallProblem:
    """One thing that stops a call from opening; ``track`` when it is a track's."""

    message: str
    track: Track | None = None
    code: str = ""


#: Checks of the apps above this one (criteria from ``reviews``, questions from
#: ``applications``), each ``check(call) -> iterable of CallProblem``, registered in their
#: ``AppConfig.ready`` with ``register_readiness_check``.
READINESS_CHECKS: list[Callable[[Call], Iterable[CallProblem]]] = []


def register_readiness_check(check: Callable[[Call], Iterable[CallProblem]]) -> None:
    """Add a check to ``call_problems`` (once, however often the app is made ready)."""
    if check not in READINESS_CHECKS:
        READINESS_CHECKS.append(check)


def _date_problems(call: Call, tracks: list[Track]) -> list[CallProblem]:
    # When the dates fall is the beat job's business (it opens and closes calls on time): a
    # call may be opened by hand after its opening time. A call opens (a published call for
    # the first time, or a closed one again to take late proposals) only with a closing time
    # still ahead: past it, no proposal could be submitted (the clock decides,
    # ``Call.is_accepting_applications``), the public page would say "Closed" and the beat job
    # would close the call again. (History loaded through the services is judged at the time
    # it is recorded: ``recording_time``.)
    problems = []
    if call.closes_at <= recording_time():
        problems.append(
            CallProblem(
                _(
                    "The closing time (%(date)s, Korea time) has passed: move the closing time "
                    "first, then open the call."
                )
                % {"date": korea_time(call.closes_at)},
                code="closes_at",
            )
        )
    if call.closes_at <= call.opens_at:
        problems.append(CallProblem(_("The call must close after it opens."), code="dates"))
    if call.two_stage and call.concept_closes_at is None:
        problems.append(
            CallProblem(
                _("A two-stage call needs the deadline of its concept notes."),
                code="concept_deadline",
            )
        )
    for track in tracks:
        if track.review_deadline is not None and track.review_deadline <= call.closes_at:
            problems.append(
                CallProblem(
                    _("%(track)s: the review deadline must come after the call closes.")
                    % {"track": track.display_name},
                    track,
                    "review_deadline",
                )
            )
    return problems


def _track_problems(track: Track) -> list[CallProblem]:
    problems = []
    budgets = (track.budget_floor, track.budget_ceiling, track.total_budget)
    if not all(budgets) or not track.target_awards:
        problems.append(
            CallProblem(
                _(
                    "%(track)s: set the per-project budget, the total budget and the number of awards."
                )
                % {"track": track.display_name},
                track,
                "budget",
            )
        )
    elif not track.budget_floor <= track.budget_ceiling <= track.total_budget:
        problems.append(
            CallProblem(
                _("%(track)s: the budgets must read floor ≤ ceiling ≤ total.")
                % {"track": track.display_name},
                track,
                "budget",
            )
        )
    if not selectors.required_document_kinds(track):
        problems.append(
            CallProblem(
                _("%(track)s: require at least one document.") % {"track": track.display_name},
                track,
                "documents",
            )
        )
    return problems


def call_problems(call: Call) -> list[CallProblem]:
    """Everything that stops ``call`` from opening, in the order staff fix it: the dates (it
    closes after it opens, each review deadline after it closes), then per track its budgets
    and required documents, then the checks the apps above registered (``READINESS_CHECKS``:
    the criteria add up to the points the scoring expects, …). Empty when the call is ready.
    Reads only."""
    tracks = list(
        call.tracks.select_related("secretariat").prefetch_related("document_requirements")
    )
    problems = _date_problems(call, tracks)
    for track in tracks:
        problems.extend(_track_problems(track))
    for check in READINESS_CHECKS:
        problems.extend(check(call))
    return problems


# --- "New call from this one" -----------------------------------------------------------------

#: Copiers of the apps above this one, each ``copier(*, source, copy, tracks, actor)`` with
#: ``tracks`` mapping each source track's id to its copy; a copier may return a dict that goes
#: into the copy's audit row (e.g. ``{"criteria": 8}``). ``reviews`` copies criteria; questions
#: and message templates register theirs the same way (``register_call_copier``).
CALL_COPIERS: list[Callable[..., dict | None]] = []


def register_call_copier(copier: Callable[..., dict | None]) -> None:
    """Add a copier to ``copy_call`` (once)."""
    if copier not in CALL_COPIERS:
        CALL_COPIERS.append(copier)


# What a new call takes from last year's: the texts. Dates are new, the status is draft, and
# the project, reported intake and release of decisions belong to the old call alone.
COPIED_CALL_FIELDS = (
    "kind",
    "description",
    "description_ko",
    "eligibility",
    "eligibility_ko",
    "two_stage",
)
# A track's fields that are not its terms or settings: the copy gets its own.
NOT_COPIED_TRACK_FIELDS = ("id", "call", "criteria_locked_at", "review_deadline")


def _copy_template(source: DocumentRequirement, copy: DocumentRequirement) -> None:
    """Give ``copy`` a file of its own with the source's template, so removing one never
    removes the other's."""
    if not source.template:
        return
    # The source's file is read first: a file gone from the storage, or a storage that cannot
    # be read (the bucket down, a disk error), refuses the copy with the reason (nothing is
    # saved: the copy is one transaction) instead of a 500; a failed write is refused by
    # ``store_upload``.
    try:
        with source.template.open("rb") as handle:
            content = ContentFile(handle.read())
    except FileNotFoundError as exc:
        raise DomainError(
            _(
                "The template of “%(name)s” is no longer in the server's storage: upload it "
                "again on this call, or remove it, then copy the call."
            )
            % {"name": source.display_name},
            code="template_missing",
        ) from exc
    except (OSError, *REMOTE_STORAGE_ERRORS) as exc:
        logger.error("Template %s of %s not read: %s", source.template.name, source.pk, exc)
        raise StorageUnavailable(
            _(
                "The call could not be copied: the template of “%(name)s” could not be read "
                "from the server's storage. Nothing was saved; please try again later."
            )
            % {"name": source.display_name}
        ) from exc
    store_upload(copy.template, "template", content)


@transaction.atomic
def copy_call(
    *,
    call: Call,
    actor,
    year: int,
    slug: str,
    name: str,
    name_ko: str = "",
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    concept_closes_at: datetime.datetime | None = None,
) -> Call:
    """A programme admin starts next year's call from ``call``: a new draft call with the
    given year, slug, title and dates, the same texts, and a copy of every track (budgets,
    kind, secretariat, review settings; a review deadline moved by as much as the closing
    date), of its document requirements (templates included) and of what the apps above
    copy (``CALL_COPIERS``: criteria with their guidance, …). The copies are independent of
    the originals; a two-stage call's copy is two-stage, with its own concept notes' deadline
    (``concept_closes_at``, required then, ignored otherwise). One audit row, on the new call, naming its source. Nothing is opened:
    ``call_problems`` says what the new call still needs."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    if call.kind == Call.Kind.CONTRACTOR_SELECTION:
        raise DomainError(
            _("A contractor selection belongs to its project and is not copied."),
            code="not_copied",
        )
    if call.two_stage and concept_closes_at is None:
        raise DomainError(
            _("The call is two-stage: give the deadline of the new call's concept notes."),
            code="invalid",
            field="concept_closes_at",
        )
    new_call = Call(
        year=year,
        slug=slug,
        name=name,
        name_ko=name_ko,
        opens_at=opens_at,
        closes_at=closes_at,
        concept_closes_at=concept_closes_at if call.two_stage else None,
        status=Call.Status.DRAFT,
        **{field: getattr(call, field) for field in COPIED_CALL_FIELDS},
    )
    clean_or_refuse(new_call)
    new_call.save()
    shift = closes_at - call.closes_at
    tracks: dict[int, Track] = {}
    requirements = 0
    for track in call.tracks.prefetch_related("document_requirements").order_by("order", "id"):
        values = {
            f.attname: getattr(track, f.attname)
            for f in Track._meta.concrete_fields
            if f.name not in NOT_COPIED_TRACK_FIELDS
        }
        new_track = Track(call=new_call, **values)
        if track.review_deadline is not None:
            new_track.review_deadline = track.review_deadline + shift
        new_track.required_documents = list(track.required_documents or [])
        clean_or_refuse(new_track)
        new_track.save()
        tracks[track.pk] = new_track
        for requirement in selectors.document_requirements(track):
            copy = DocumentRequirement(
                track=new_track,
                **{
                    name: getattr(requirement, name)
                    for name in (*REQUIREMENT_FIELDS, "order", "template_name")
                },
            )
            _copy_template(requirement, copy)
            copy.full_clean()
            copy.save()
            requirements += 1
        _sync_required_documents(new_track)
    detail = {
        "source": call.pk,
        "source_slug": call.slug,
        "tracks": len(tracks),
        "document_requirements": requirements,
    }
    for copier in CALL_COPIERS:
        detail.update(copier(source=call, copy=new_call, tracks=tracks, actor=actor) or {})
    record_audit_event(subject=new_call, action="copied", actor=actor, detail=detail)
    return new_call


# --- A track's documents, configured by its staff ---------------------------------------------

# What staff set on a requirement (besides its order and template file).
REQUIREMENT_FIELDS = ("kind", "name", "name_ko", "formats", "max_size_mb", "is_required", "stage")
NOT_YOUR_TRACK = _("You do not work on this track.")


def _sync_required_documents(track: Track) -> None:
    """Write the required kinds, in order, to ``Track.required_documents``: the one place that
    keeps the list in step with the requirements, for the code that reads the list."""
    kinds = [
        r.kind
        for r in DocumentRequirement.objects.filter(track=track).order_by("order", "id")
        if r.is_required
    ]
    Track.objects.filter(pk=track.pk).update(required_documents=kinds)
    track.required_documents = kinds


def _configure_from_list(track: Track) -> None:
    """Before the first change to a track's documents made by code with only a list of kinds
    (``selectors.document_requirements`` reads them as requirements), save those requirements,
    so changing one keeps the others."""
    if DocumentRequirement.objects.filter(track=track).exists():
        return
    for requirement in selectors.document_requirements(track):
        requirement.full_clean()
        requirement.save()


def _requirement_values(requirement: DocumentRequirement) -> dict[str, str]:
    return {name: str(getattr(requirement, name)) for name in (*REQUIREMENT_FIELDS, "order")}


def _refuse_if_handed_in(track: Track, kind: str) -> None:
    if kind in selectors.submitted_document_kinds(track):
        raise DomainError(
            _(
                "Applicants have already submitted a “%(kind)s” on this track: the requirement "
                "stays. You may still rename it or make it optional."
            )
            % {"kind": selectors.document_kind_label(track, kind)},
            code="documents_submitted",
        )


def _next_own_document_kind(track: Track) -> str:
    """The key of the track's next document of its own: ``own-<n>`` after every one the track
    asks for or any of its applications still carries (a requirement removed while drafts held
    its documents), so a key never takes on a second meaning. The caller holds the track's
    row."""
    from django.apps import apps

    # The document model lives above this app; asked by name, never imported.
    Document = apps.get_model("applications", "Document")
    taken = set(
        DocumentRequirement.objects.filter(track=track, kind__startswith="own-").values_list(
            "kind", flat=True
        )
    )
    taken.update(
        Document.objects.filter(application__track=track, kind__startswith="own-").values_list(
            "kind", flat=True
        )
    )
    numbers = [int(kind[4:]) for kind in taken if is_own_document_kind(kind)]
    return f"own-{max(numbers, default=0) + 1}"


@transaction.atomic
def save_document_requirement(
    *,
    requirement: DocumentRequirement,
    actor,
    template=None,
    clear_template: bool = False,
    seen_version: str | None = None,
) -> DocumentRequirement:
    """Add (``requirement`` unsaved) or change a document a track asks for: its name in both
    languages, formats, size limit, whether it is required, and its template (``template``, an
    uploaded file checked like any upload; ``clear_template`` removes it). Staff of the track.
    The kind is one of ``DocumentKind`` or ``NEW_OWN_DOCUMENT_KIND``, a document of the track's
    own known by its name, which gets the key ``own-<n>``.

    A new requirement goes last. Changing the kind of one whose kind applicants already
    submitted is refused, as removing it is. Keeps ``Track.required_documents`` in step;
    audited as ``document_requirement_added`` / ``document_requirement_changed`` on the
    track with the old and new values. ``seen_version``: the fingerprint of the values the
    edit page showed; refused (``StaleEdit``) when a colleague changed them since."""
    track = requirement.track
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    if requirement.kind == DocumentKind.OTHER:
        raise DomainError(
            _("“Other” is the applicant's own choice; name a kind of document to require."),
            field="kind",
        )
    Track.objects.select_for_update().get(pk=track.pk)  # one writer of the track's list
    if requirement.kind == NEW_OWN_DOCUMENT_KIND:
        requirement.kind = _next_own_document_kind(track)
    created = requirement.pk is None
    old = {}
    old_template = ""
    if created:
        _configure_from_list(track)
        last = (
            DocumentRequirement.objects.filter(track=track)
            .order_by("-order")
            .values_list("order", flat=True)
            .first()
        )
        requirement.order = (last or 0) + 1
    else:
        stored = DocumentRequirement.objects.get(pk=requirement.pk)
        refuse_if_row_changed(stored, seen_version)
        old = _requirement_values(stored)
        old_template = stored.template.name
        if stored.kind != requirement.kind:
            _refuse_if_handed_in(track, stored.kind)
    if (
        DocumentRequirement.objects.filter(track=track, kind=requirement.kind)
        .exclude(pk=requirement.pk)
        .exists()
    ):
        raise DomainError(_("This track already asks for this kind of document."), field="kind")
    if template is not None:
        validate_upload(template)
        requirement.template_name = (template.name or "template")[-255:]
        store_upload(requirement.template, "template", template)
    elif clear_template:
        requirement.template = ""
        requirement.template_name = ""
    try:
        clean_or_refuse(requirement)
        requirement.save()
    except Exception:
        if template is not None:
            requirement.template.delete(save=False)  # no file without its row
        raise
    if old_template and old_template != requirement.template.name:
        delete_after_commit(old_template)
    _sync_required_documents(track)
    record_audit_event(
        subject=track,
        action="document_requirement_added" if created else "document_requirement_changed",
        actor=actor,
        detail={"old": old, "new": _requirement_values(requirement), "id": requirement.pk},
    )
    return requirement


@transaction.atomic
def move_document_requirement(*, requirement: DocumentRequirement, up: bool, actor) -> None:
    """Swap a requirement with its neighbour in the track's order (renumbered 1..n); audited
    on the track with the new order of kinds."""
    track = requirement.track
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    items = list(
        DocumentRequirement.objects.select_for_update().filter(track=track).order_by("order", "id")
    )
    index = next(i for i, r in enumerate(items) if r.pk == requirement.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    old_order = [r.kind for r in items]
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])
    _sync_required_documents(track)
    record_audit_event(
        subject=track,
        action="document_requirements_reordered",
        actor=actor,
        detail={"old": old_order, "new": [r.kind for r in items]},
    )


@transaction.atomic
def remove_document_requirement(*, requirement: DocumentRequirement, actor) -> None:
    """Stop asking for a document. Refused once applicants submitted that kind on the track
    (their applications answered it; make it optional instead). The template file goes after
    commit. Audited on the track with what was removed."""
    track = requirement.track
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    _refuse_if_handed_in(track, requirement.kind)
    template = requirement.template.name
    record_audit_event(
        subject=track,
        action="document_requirement_removed",
        actor=actor,
        detail={"old": _requirement_values(requirement), "id": requirement.pk},
    )
    requirement.delete()
    _sync_required_documents(track)
    if template:
        delete_after_commit(template)


# A funded project closes once, either way.
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    Project.Status.ACTIVE: {Project.Status.COMPLETED, Project.Status.CANCELLED},
}


@transaction.atomic
def set_project_public(*, project: Project, public: bool, actor) -> Project:
    """Show ``project`` in the public portfolio (``selectors.public_portfolio``) or take it
    out; audited. The award lifecycle calls it (an award approved shows its project, one
    cancelled hides it); it checks no permission of its own, like ``set_project_status``."""
    if Project.objects.filter(pk=project.pk, is_public=public).exists():
        project.is_public = public
        return project
    Project.objects.filter(pk=project.pk).update(is_public=public)
    record_audit_event(
        subject=project,
        action="published" if public else "unpublished",
        actor=actor,
        old_value=str(not public),
        new_value=str(public),
    )
    project.is_public = public
    return project


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
    "two_stage",
    "concept_closes_at",
    "project",
    "reported_applications",
    "reported_applicant_countries",
)
# Fixed once anyone has started an application: they say what the applicants applied to (and,
# for two_stage, whether the applications are concept notes).
CALL_FIELDS_FIXED_ONCE_APPLIED = ("year", "kind", "project", "two_stage")


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
# The published terms of a track: who runs it, who may apply, for how much, how scores add up.
# Fixed once the call opens or anyone has applied. What to upload is the track's document
# requirements (``save_document_requirement``), which keep ``required_documents`` in step.
TRACK_TERMS_FIELDS = (
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


#: What keeps a project from completing, said by the apps above (awards: a deliverable, a
#: payment request, an amendment or a tranche still waiting for a step); each takes the
#: project and returns its messages. Registered from ``AppConfig.ready`` with
#: ``register_closing_check``.
CLOSING_CHECKS: list[Callable[[Project], Iterable[str]]] = []


def register_closing_check(check: Callable[[Project], Iterable[str]]) -> None:
    """Add ``check`` to ``CLOSING_CHECKS`` (once)."""
    if check not in CLOSING_CHECKS:
        CLOSING_CHECKS.append(check)


@transaction.atomic
def set_historical_project_status(*, project: Project, to: str, actor, reason: str = "") -> Project:
    """``set_project_status`` for a project from before the portal. A portal project follows
    its award (``awards.services.advance_award`` completes it, ``cancel_award`` cancels it and
    offers the reserve list), so it is refused here. Only a programme admin (the rule the back
    office's actions ask, asked here too, whichever door calls)."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    if project.source != Project.Source.HISTORICAL:
        raise DomainError(
            _("A project awarded through the portal follows its award: change the award."),
            code="follows_award",
        )
    if to == Project.Status.COMPLETED:
        # What still waits for a step would wait for ever once the project is closed.
        waiting = [message for check in CLOSING_CHECKS for message in check(project)]
        if waiting:
            raise DomainError(" ".join(str(m) for m in waiting), code="not_ready")
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
    """A programme admin deletes an event (its participants and materials with it; the
    materials' files once the deletion is committed); the audit row keeps its name and dates."""
    require_permission(actor, CONFIGURE_CALL, message=NOT_PROGRAMME_ADMIN)
    record_audit_event(
        subject=event,
        action="deleted",
        actor=actor,
        detail={"old": _values(event, REFERENCE_FIELDS[Event])},
    )
    files = [m.file for m in event.materials.all() if m.file]
    event.delete()
    for file in files:
        delete_after_commit(file.name)


# --- Events: workshops, road shows and conferences ------------------------------------------
#
# Programme admins and secretariat staff record the programme's events (``MANAGE_EVENTS``), link
# them to the funded projects they concern (staff only to projects they follow), and add who took
# part and the materials shown there. Every event is public on the events page from the moment it
# is recorded, and so is every material attached to it (there is no draft event): a material is
# uploaded to be published. Every change is audited.

EVENT_FIELDS = REFERENCE_FIELDS[Event]
NOT_EVENT_STAFF = _("Only programme admins and secretariat staff record events.")


def _event_projects(actor, projects) -> list[Project]:
    """The projects to link, refused if the actor does not follow one of them."""
    projects = list(projects)
    followed = set(
        projects_for_staff(actor)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )
    foreign = [p for p in projects if p.pk not in followed]
    if foreign:
        raise DomainError(
            _("You do not follow these projects: %(codes)s")
            % {"codes": ", ".join(sorted(p.code for p in foreign))},
            code="forbidden",
            field="projects",
        )
    return projects


def _codes(event: Event) -> list[str]:
    return sorted(event.projects.values_list("code", flat=True))


@transaction.atomic
def create_event(*, actor, projects=(), **fields) -> Event:
    """Record a programme event (its kind, titles, partners such as the World Bank or IDB,
    place, dates, description) and link it to ``projects``; audited as ``created``. Public on
    the events page at once."""
    require_permission(actor, MANAGE_EVENTS, message=NOT_EVENT_STAFF)
    linked = _event_projects(actor, projects)
    event = _create(Event, actor=actor, fields=fields, allowed=EVENT_FIELDS)
    if linked:
        event.projects.set(linked)
        record_audit_event(
            subject=event, action="projects", actor=actor, detail={"new": _codes(event)}
        )
    return event


@transaction.atomic
def update_event(*, event: Event, actor, projects=None, **fields) -> Event:
    """Correct an event's fields and, when ``projects`` is given, set the projects it is linked
    to (a secretariat staff member may add or remove only projects they follow: a change to
    another is refused, so a page keeps those as they are); audited as ``updated`` and
    ``projects`` with the old and new values."""
    require_permission(actor, MANAGE_EVENTS, message=NOT_EVENT_STAFF)
    if fields:
        event = _update(event, actor=actor, fields=fields, allowed=EVENT_FIELDS)
    if projects is not None:
        wanted = {p.pk: p for p in projects}
        current = {p.pk: p for p in event.projects.all()}
        changed = [
            p for pk, p in {**wanted, **current}.items() if (pk in wanted) != (pk in current)
        ]
        if changed:
            _event_projects(actor, changed)
            old = _codes(event)
            event.projects.set(list(wanted.values()))
            record_audit_event(
                subject=event,
                action="projects",
                actor=actor,
                detail={"old": old, "new": _codes(event)},
            )
    return event


@transaction.atomic
def add_event_participant(
    *, event: Event, actor, name: str = "", organization=None, country=None, role: str = ""
) -> EventParticipant:
    """Add who took part in an event: an organisation of the portal (its name is the
    participant's unless another is given) or a named guest, with their country and role (e.g.
    "Speaker, World Bank"). Audited on the event. One name once per event (whatever its
    case): the same form sent twice adds no second row."""
    require_permission(actor, MANAGE_EVENTS, message=NOT_EVENT_STAFF)
    name = (name or "").strip() or (organization.name if organization is not None else "")
    if not name:
        raise DomainError(_("Give the participant's name or organisation."), field="name")
    # The event's row is locked: two identical posts at once wait for each other here.
    Event.objects.select_for_update().filter(pk=event.pk).first()
    if EventParticipant.objects.filter(event=event, name__iexact=name).exists():
        raise DomainError(
            _("%(name)s is already a participant of this event.") % {"name": name},
            code="duplicate",
            field="name",
        )
    if country is None and organization is not None and organization.country_code:
        country = Country.objects.filter(code=organization.country_code).first()
    participant = EventParticipant(
        event=event, organization=organization, name=name, country=country, role=role.strip()
    )
    clean_or_refuse(participant)
    participant.save()
    record_audit_event(
        subject=event,
        action="participant_added",
        actor=actor,
        new_value=name,
        detail={"participant": participant.pk, "role": participant.role},
    )
    return participant


@transaction.atomic
def remove_event_participant(*, participant: EventParticipant, actor) -> None:
    """Remove a participant entered by mistake; audited on the event with the name."""
    require_permission(actor, MANAGE_EVENTS, message=NOT_EVENT_STAFF)
    record_audit_event(
        subject=participant.event,
        action="participant_removed",
        actor=actor,
        old_value=participant.name,
    )
    participant.delete()


@transaction.atomic
def add_event_material(
    *, event: Event, actor, title: str, uploaded, title_ko: str = ""
) -> EventMaterial:
    """Attach a material (a presentation, the programme, a report) to an event: the file is
    checked by its content (``core.uploads.validate_upload``) and stored
    (``store_upload``); it is public on the events page from then on. Audited on the event."""
    require_permission(actor, MANAGE_EVENTS, message=NOT_EVENT_STAFF)
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the material a title."), field="title")
    kind = validate_upload(uploaded)
    material = EventMaterial(
        event=event,
        title=title,
        title_ko=(title_ko or "").strip(),
        original_name=uploaded.name[:255],
        content_type=kind.content_type,
        size=uploaded.size,
    )
    storage = material.file.storage
    name = store_upload(material.file, uploaded.name, uploaded)
    try:
        clean_or_refuse(material)
        material.save()
        record_audit_event(
            subject=event,
            action="material_added",
            actor=actor,
            new_value=title,
            detail={"material": material.pk, "file": material.original_name},
        )
    except Exception:
        storage.delete(name)
        raise
    return material


@transaction.atomic
def remove_event_material(*, material: EventMaterial, actor) -> None:
    """Take a material off an event: the row goes, its file after commit; audited."""
    require_permission(actor, MANAGE_EVENTS, message=NOT_EVENT_STAFF)
    record_audit_event(
        subject=material.event,
        action="material_removed",
        actor=actor,
        old_value=material.title,
        detail={"file": material.original_name},
    )
    name = material.file.name
    material.delete()
    delete_after_commit(name)
