"""A track's criteria and review settings, until review starts and locks them."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from applications.models import Application
from applications.services import transition_application
from core.concurrency import refuse_if_row_changed
from core.domain import DomainError, clean_or_refuse, require_permission
from projects.models import Track
from projects.rules import MANAGE_TRACK
from projects.services import NOT_YOUR_TRACK, CallProblem
from reviews.models import (
    Criterion,
    Score,
)
from reviews.services.scoring import format_points


def criteria_total(track: Track) -> Decimal:
    """The sum of the track's criteria maximum points (must be 100 before review starts)."""
    return sum((c.max_points for c in track.criteria.all()), Decimal(0))


@transaction.atomic
def start_review(*, track: Track, actor) -> int:
    """Lock the track's criteria and move its eligible applications to under review.

    Refuses when the criteria do not add up to 100 points. Idempotent: running it again moves
    applications screened eligible since. Returns how many applications moved.
    """
    track = Track.objects.select_for_update().get(pk=track.pk)
    total = criteria_total(track)
    if not track.criteria.exists() or total != 100:
        raise DomainError(
            _(
                "The criteria add up to %(total)s points; they must add up to 100 before review starts."
            )
            % {"total": total},
            code="criteria_total",
        )
    if track.criteria_locked_at is None:
        track.criteria_locked_at = timezone.now()
        track.save(update_fields=["criteria_locked_at"])
        record_audit_event(subject=track, action="criteria_locked", actor=actor)
    moved = 0
    for application in track.applications.filter(status=Application.Status.ELIGIBLE):
        transition_application(
            application=application, to=Application.Status.UNDER_REVIEW, actor=actor
        )
        moved += 1
    return moved


REVIEW_SETTINGS_FIELDS = (
    "review_deadline",
    "min_reviewers",
    "max_reviewer_load",
    "min_justification_length",
    "overall_threshold",
    "spread_threshold",
)


@transaction.atomic
def update_review_settings(
    *, track: Track, actor, seen_version: str | None = None, **values
) -> Track:
    """Change a track's review settings (deadline, minimum reviewers, maximum load, minimum
    justification length, overall and spread thresholds); audited with old and new values.

    Only the fields in ``REVIEW_SETTINGS_FIELDS`` may change here; budgets and the call are
    configured elsewhere. ``seen_version``: the fingerprint of the settings the page showed;
    refused (``StaleEdit``) when a colleague changed them since.
    """
    unknown = set(values) - set(REVIEW_SETTINGS_FIELDS)
    if unknown:
        raise DomainError(
            _("These settings cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    track = Track.objects.select_for_update().get(pk=track.pk)
    refuse_if_row_changed(track, seen_version, what=_("track's review settings"))
    old = {name: str(getattr(track, name)) for name in values}
    for name, value in values.items():
        setattr(track, name, value)
    if track.max_reviewer_load < 1:
        raise DomainError(_("A reviewer must be able to take at least one application."))
    clean_or_refuse(track)
    track.save(update_fields=list(values))
    record_audit_event(
        subject=track,
        action="review_settings",
        actor=actor,
        detail={"old": old, "new": {name: str(getattr(track, name)) for name in values}},
    )
    return track


def criteria_are_locked(track: Track) -> bool:
    """Criteria are locked once review starts or once anyone has scored on them."""
    return (
        track.criteria_locked_at is not None
        or Score.objects.filter(criterion__track=track).exists()
    )


def _refuse_if_locked(track: Track, actor) -> None:
    """The track's staff change its criteria, and only before scoring starts."""
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    if criteria_are_locked(track):
        raise DomainError(
            _("The criteria of this track are locked because scoring has started."),
            code="criteria_locked",
        )


@transaction.atomic
def save_criterion(*, criterion: Criterion, actor, seen_version: str | None = None) -> Criterion:
    """Create or change a criterion of a track whose criteria are not locked; audited.
    ``seen_version``: the fingerprint of the values the edit page showed; refused
    (``StaleEdit``) when one of them changed since (``core.concurrency``)."""
    _refuse_if_locked(criterion.track, actor)
    created = criterion.pk is None
    if not created and seen_version:
        stored = Criterion.objects.select_for_update().get(pk=criterion.pk)
        refuse_if_row_changed(stored, seen_version)
    if created and not criterion.order:
        last = criterion.track.criteria.order_by("-order").values_list("order", flat=True).first()
        criterion.order = (last or 0) + 1
    clean_or_refuse(criterion)
    criterion.save()
    record_audit_event(
        subject=criterion,
        action="created" if created else "changed",
        actor=actor,
        detail={"max_points": str(criterion.max_points), "weight": str(criterion.weight)},
    )
    return criterion


@transaction.atomic
def delete_criterion(*, criterion: Criterion, actor) -> None:
    """Delete a criterion while the track's criteria are not locked; audited on the track."""
    _refuse_if_locked(criterion.track, actor)
    record_audit_event(
        subject=criterion.track,
        action="criterion_deleted",
        actor=actor,
        detail={"code": criterion.code, "name": criterion.name},
    )
    criterion.delete()


@transaction.atomic
def move_criterion(*, criterion: Criterion, up: bool, actor) -> None:
    """Swap a criterion with its neighbour in the track's order (renumbers 1..n)."""
    _refuse_if_locked(criterion.track, actor)
    items = list(criterion.track.criteria.select_for_update().order_by("order", "id"))
    index = next(i for i, c in enumerate(items) if c.pk == criterion.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])


# --- Next year's call and whether a call may open (registered with projects.services) --------

# The points a track's criteria must add up to before its review can start (``start_review``).
EXPECTED_TOTAL = Decimal(100)


def copy_criteria(*, source, copy, tracks: dict[int, Track], actor) -> dict:
    """Copy the criteria of each track of ``source`` to its copy in ``tracks`` (names, guidance
    in both languages, points, weights, thresholds, order, tie-break priority). New rows,
    independent of the old ones, unlocked. ``projects.services.copy_call`` writes the one audit
    row of the copy; this returns how many criteria it copied for that row."""
    copied = []
    for criterion in Criterion.objects.filter(track_id__in=list(tracks)).order_by("pk"):
        values = {
            field.attname: getattr(criterion, field.attname)
            for field in Criterion._meta.concrete_fields
            if field.name not in ("id", "track")
        }
        copied.append(Criterion(track=tracks[criterion.track_id], **values))
    for criterion in copied:
        clean_or_refuse(criterion)
    Criterion.objects.bulk_create(copied)
    return {"criteria": len(copied)}


def criteria_readiness(call) -> list:
    """A readiness check for ``projects.services.call_problems``: each track of ``call`` has
    criteria adding up to the points the scoring expects."""
    problems = []
    for track in call.tracks.prefetch_related("criteria"):
        total = criteria_total(track)
        if total != EXPECTED_TOTAL:
            problems.append(
                CallProblem(
                    _(
                        "%(track)s: the criteria add up to %(total)s points; they must add up to %(expected)s."
                    )
                    % {
                        "track": track.display_name,
                        "total": format_points(Decimal(total)),
                        "expected": EXPECTED_TOTAL,
                    },
                    track,
                    "criteria",
                )
            )
    return problems
