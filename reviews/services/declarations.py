"""Declarations of interests and conflicts, and a reviewer declining an assignment."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from applications.models import Application
from applications.selectors import (
    applicant_side_application_ids,
    current_interest_declarations,
    is_on_applicant_side,
)
from core.domain import (
    NOTE_MAX_LENGTH,
    DomainError,
    clean_or_refuse,
    refuse_too_long,
    require_permission,
)
from notifications.services import in_each_language, queue_message
from projects.models import Track
from projects.selectors import secretariat_staff_of
from reviews.conflicts import detect_conflicts
from reviews.models import (
    Assignment,
    ConflictDeclaration,
    InterestDeclaration,
)
from reviews.rules import SIGN_INTEREST_DECLARATION
from reviews.services.transitions import A, transition_assignment

DECLARATION_VALID_DAYS = 365
# What a reviewer without a current declaration is told, wherever they are refused.
DECLARATION_NEEDED = _("Sign your annual declaration of interests before opening applications.")
# What a reviewer who belongs to the applicant or a consortium partner is told.
OWN_APPLICANT_CONFLICT = _(
    "You belong to the applicant organisation or to one of its consortium partners: this is a "
    "conflict of interest, so you cannot review this application."
)


def current_interest_declaration(user) -> InterestDeclaration | None:
    """The reviewer's declaration of interests that is still valid, if any."""
    return current_interest_declarations(user).order_by("-signed_at").first()


@transaction.atomic
def sign_interest_declaration(*, reviewer, interests: str, actor) -> InterestDeclaration:
    """Sign this year's declaration of interests; valid for one year from now. Only a reviewer
    signs one (``reviews.rules.SIGN_INTEREST_DECLARATION``), and only their own."""
    if reviewer.pk != actor.pk:
        raise DomainError(_("Only the reviewer can sign their own declaration."))
    require_permission(
        actor,
        SIGN_INTEREST_DECLARATION,
        message=_("Only reviewers sign a declaration of interests."),
    )
    now = timezone.now()
    declaration = InterestDeclaration(
        reviewer=reviewer,
        interests=interests.strip(),
        signed_at=now,
        expires_at=now + datetime.timedelta(days=DECLARATION_VALID_DAYS),
    )
    clean_or_refuse(declaration)
    declaration.save()
    record_audit_event(subject=declaration, action="signed", actor=actor)
    return declaration


def conflict_pairs(track: Track) -> set[tuple[int, int]]:
    """Every (reviewer id, application id) pair of the track that must never be assigned:
    declared or recorded conflicts plus those the portal detects now."""
    pairs = set(
        ConflictDeclaration.objects.filter(application__track=track, has_conflict=True).values_list(
            "reviewer_id", "application_id"
        )
    )
    reviewers = [m.reviewer for m in track.committee.select_related("reviewer")]
    applications = list(track.applications.filter(status__in=Application.ASSIGNABLE_STATUSES))
    pairs |= set(detect_conflicts(reviewers=reviewers, applications=applications))
    return pairs


@transaction.atomic
def record_detected_conflicts(*, track: Track, actor=None) -> int:
    """Store the conflicts the portal detects in the track (source=detected); returns how many
    new rows. A pair the reviewer already declared on keeps the reviewer's declaration. A pair
    already assigned and not yet declared on moves to ``conflict`` (the staff are told, so they
    assign someone else): it would otherwise stay invited, hidden from the reviewer, counted
    in their load and never replaced."""
    reviewers = [m.reviewer for m in track.committee.select_related("reviewer")]
    applications = list(track.applications.filter(status__in=Application.ASSIGNABLE_STATUSES))
    found = detect_conflicts(reviewers=reviewers, applications=applications)
    existing = set(
        ConflictDeclaration.objects.filter(application__track=track).values_list(
            "reviewer_id", "application_id"
        )
    )
    created = 0
    for (reviewer_id, application_id), kind in sorted(found.items()):
        if (reviewer_id, application_id) in existing:
            continue
        ConflictDeclaration.objects.create(
            reviewer_id=reviewer_id,
            application_id=application_id,
            has_conflict=True,
            kind=kind,
            source=ConflictDeclaration.Source.DETECTED,
        )
        created += 1
        waiting = Assignment.objects.filter(
            reviewer_id=reviewer_id, application_id=application_id, status=A.INVITED
        ).first()
        if waiting is not None:
            waiting = transition_assignment(
                assignment=waiting, to=A.CONFLICT, actor=actor, detail={"kind": kind}
            )
            _tell_track_staff(waiting, why="conflict")
    return created


@transaction.atomic
def end_reviews_of_own_applications(*, user, actor=None) -> int:
    """``user`` has just become a member of an organisation (``accounts.services``'
    ``MEMBERSHIP_STARTED_HOOKS``): every review of theirs on an application that organisation
    now puts them on the applicant side of (its own, or one where it is a consortium partner)
    ends. Their declaration becomes a detected ``same_organisation`` conflict (a "no conflict"
    made before is changed, with an audit row), an open assignment (invited, accepted, in
    progress) moves to ``conflict``, and the track's staff are told so they assign someone
    else. A review already submitted stays as it is (it was given before the tie began) but
    the staff are told, to decide whether to reopen it, once: when the tie is already on record
    (a conflict detected at an earlier membership) a later membership tells nobody again.
    Returns how many assignments were told
    about."""
    assignments = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(reviewer=user, application__in=applicant_side_application_ids(user))
        .exclude(status__in=(A.DECLINED, A.CONFLICT))
        .select_related("application__track", "reviewer")
    )
    kind = ConflictDeclaration.Kind.SAME_ORGANISATION
    told = 0
    for assignment in assignments:
        declaration = ConflictDeclaration.objects.filter(
            reviewer=user, application=assignment.application
        ).first()
        # A submitted review is reported when the tie begins: a conflict already on record
        # (an earlier membership) says it was, so a later, unrelated membership tells nobody.
        newly_tied = declaration is None or not declaration.has_conflict
        if declaration is None:
            ConflictDeclaration.objects.create(
                reviewer=user,
                application=assignment.application,
                has_conflict=True,
                kind=kind,
                source=ConflictDeclaration.Source.DETECTED,
            )
        elif not declaration.has_conflict:
            old = declaration.kind
            declaration.has_conflict = True
            declaration.kind = kind
            declaration.source = ConflictDeclaration.Source.DETECTED
            declaration.declared_at = timezone.now()
            declaration.save(update_fields=["has_conflict", "kind", "source", "declared_at"])
            record_audit_event(
                subject=declaration,
                action="conflict_detected",
                actor=actor,
                old_value=old,
                new_value=kind,
                detail={"reason": "membership"},
            )
        if assignment.status == A.SUBMITTED:
            if newly_tied:
                _tell_track_staff(assignment, why="membership_submitted")
                told += 1
            continue
        assignment = transition_assignment(
            assignment=assignment,
            to=A.CONFLICT,
            actor=actor,
            detail={"kind": kind, "membership": True},
        )
        _tell_track_staff(assignment, why="membership")
        told += 1
    return told


def end_reviews_after_joining(membership, *, actor) -> None:
    """``accounts.services.MEMBERSHIP_STARTED_HOOKS``: a membership has just begun."""
    end_reviews_of_own_applications(user=membership.user, actor=actor)


@transaction.atomic
def declare_conflict(
    *, assignment: Assignment, has_conflict: bool, kind: str = "", details: str = "", actor
) -> Assignment:
    """The reviewer declares, before seeing the application, whether they have a conflict.

    No conflict: the declaration is recorded and an invited assignment becomes accepted.
    A conflict: recorded with its kind, the assignment moves to ``conflict`` and the reviewer
    never sees the application again. A declaration cannot be changed afterwards.
    """
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can declare on this application."))
    earlier = ConflictDeclaration.objects.filter(
        reviewer=actor, application=assignment.application
    ).first()
    if earlier is not None:
        if not earlier.has_conflict and not has_conflict and assignment.status == A.INVITED:
            # Invited again after declining (for time, say): the declaration made before still
            # stands, and saying "no conflict" again accepts. Without this the assignment
            # stayed invited for good, counted in the reviewer's load and never replaced.
            return transition_assignment(assignment=assignment, to=A.ACCEPTED, actor=actor)
        raise DomainError(_("You have already declared on this application."), code="declared")
    if has_conflict:
        if kind not in ConflictDeclaration.Kind.values or kind == ConflictDeclaration.Kind.NONE:
            raise DomainError(_("Choose the kind of conflict."), field="kind")
    elif is_on_applicant_side(actor, assignment.application):
        raise DomainError(OWN_APPLICANT_CONFLICT, code="conflict")
    else:
        kind = ConflictDeclaration.Kind.NONE
    declaration = ConflictDeclaration(
        reviewer=actor,
        application=assignment.application,
        has_conflict=has_conflict,
        kind=kind,
        details=details.strip(),
        source=ConflictDeclaration.Source.DECLARED,
    )
    clean_or_refuse(declaration)
    declaration.save()
    if has_conflict:
        assignment = transition_assignment(
            assignment=assignment, to=A.CONFLICT, actor=actor, detail={"kind": kind}
        )
        _tell_track_staff(assignment, why="conflict")
        return assignment
    if assignment.status == A.INVITED:
        return transition_assignment(assignment=assignment, to=A.ACCEPTED, actor=actor)
    return assignment


def _tell_track_staff(assignment: Assignment, *, why: str) -> None:
    """An in-app notice to the track's active secretariat staff
    (``projects.selectors.secretariat_staff_of``) that a reviewer dropped out, so they can
    assign someone else. Programme admins see it on the board."""
    track = assignment.application.track
    for member in secretariat_staff_of(track):
        queue_message(
            recipient=member,
            template="reviews/reviewer_dropped",
            context={
                "reference": assignment.application.reference or "",
                # The reviewer's Hangul name for a reader of Korean (User.display_name).
                **in_each_language("reviewer", lambda: assignment.reviewer.display_name),
                "why": why,
            },
            link=reverse("staff_reviews:board", kwargs={"track_id": track.pk}),
            channels=("in_app",),
        )


@transaction.atomic
def report_conflict_later(
    *, assignment: Assignment, kind: str, details: str = "", actor
) -> Assignment:
    """The reviewer discovers a conflict after declaring none (before submitting).

    The declaration becomes a conflict (audited with the change), the assignment moves to
    ``conflict``, and the application disappears from the reviewer's pages. Draft scores stay
    stored but never count: only submitted reviews are aggregated.
    """
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can report a conflict."))
    if kind not in ConflictDeclaration.Kind.values or kind == ConflictDeclaration.Kind.NONE:
        raise DomainError(_("Choose the kind of conflict."), field="kind")
    declaration = ConflictDeclaration.objects.select_for_update().get(
        reviewer=actor, application=assignment.application
    )
    old = declaration.kind
    declaration.has_conflict = True
    declaration.kind = kind
    declaration.details = details.strip()
    declaration.declared_at = timezone.now()
    clean_or_refuse(declaration)
    declaration.save()
    record_audit_event(
        subject=declaration, action="conflict_reported", actor=actor, old_value=old, new_value=kind
    )
    assignment = transition_assignment(
        assignment=assignment, to=A.CONFLICT, actor=actor, detail={"kind": kind, "late": True}
    )
    _tell_track_staff(assignment, why="conflict")
    return assignment


@transaction.atomic
def decline_assignment(*, assignment: Assignment, reason: str, note: str = "", actor) -> Assignment:
    """The reviewer declines (conflict, not my expertise, no time); audited, staff can see it.

    Declining for a conflict also records a conflict declaration, so the pair is never
    assigned again.
    """
    if assignment.reviewer_id != actor.pk:
        raise DomainError(_("Only the assigned reviewer can decline."))
    if reason not in Assignment.DeclineReason.values:
        raise DomainError(_("Choose why you decline."), field="reason")
    note = refuse_too_long(note, limit=NOTE_MAX_LENGTH, field="note")
    assignment = transition_assignment(
        assignment=assignment, to=A.DECLINED, actor=actor, reason=reason
    )
    assignment.decline_reason = reason
    assignment.decline_note = note.strip()
    assignment.save(update_fields=["decline_reason", "decline_note"])
    _tell_track_staff(assignment, why=reason)
    if reason == Assignment.DeclineReason.CONFLICT:
        ConflictDeclaration.objects.update_or_create(
            reviewer=actor,
            application=assignment.application,
            defaults={
                "has_conflict": True,
                "kind": ConflictDeclaration.Kind.OTHER,
                "details": note.strip(),
                "source": ConflictDeclaration.Source.DECLARED,
            },
        )
    return assignment
