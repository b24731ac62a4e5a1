"""Scoring: drafts, submission (locked), the total, and staff reopening a review."""

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.selectors import current_interest_declarations, is_on_applicant_side
from core.domain import DomainError, refuse_too_long
from notifications.services import queue_message
from reviews.models import (
    Assignment,
    Criterion,
    Score,
)
from reviews.selectors import BOARD_STATUSES, review_open_q
from reviews.services.declarations import DECLARATION_NEEDED, OWN_APPLICANT_CONFLICT
from reviews.services.transitions import A, transition_assignment

# Functions called (after commit) with the assignment each time a review is submitted, or
# reopened (its total leaves the aggregates until it is submitted again).
# Results appends its re-aggregation from ``ResultsConfig.ready()`` (reviews never imports it).
REVIEW_SUBMITTED_HOOKS: list[Callable[[Assignment], None]] = []


HALF = Decimal("0.5")


def compute_total(scores: Iterable[tuple[Decimal, Criterion]]) -> Decimal:
    """The reviewer's total on 100 points.

    total = 100 · Σ(points_i · weight_i) / Σ(max_i · weight_i), rounded half up to 0.01.
    With every weight equal (the default 1) and maxima adding up to 100 this is the plain sum
    of the points; with weights it is the weighted sum scaled so that full marks stay 100.
    """
    scores = list(scores)
    numerator = sum((Decimal(p) * c.weight for p, c in scores), Decimal(0))
    denominator = sum((c.max_points * c.weight for _p, c in scores), Decimal(0))
    if not denominator:
        return Decimal(0)
    return (numerator * 100 / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_points(value: Decimal) -> str:
    """20 rather than 20.0 or 2E+1; 7.5 stays 7.5."""
    return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)


def validate_points(points: Decimal | None, criterion: Criterion) -> str | None:
    """A user-facing error for points outside 0..max or not on a half point, else None."""
    if points is None:
        return None
    if points < 0 or points > criterion.max_points:
        return str(
            _("Give between 0 and %(max)s points.") % {"max": format_points(criterion.max_points)}
        )
    if (points / HALF) % 1 != 0:
        return str(_("Use whole or half points (for example 7 or 7.5)."))
    return None


class ReviewInvalid(DomainError):
    """A review that cannot be saved or submitted; ``errors`` maps form field → message."""

    code = "review_invalid"

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Please correct the marked fields."))
        self.errors = errors


def points_by_criterion(scores: Iterable[tuple[Decimal, Criterion]]) -> dict[str, int]:
    """A submitted review's (points, criterion) as ``Assignment.points_by_criterion``:
    criterion id (text) → points in tenths, a whole number (points have one decimal; a finer
    value is rounded as the score's column stores it, half away from zero)."""
    return {
        str(criterion.pk): int((points * 10).to_integral_value(ROUND_HALF_UP))
        for points, criterion in scores
    }


def _write_review(
    *, assignment: Assignment, scores: dict[int, tuple], recommendation, confidence, comment
) -> list[tuple[Decimal | None, str, Criterion]]:
    criteria = list(assignment.application.track.criteria.order_by("order", "id"))
    errors: dict[str, str] = {}
    rows = []
    for criterion in criteria:
        points, justification = scores.get(criterion.pk, (None, ""))
        points = None if points in (None, "") else Decimal(points)
        error = validate_points(points, criterion)
        if error:
            errors[f"points_{criterion.pk}"] = error
        rows.append((points, (justification or "").strip(), criterion))
    if errors:
        raise ReviewInvalid(errors)
    existing = {s.criterion_id: s for s in assignment.scores.all()}
    for points, justification, criterion in rows:
        score = existing.get(criterion.pk) or Score(assignment=assignment, criterion=criterion)
        score.points = points
        score.justification = justification
        score.max_points = criterion.max_points
        score.save()
    assignment.recommendation = recommendation or ""
    assignment.confidence = confidence or None
    assignment.overall_comment = (comment or "").strip()
    assignment.save(update_fields=["recommendation", "confidence", "overall_comment"])
    return rows


class DraftConflict(DomainError):
    """A review saved from a form built on an older draft than the stored one (another tab
    or window saved in between). Nothing was written; ``version`` is the current draft's and
    ``changed_at`` when it was saved."""

    code = "draft_conflict"

    def __init__(self, *, version: int, changed_at):
        self.version = version
        self.changed_at = changed_at
        super().__init__(_("This review draft was changed after you opened it."), code=self.code)


def _draft_saved_at(assignment: Assignment):
    """When the stored draft was last saved (every save rewrites each score row)."""
    return assignment.scores.aggregate(at=Max("updated_at"))["at"]


def _next_draft_version(assignment: Assignment, base_version: int | None) -> None:
    """Compare the form's draft version with the stored one and take the next, atomically.

    ``base_version`` None (an API client that does not send it): no check. The increment is an
    ``UPDATE … WHERE draft_version = <read>``, which also refuses a save that raced another
    on a database without row locks (SQLite)."""
    read = assignment.draft_version
    if base_version is not None and base_version != read:
        raise DraftConflict(version=read, changed_at=_draft_saved_at(assignment))
    if not Assignment.objects.filter(pk=assignment.pk, draft_version=read).update(
        draft_version=read + 1
    ):
        current = Assignment.objects.get(pk=assignment.pk)
        raise DraftConflict(version=current.draft_version, changed_at=_draft_saved_at(current))
    assignment.draft_version = read + 1


def review_closed_reason(application: Application) -> str | None:
    """Why the reviews of ``application`` can no longer change, or None while they can: the
    application has left the board (withdrawn, screened ineligible again, decided) or its
    funding decision is confirmed (``selectors.review_open_q``). Said on the score page before
    the reviewer types, and the refusal of ``refuse_if_review_closed``."""
    if Application.objects.filter(review_open_q(prefix=""), pk=application.pk).exists():
        return None
    if Application.objects.filter(pk=application.pk, status__in=BOARD_STATUSES).exists():
        return str(
            _(
                "The funding decision on this application is confirmed: its reviews can no "
                "longer change."
            )
        )
    return str(_("This application is no longer under review: its reviews can no longer change."))


def refuse_if_review_closed(application: Application) -> None:
    """Refuse a change to a review of ``application`` once its review is over
    (``review_closed_reason``). Saving, submitting and reopening a review all ask this, so a
    total cannot change under a confirmed or released decision, and a reopened review is never
    stranded where its reviewer can no longer open it (``selectors.assignments_for_reviewer``).
    The condition is ``selectors.review_open_q``, which the reminders ask as well."""
    reason = review_closed_reason(application)
    if reason:
        raise DomainError(reason, code="review_closed")


def _lock_for_review(assignment: Assignment, actor) -> Assignment:
    # Only the assignment's row: with the joins, PostgreSQL's FOR UPDATE would also lock the
    # application and the track, putting every reviewer of the track in one queue.
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("application__track")
        .get(pk=assignment.pk)
    )
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can score this application."))
    if not current_interest_declarations(actor).exists():
        raise DomainError(DECLARATION_NEEDED, code="declaration")
    if is_on_applicant_side(actor, assignment.application):
        raise DomainError(OWN_APPLICANT_CONFLICT, code="conflict")
    if assignment.status == A.SUBMITTED:
        raise DomainError(
            _("This review was submitted and is locked. Ask the secretariat to reopen it."),
            code="locked",
        )
    if assignment.status not in (A.ACCEPTED, A.IN_PROGRESS):
        raise DomainError(_("This assignment is not open for scoring."), code="not_open")
    refuse_if_review_closed(assignment.application)
    return assignment


@transaction.atomic
def save_review_draft(
    *,
    assignment: Assignment,
    scores: dict[int, tuple],
    recommendation: str = "",
    confidence: int | None = None,
    overall_comment: str = "",
    actor,
    base_version: int | None = None,
) -> Assignment:
    """Save a partial review (scores map criterion id → (points or None, justification)).

    Points given must be within range and on a half point; anything may still be empty. The
    assignment becomes ``in_progress``. Nothing is visible to anyone else until submitted.
    ``base_version`` is the draft version the form was built from (``DraftConflict`` if the
    draft has been saved since).
    """
    assignment = _lock_for_review(assignment, actor)
    _next_draft_version(assignment, base_version)
    if assignment.status == A.ACCEPTED:
        assignment = transition_assignment(assignment=assignment, to=A.IN_PROGRESS, actor=actor)
    _write_review(
        assignment=assignment,
        scores=scores,
        recommendation=recommendation,
        confidence=confidence,
        comment=overall_comment,
    )
    return assignment


@transaction.atomic
def submit_review(
    *,
    assignment: Assignment,
    scores: dict[int, tuple],
    recommendation: str,
    confidence: int | None,
    overall_comment: str = "",
    actor,
    base_version: int | None = None,
) -> Assignment:
    """Submit the review: every criterion scored with a justification of the track's minimum
    length, a recommendation and a confidence. Computes the total (``compute_total``), moves the
    assignment to ``submitted`` (locked), and calls ``REVIEW_SUBMITTED_HOOKS`` after commit.
    A form built on an older draft than the stored one is refused (``DraftConflict``): a
    stale tab must not submit, and lock, values the reviewer has since replaced.
    """
    assignment = _lock_for_review(assignment, actor)
    _next_draft_version(assignment, base_version)
    track = assignment.application.track
    if assignment.status == A.ACCEPTED:
        assignment = transition_assignment(assignment=assignment, to=A.IN_PROGRESS, actor=actor)
    rows = _write_review(
        assignment=assignment,
        scores=scores,
        recommendation=recommendation,
        confidence=confidence,
        comment=overall_comment,
    )
    errors: dict[str, str] = {}
    for points, justification, criterion in rows:
        if points is None:
            errors[f"points_{criterion.pk}"] = str(_("Score this criterion."))
        if len(justification) < track.min_justification_length:
            errors[f"justification_{criterion.pk}"] = str(
                _("Write at least %(min)s characters (now %(len)s).")
                % {"min": track.min_justification_length, "len": len(justification)}
            )
    if recommendation not in Assignment.Recommendation.values:
        errors["recommendation"] = str(_("Choose a recommendation."))
    if confidence not in Assignment.Confidence.values:
        errors["confidence"] = str(_("Choose your confidence."))
    if not rows:
        raise DomainError(_("This track has no criteria yet."))
    if errors:
        # Nothing is saved (the transaction rolls back); the form shows the errors next to
        # the fields with everything the reviewer typed.
        raise ReviewInvalid(errors)
    assignment.total = compute_total((p, c) for p, _j, c in rows)
    assignment.points_by_criterion = points_by_criterion((p, c) for p, _j, c in rows)
    assignment.save(update_fields=["total", "points_by_criterion"])
    assignment = transition_assignment(assignment=assignment, to=A.SUBMITTED, actor=actor)
    for hook in REVIEW_SUBMITTED_HOOKS:
        transaction.on_commit(lambda hook=hook: hook(assignment))
    return assignment


@transaction.atomic
def reopen_review(*, assignment: Assignment, reason: str, actor) -> Assignment:
    """Staff reopen a submitted review with a reason (audited); the reviewer is told by e-mail.

    The total is cleared until the review is submitted again, and the track's aggregates
    are computed again without it (``REVIEW_SUBMITTED_HOOKS``): a funding line proposed
    meanwhile must not count a total the reviewer is changing.
    """
    reason = refuse_too_long(reason)
    if not reason:
        raise DomainError(_("Give the reason for reopening the review."), field="reason")
    refuse_if_review_closed(assignment.application)
    assignment = transition_assignment(
        assignment=assignment, to=A.IN_PROGRESS, actor=actor, reason=reason, detail={"reopen": True}
    )
    assignment.total = None
    assignment.points_by_criterion = None
    assignment.submitted_at = None
    assignment.save(update_fields=["total", "points_by_criterion", "submitted_at"])
    for hook in REVIEW_SUBMITTED_HOOKS:
        transaction.on_commit(lambda hook=hook: hook(assignment))
    queue_message(
        recipient=assignment.reviewer,
        template="reviews/reopened",
        context={"reference": assignment.application.reference or "", "reason": reason},
        link=reverse("reviews:score", kwargs={"pk": assignment.pk}),
    )
    return assignment
