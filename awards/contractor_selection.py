"""After the award: choosing the Korean company that carries out a funded planning project,
and the project's deliverables.

Contractor selection reuses the whole application and review machinery: it is a ``Call`` of
kind ``contractor_selection`` for one project, with one ``Track`` (applicants: Korean
companies) whose criteria are technical quality, local understanding and network in the
country. Companies apply with ordinary ``Application`` rows (their price is
``budget_requested``), reviewers score them, ``results.aggregation`` ranks them on the technical
score, and ``select_contractor`` weighs price in:

    price score = 100 · lowest price / own price
    combined    = (1 − w) · technical score + w · price score      (w = Track.price_weight)

The winner is recorded as ``Project.contractor``, and the selection's call moves to decided
through ``transition_call``. See docs/scoring.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.audit import record_audit_event
from accounts.models import Organization
from accounts.rules import is_programme_admin
from accounts.selectors import members_to_tell
from awards.models import Agreement, Deliverable, DeliverableVersion
from awards.services import transition_deliverable
from core.concurrency import StaleEdit
from core.domain import DomainError, clean_or_refuse, require_permission
from core.numbering import nth_of
from core.uploads import store_upload, validate_upload
from notifications.services import in_each_language, queue_message
from projects.models import Call, Project, Track
from projects.rules import MANAGE_TRACK
from projects.services import transition_call
from results.models import ApplicationResult, Decision
from results.services import propose_funding_line
from reviews.models import Criterion

TWO = Decimal("0.01")
PLANNING_KINDS = (Track.Kind.PLANNING, Track.Kind.SOLUTION_PLANNING)
# (code, English name, Korean name, max points, tie-break priority)
CONTRACTOR_CRITERIA = (
    ("technical_quality", "Technical quality", "기술 역량", Decimal(50), 1),
    ("local_understanding", "Understanding of the local context", "현지 이해도", Decimal(30), 2),
    ("local_network", "Network in the country", "현지 네트워크", Decimal(20), None),
)
# Calls whose winner may be recorded: proposals can no longer come in, and it is not archived.
WINNER_CALL_STATUSES = (Call.Status.CLOSED, Call.Status.IN_REVIEW, Call.Status.DECIDED)
# The deliverables each kind of project owes, each due at a share (in %) of the period of the
# agreement that carries the work, counted from its start (``deliverable_due_dates``). The final
# report is due before the agreement ends so that it can be reviewed and the last tranche paid
# within the agreement. One table: the contractor selection, the lifecycle and the pages read it.
K = Deliverable.Kind
PLANNING_DELIVERABLES = ((K.INCEPTION, 15), (K.INTERIM, 50), (K.TRAINING, 75), (K.FINAL, 95))
DEMONSTRATION_DELIVERABLES = (
    (K.INCEPTION, 10),
    (K.INTERIM, 40),
    (K.DEMONSTRATION, 75),
    (K.TRAINING, 85),
    (K.FINAL, 95),
)
# Until that agreement is signed: the project's own period, or this many days from its start.
DEFAULT_PERIOD_DAYS = 330


def _planning_track_of(project: Project) -> Track | None:
    award = getattr(project, "award", None)
    return award.application.track if award is not None else None


def _closed_refusal(project: Project) -> str | None:
    """Why ``project`` takes no contractor any more (closed, or its award closed), or None:
    asked when a selection opens and again when its winner is recorded."""
    if project.status != Project.Status.ACTIVE:
        return _("The project is closed: it selects no contractor any more.")
    award = getattr(project, "award", None)
    if award is not None and award.is_closed:
        return _("The project's award is closed: it selects no contractor any more.")
    return None


def contractor_selection_refusal(project: Project, *, secretariat=None) -> str | None:
    """Why a contractor selection cannot be opened for ``project`` now, or None if it can:
    the one list of conditions the service enforces and the project page asks before
    offering the form."""
    if project.track_kind not in PLANNING_KINDS:
        return _("Only planning projects select a Korean contractor.")
    closed = _closed_refusal(project)
    if closed:
        return closed
    if project.contractor_id:
        return _("This project already has its contractor.")
    # An archived selection is over (a contractor who left: ``release_contractor``).
    if (
        Call.objects.filter(project=project, kind=Call.Kind.CONTRACTOR_SELECTION)
        .exclude(status=Call.Status.ARCHIVED)
        .exists()
    ):
        return _("A contractor selection already exists for this project.")
    parent = _planning_track_of(project)
    if (secretariat or (parent.secretariat if parent else None)) is None:
        return _("Choose the secretariat that runs the selection.")
    if (project.budget_krw or 0) <= 0:
        return _("The project has no budget to contract.")
    return None


def _selection_slug(project: Project) -> str:
    """``contractor-<code>``, and ``-2``, ``-3``… for a selection after an archived one."""
    return nth_of(
        f"contractor-{project.code.lower()}",
        Call.objects.filter(project=project, kind=Call.Kind.CONTRACTOR_SELECTION).count() + 1,
        max_length=Call._meta.get_field("slug").max_length,
    )


@transaction.atomic
def open_contractor_selection(
    *,
    project: Project,
    actor,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    price_weight: Decimal = Decimal("0.20"),
    secretariat: Organization | None = None,
) -> Call:
    """Create the contractor-selection call of a funded planning project: one call, one track
    for Korean companies with the three standard criteria, the project's budget as the
    ceiling. The call starts as a draft (published with ``transition_call``). Audited."""
    refusal = contractor_selection_refusal(project, secretariat=secretariat)
    if refusal:
        raise DomainError(refusal)
    parent = _planning_track_of(project)
    secretariat = secretariat or parent.secretariat
    if parent is not None:
        require_permission(
            actor, MANAGE_TRACK, parent, message=_("You do not work on this project's track.")
        )
    budget = project.budget_krw
    # In English and in Korean (name, name_ko), whoever's language the actor reads; a long
    # project title is cut (with an ellipsis) to what the call's name holds.
    names = in_each_language(
        "name", lambda: _("Contractor selection: %(project)s") % {"project": project.display_name}
    )
    call = Call(
        year=project.year,
        slug=_selection_slug(project),
        kind=Call.Kind.CONTRACTOR_SELECTION,
        **{
            field: Truncator(name).chars(Call._meta.get_field(field).max_length)
            for field, name in names.items()
        },
        project=project,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    clean_or_refuse(call)
    call.save()
    track = Track(
        call=call,
        kind=Track.Kind.CONTRACTOR_SELECTION,
        code="CS",
        **in_each_language("name", lambda: Track.Kind.CONTRACTOR_SELECTION.label),
        secretariat=secretariat,
        applicant_kind=Track.ApplicantKind.KOREAN_COMPANY,
        budget_floor=1,
        budget_ceiling=budget,
        total_budget=budget,
        target_awards=1,
        min_reviewers=3,
        price_weight=price_weight,
        required_documents=["company_profile", "concept_paper", "budget_sheet"],
    )
    clean_or_refuse(track)
    track.save()
    for order, (code, name, name_ko, points, priority) in enumerate(CONTRACTOR_CRITERIA):
        Criterion.objects.create(
            track=track,
            code=code,
            name=name,
            name_ko=name_ko,
            max_points=points,
            order=order,
            tiebreak_priority=priority,
        )
    record_audit_event(
        subject=project, action="contractor_selection_opened", actor=actor, detail={"call": call.pk}
    )
    return call


@dataclass
class ContractorScore:
    application_id: int
    organization_id: int
    technical: Decimal
    price: int
    price_score: Decimal
    combined: Decimal
    submitted_at: datetime.datetime | None = None


def combine_scores(
    rows: list[tuple[int, int, Decimal, int, datetime.datetime | None]], *, price_weight
) -> list[ContractorScore]:
    """Pure: (application, organisation, technical score, price, submitted at) → ranked
    ``ContractorScore`` list, best first. Ties: higher technical score, then earlier
    submission."""
    rows = [r for r in rows if r[2] is not None and r[3]]
    if not rows:
        return []
    w = Decimal(price_weight)
    lowest = min(r[3] for r in rows)
    scores = []
    for application_id, organization_id, technical, price, submitted_at in rows:
        price_score = (Decimal(100) * lowest / price).quantize(TWO, rounding=ROUND_HALF_UP)
        combined = ((1 - w) * Decimal(technical) + w * price_score).quantize(
            TWO, rounding=ROUND_HALF_UP
        )
        scores.append(
            ContractorScore(
                application_id,
                organization_id,
                Decimal(technical),
                price,
                price_score,
                combined,
                submitted_at,
            )
        )
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    scores.sort(key=lambda s: (-s.combined, -s.technical, s.submitted_at or far, s.application_id))
    return scores


def contractor_ranking(track: Track) -> list[ContractorScore]:
    """The combined ranking of a contractor-selection track from its aggregated results."""
    rows = list(
        ApplicationResult.objects.filter(track=track, official_score__isnull=False).values_list(
            "application_id",
            "application__organization_id",
            "official_score",
            "application__budget_requested",
            "application__submitted_at",
        )
    )
    return combine_scores(rows, price_weight=track.price_weight)


def call_takes_a_winner(call: Call) -> bool:
    """Whether the winner of this contractor selection may be recorded (its call has closed and
    is not archived)."""
    return call.status in WINNER_CALL_STATUSES


def _decide_call(call: Call, *, actor) -> Call:
    """Move the selection's call to decided through ``transition_call`` (one audit row per
    move): a closed call goes through in review first, its proposals having been reviewed;
    a call already decided stays as it is."""
    reason = "contractor recorded"
    if call.status == Call.Status.CLOSED:
        call = transition_call(call=call, to=Call.Status.IN_REVIEW, actor=actor, reason=reason)
    if call.status == Call.Status.IN_REVIEW:
        call = transition_call(call=call, to=Call.Status.DECIDED, actor=actor, reason=reason)
    return call


@transaction.atomic
def select_contractor(*, track: Track, actor) -> Project:
    """Record the best combined score's company as the project's contractor (refused when it
    has one already, checked under the project's lock), create the project's deliverables it
    does not have yet (``schedule_deliverables``), audit the ranking, and move the call to
    decided (``_decide_call``). Needs the track's aggregation first and a call that has
    closed. Does not notify the companies (their decisions go through the normal release of
    decisions)."""
    if track.kind != Track.Kind.CONTRACTOR_SELECTION or track.call.project_id is None:
        raise DomainError(_("This is not a contractor-selection track."))
    require_permission(actor, MANAGE_TRACK, track, message=_("You do not work on this track."))
    call = Call.objects.select_for_update().get(pk=track.call_id)
    # Checked under the lock, so a second click waits for the first and is then refused.
    project = Project.objects.select_for_update().get(pk=track.call.project_id)
    if project.contractor_id:
        raise DomainError(_("This project already has its contractor."))
    # The project may have closed since the selection opened (its award cancelled).
    closed = _closed_refusal(project)
    if closed:
        raise DomainError(closed, code="project_closed")
    if call.status == Call.Status.ARCHIVED:
        raise DomainError(_("This call is archived."), code="call_archived")
    if not call_takes_a_winner(call):
        raise DomainError(
            _("Proposals may still come in: record the winner once the call has closed."),
            code="call_not_closed",
        )
    ranking = contractor_ranking(track)
    if not ranking:
        raise DomainError(_("There are no scored proposals: run the aggregation first."))
    winner = ranking[0]
    old = project.contractor_id
    project.contractor_id = winner.organization_id
    clean_or_refuse(project)
    project.save(update_fields=["contractor"])
    record_audit_event(
        subject=project,
        action="contractor_selected",
        actor=actor,
        old_value=old or "",
        new_value=winner.organization_id,
        detail={
            "ranking": [
                {
                    "application": s.application_id,
                    "technical": str(s.technical),
                    "price": s.price,
                    "price_score": str(s.price_score),
                    "combined": str(s.combined),
                }
                for s in ranking
            ],
            "price_weight": str(track.price_weight),
        },
    )
    schedule_deliverables(project=project, actor=actor)
    _decide_call(call, actor=actor)
    return project


def _keep_the_winner(call: Call, *, actor) -> None:
    """Before a decided selection is archived because its contractor leaves: a track whose
    funding line was not proposed yet gets it now, while the project still names the winner
    (``results.services.propose_funding_line``: the winner selected, the other bids rejected).
    The archived selection's decisions then keep its winner, so staff can still confirm and
    release them and every bidder hears its outcome once."""
    for track in call.tracks.order_by("pk"):
        if not Decision.objects.filter(track=track).exists():
            propose_funding_line(track=track, actor=actor)


def release_contractor(*, project: Project, reason: str, actor) -> Project:
    """The project's contractor leaves it (its service contract terminated:
    ``awards.funding.terminate_agreement``): the project has no contractor again, its decided
    selections are archived (their winner is not chosen twice; one whose funding line was not
    proposed yet gets it first, ``_keep_the_winner``, so its bidders still hear their
    outcome) and a new selection may be
    opened (``open_contractor_selection``). Deliverables stay with the project, with their
    versions; the company no longer reaches them, and the next contractor does not see its
    versions (``awards.selectors.versions_for_user``). Audited on the project. Call inside the
    terminating transaction."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    old = project.contractor_id
    if old is None:
        return project
    for call in Call.objects.filter(
        project=project, kind=Call.Kind.CONTRACTOR_SELECTION, status=Call.Status.DECIDED
    ).order_by("pk"):
        _keep_the_winner(call, actor=actor)
        transition_call(call=call, to=Call.Status.ARCHIVED, actor=actor)
    project.contractor = None
    project.save(update_fields=["contractor"])
    record_audit_event(
        subject=project,
        action="contractor_released",
        actor=actor,
        old_value=old,
        new_value="",
        detail={"reason": reason},
    )
    return project


# --- Deliverables ----------------------------------------------------------------------------


def deliverable_schedule(project: Project) -> tuple[tuple[str, int], ...]:
    """The deliverables ``project`` owes, in order, with the share (%) of its work period at
    which each is due: planning kinds the planning reports and the invitational training,
    demonstration projects the same plus the demonstration results."""
    if project.track_kind in PLANNING_KINDS:
        return PLANNING_DELIVERABLES
    return DEMONSTRATION_DELIVERABLES


def work_agreement_kind(project: Project) -> str:
    """The kind of agreement that carries a project's work: the service contract with the Korean
    contractor for planning kinds, the grant agreement for a demonstration (whose consortium
    carries out the work itself)."""
    if project.track_kind in PLANNING_KINDS:
        return Agreement.Kind.SERVICE
    return Agreement.Kind.GRANT


def work_agreement(project: Project) -> Agreement | None:
    """The signed agreement that carries the project's work (``work_agreement_kind``), or None
    while it is not signed."""
    return Agreement.objects.filter(
        project=project, kind=work_agreement_kind(project), status=Agreement.Status.SIGNED
    ).first()


def deliverable_due_dates(
    project: Project, agreement: Agreement | None = None
) -> dict[str, datetime.date]:
    """When each deliverable of ``deliverable_schedule(project)`` is due: its share of the
    period of ``agreement`` (the signed work agreement), counted from the agreement's start.
    Without one, the project's own period (start to end) or, with no end, ``DEFAULT_PERIOD_DAYS``
    from its start (today when it has none). Writes nothing."""
    if agreement is not None:
        start, end = agreement.starts_on, agreement.ends_on
    else:
        start = project.starts_on or timezone.localdate()
        end = project.ends_on
        if end is None or end <= start:
            end = start + datetime.timedelta(days=DEFAULT_PERIOD_DAYS)
    days = (end - start).days
    return {
        kind: start + datetime.timedelta(days=days * share // 100)
        for kind, share in deliverable_schedule(project)
    }


@transaction.atomic
def schedule_deliverables(*, project: Project, actor) -> list[Deliverable]:
    """Give ``project`` the deliverables its kind owes (``deliverable_schedule``) and their due
    dates (``deliverable_due_dates``, from the signed work agreement when there is one).

    Creates the ones it does not have yet (audited ``created``) and moves the due date of each
    one not yet accepted to the date the schedule gives (audited ``rescheduled`` with the old
    and new dates); an accepted deliverable, or one of a kind outside the schedule, keeps its
    date. Called when the contractor is recorded and when the award moves to contracted or in
    progress (``awards.lifecycle.move_award``); calling it again changes nothing. Returns the
    deliverables created or moved. Does not notify anyone (the reminders follow the dates)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    agreement = work_agreement(project)
    due_dates = deliverable_due_dates(project, agreement)
    existing = {d.kind: d for d in Deliverable.objects.filter(project=project).order_by("pk")}
    touched = []
    for kind, due_on in due_dates.items():
        deliverable = existing.get(kind)
        if deliverable is None:
            deliverable = Deliverable(project=project, kind=kind, due_on=due_on)
            clean_or_refuse(deliverable)
            deliverable.save()
            record_audit_event(
                subject=deliverable,
                action="created",
                actor=actor,
                new_value=due_on.isoformat(),
                detail={"agreement": agreement.pk if agreement else None},
            )
            touched.append(deliverable)
        elif deliverable.status != Deliverable.Status.ACCEPTED and deliverable.due_on != due_on:
            old = deliverable.due_on
            deliverable.due_on = due_on
            deliverable.save(update_fields=["due_on"])
            record_audit_event(
                subject=deliverable,
                action="rescheduled",
                actor=actor,
                old_value=old.isoformat(),
                new_value=due_on.isoformat(),
                detail={"agreement": agreement.pk if agreement else None},
            )
            touched.append(deliverable)
    return touched


def deliverables_are_open(project: Project) -> bool:
    """Whether ``project`` still takes deliverables and their reviews: only while it is
    active. A completed project's work is over and a cancelled one's stopped; a file sent or a
    verdict given after that would change a closed record. Asked by ``submit_deliverable``,
    ``review_deliverable``, their rules (``awards.rules``) and the deliverable page."""
    return project.status == Project.Status.ACTIVE


def _refuse_if_closed(project: Project) -> None:
    if not deliverables_are_open(project):
        raise DomainError(
            _("The project is closed: its deliverables take no more files or reviews."),
            code="inactive",
        )


def is_contractor_member(user, project: Project) -> bool:
    return bool(
        project.contractor_id
        and getattr(user, "is_authenticated", False)
        and project.contractor.memberships.filter(user=user).exists()
    )


@transaction.atomic
def submit_deliverable(*, deliverable: Deliverable, uploaded, actor) -> Deliverable:
    """A member of the contractor organisation uploads a deliverable (content-checked with
    ``core.uploads.validate_upload``) and submits it for acceptance.

    Each submission is kept as a new ``DeliverableVersion`` (numbered from 1, with its file,
    who sent it and when); the deliverable's own file is its latest version's, so earlier
    versions stay downloadable after it is returned and sent again. Audited by the
    transition (pending or returned → submitted). Refused once the project is closed
    (``deliverables_are_open``)."""
    deliverable = (
        Deliverable.objects.select_for_update(of=("self",))
        .select_related("project__contractor")
        .get(pk=deliverable.pk)
    )
    if not is_contractor_member(actor, deliverable.project):
        raise DomainError(_("Only the project's contractor can submit its deliverables."))
    _refuse_if_closed(deliverable.project)
    if deliverable.status not in (Deliverable.Status.PENDING, Deliverable.Status.RETURNED):
        raise DomainError(_("This deliverable is not waiting for a file."))
    kind = validate_upload(uploaded)
    number = (deliverable.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = DeliverableVersion(
        deliverable=deliverable,
        number=number,
        original_name=uploaded.name[:255],
        content_type=kind.content_type,
        size=uploaded.size,
        submitted_by=actor,
        organization=deliverable.project.contractor,
    )
    # The file is written first: a full or read-only disk (StorageUnavailable on the file
    # field) leaves the rows as they were, and a failure after the write removes the file.
    storage = version.file.storage
    new_name = store_upload(version.file, uploaded.name, uploaded)
    try:
        clean_or_refuse(version)
        version.save()
        deliverable.file.name = new_name
        deliverable.original_name = version.original_name
        deliverable.content_type = version.content_type
        deliverable.size = version.size
        deliverable.save(update_fields=["file", "original_name", "content_type", "size"])
        deliverable = transition_deliverable(
            deliverable=deliverable,
            to=Deliverable.Status.SUBMITTED,
            actor=actor,
        )
    except Exception:
        storage.delete(new_name)
        raise
    return deliverable


def can_review_deliverable(user, deliverable: Deliverable) -> bool:
    """Staff of the track that funded the project (programme admins for every project)."""
    track = _planning_track_of(deliverable.project)
    if track is None:  # a project from before the portal: programme admins only
        return is_programme_admin.test(user)
    return user.has_perm(MANAGE_TRACK, track)


def _project_names(project: Project) -> dict[str, str]:
    """The project's title in each language, for message contexts (the reader's one is shown)."""
    return in_each_language("project", lambda: project.display_name)


def _kind_names(deliverable: Deliverable) -> dict[str, str]:
    """The deliverable's kind in each language: a label frozen in the language of the staff
    member who caused the message would reach a reader of the other language."""
    return in_each_language("kind", deliverable.get_kind_display)


# The code of a refusal because the object is no longer what the actor read (a deliverable sent
# again, a payment request sent again): the page shows it again with what changed, the API
# answers 409 (``core.api.exceptions.CONFLICT_CODES``). Also raised by ``awards.funding``. The
# same code as a stale edit form's (``core.concurrency.StaleEdit``): one conflict for clients.
CHANGED_SINCE = StaleEdit.code


def latest_version_number(deliverable: Deliverable) -> int:
    """The number of the deliverable's latest version, 0 when none was kept (nothing sent yet,
    or a file handed in before versions were): what a review says it read."""
    return deliverable.versions.aggregate(last=Max("number"))["last"] or 0


@transaction.atomic
def review_deliverable(
    *, deliverable: Deliverable, accept: bool, feedback: str, actor, version: int | None = None
) -> Deliverable:
    """Staff accept a submitted deliverable or return it with feedback (required); the verdict
    and the feedback are kept on the version reviewed (its latest), and the contractor's
    members are told.

    ``version``: the number of the version the reviewer read (``latest_version_number``; the
    page and the API send it). When a newer one has been sent since (the deliverable returned
    by a colleague and sent again), nothing is saved (``CHANGED_SINCE``): a verdict on version
    1 never accepts version 2, which can make a tranche payable. ``None`` (the back office's
    bulk actions) reviews the latest version as it stands. Refused once the project is
    closed (``deliverables_are_open``)."""
    if not can_review_deliverable(actor, deliverable):
        raise DomainError(_("You do not follow this project."), code="forbidden")
    feedback = (feedback or "").strip()
    if not accept and not feedback:
        raise DomainError(
            _("Say what must change before the deliverable is returned."), field="feedback"
        )
    # Locked first, as ``submit_deliverable`` does, so no version is added while it is read.
    deliverable = Deliverable.objects.select_for_update(of=("self",)).get(pk=deliverable.pk)
    _refuse_if_closed(deliverable.project)
    if version is not None:
        latest_number = latest_version_number(deliverable)
        if version != latest_number:
            raise DomainError(
                _(
                    "Version %(latest)s of this deliverable has been sent since the version "
                    "%(version)s you reviewed: read it before you decide."
                )
                % {"latest": latest_number, "version": version},
                code=CHANGED_SINCE,
            )
    to = Deliverable.Status.ACCEPTED if accept else Deliverable.Status.RETURNED
    deliverable = transition_deliverable(
        deliverable=deliverable, to=to, actor=actor, feedback=feedback
    )
    latest = deliverable.versions.order_by("-number").first()
    if latest is not None:  # none for a file handed in before versions were kept
        latest.outcome, latest.feedback = to, feedback
        latest.save(update_fields=["outcome", "feedback"])
    project = deliverable.project
    # The verdict goes to the company that sent the file, while it is still the contractor:
    # a company that has left is not told, and the next one does not read about its work.
    sender = latest.organization_id if latest is not None else None
    if project.contractor_id and sender in (None, project.contractor_id):
        for member in members_to_tell(project.contractor_id):
            queue_message(
                recipient=member,
                template="results/deliverable_reviewed",
                context={
                    **_project_names(project),
                    "code": project.code,
                    **_kind_names(deliverable),
                    "status": deliverable.status,
                    "feedback": feedback,
                },
                # The contractor's page of the deliverable (its feedback, the next version),
                # not the project's public fact sheet.
                link=reverse("awards:deliverable", kwargs={"pk": deliverable.pk}),
            )
    return deliverable


REMIND_DAYS_BEFORE = 14


def _work_suspended(projects) -> set[int]:
    """Ids of the ``projects`` whose work agreement (``work_agreement_kind``) was terminated
    and not yet followed by a signed one: nobody owes their deliverables meanwhile. One
    query."""
    statuses: dict[tuple[int, str], set[str]] = {}
    rows = Agreement.objects.filter(project__in=[p.pk for p in projects]).values_list(
        "project_id", "kind", "status"
    )
    for project_id, kind, status in rows:
        statuses.setdefault((project_id, kind), set()).add(status)
    suspended = set()
    for project in projects:
        held = statuses.get((project.pk, work_agreement_kind(project)), set())
        if Agreement.Status.TERMINATED in held and Agreement.Status.SIGNED not in held:
            suspended.add(project.pk)
    return suspended


def remind_deliverables(*, today: datetime.date | None = None) -> int:
    """Queue reminders to the contractor's members for the deliverables they still owe: once
    when one falls due within ``REMIND_DAYS_BEFORE`` days (once per due date, so a deliverable
    rescheduled is announced again for its new date), and once a week while it is overdue.

    Owed: pending, or returned for changes (a submitted one waits on staff, an accepted one on
    nobody), and not while the work agreement is terminated without a signed successor
    (``_work_suspended``). Only active projects (a completed or cancelled one owes nothing more) with a
    contractor. The partner is not reminded: it hands in nothing and follows the deliverables on
    its application's page. Idempotent through dedupe keys (a re-run the same day, or the same
    week for an overdue one, queues nothing). Returns the number of messages queued."""
    today = today or timezone.localdate()
    open_statuses = (Deliverable.Status.PENDING, Deliverable.Status.RETURNED)
    due = Deliverable.objects.filter(
        status__in=open_statuses,
        due_on__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE),
        project__contractor__isnull=False,
        project__status=Project.Status.ACTIVE,
    ).select_related("project__contractor")
    due = list(due)
    # Each contractor's members who receive its mail, read once per company.
    members: dict[int, list] = {}
    suspended = _work_suspended({d.project for d in due})
    queued = 0
    for deliverable in due:
        if deliverable.project_id in suspended:
            continue
        overdue = deliverable.due_on < today
        if overdue:
            week = (today - deliverable.due_on).days // 7
            key = f"deliverable:{deliverable.pk}:overdue:{deliverable.due_on}:{week}"
        else:
            key = f"deliverable:{deliverable.pk}:due:{deliverable.due_on}"
        contractor_id = deliverable.project.contractor_id
        if contractor_id not in members:
            members[contractor_id] = list(members_to_tell(contractor_id))
        for member in members[contractor_id]:
            with transaction.atomic():
                queued += len(
                    queue_message(
                        recipient=member,
                        template="results/deliverable_overdue"
                        if overdue
                        else "results/deliverable_due",
                        context={
                            **_project_names(deliverable.project),
                            "code": deliverable.project.code,
                            **_kind_names(deliverable),
                            "due_on": deliverable.due_on.isoformat(),
                        },
                        link=reverse("awards:deliverable", kwargs={"pk": deliverable.pk}),
                        dedupe_key=f"{key}:{member.pk}",
                    )
                )
    return queued


@transaction.atomic
def record_contractor(*, track: Track, actor) -> Project:
    """Staff record the winner of a contractor selection from the result page:
    ``select_contractor`` (refused when the project already has its contractor) (winner, deliverables,
    audit row, call decided) and tells the winning company's members (in-app and e-mail, in their
    language). The other companies hear through the normal release of decisions."""
    project = select_contractor(track=track, actor=actor)
    company = project.contractor
    context = {
        **_project_names(project),
        "code": project.code,
        **in_each_language("company", lambda: company.display_name),
    }
    for member in members_to_tell(company):
        queue_message(
            recipient=member,
            template="results/contractor_selected",
            context=context,
            link=reverse("awards:deliverables"),
            dedupe_key=f"contractor-selected:{project.pk}:{member.pk}",
        )
    return project
