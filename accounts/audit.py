"""Writing and reading the append-only audit trail."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import pgettext_lazy

from accounts.models import AuditEvent

# The time given by ``recorded_at`` to the audit rows written inside its block (None: now).
_recorded_at: ContextVar[datetime.datetime | None] = ContextVar("audit_recorded_at", default=None)


def record_audit_event(
    *,
    subject: models.Model,
    action: str,
    actor=None,
    old_value: str = "",
    new_value: str = "",
    detail: dict | None = None,
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """Append one audit row for ``subject``. Call inside the service's transaction.

    ``at`` is when the event happened: by default now (or the time of an enclosing
    ``recorded_at`` block). Only the loading of events that took place before the portal
    (the demo seed's 2020–2022 history) passes a past time; a future time is refused, so a
    row can be dated back to a real past event but never ahead of its writing.

    ``old_value`` and ``new_value`` longer than their columns (a participant's name, a
    material's title) are cut to fit with an ellipsis; the whole value is then kept in
    ``detail`` under the same key, unless the caller put something there already.
    """
    now = timezone.now()
    at = at or _recorded_at.get() or now
    if timezone.is_naive(at):
        raise ValueError("An audit time must be timezone-aware.")
    if at > now:
        raise ValueError("An audit event cannot be dated in the future.")
    detail = dict(detail or {})
    values = {}
    for field, value in (("old_value", old_value), ("new_value", new_value)):
        value = str(value or "")
        max_length = AuditEvent._meta.get_field(field).max_length
        values[field] = Truncator(value).chars(max_length)
        if values[field] != value:  # cut to fit the column: the whole value in the detail
            detail.setdefault(field, value)
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        object_id=str(subject.pk),
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        detail=detail,
        created_at=at,
        **values,
    )


@contextmanager
def recorded_at(at: datetime.datetime | None) -> Iterator[None]:
    """Date the audit rows written inside the block (by any service) ``at`` instead of now.

    For loading history through the ordinary services, whose audit rows would otherwise carry
    the loading day: the demo seed wraps each 2022 step in the time it really happened. Live
    requests, tasks and commands never use it. ``None`` leaves the rows dated now. The rows
    stay append-only: this sets their time when they are written, it never changes one.
    """
    token = _recorded_at.set(at)
    try:
        yield
    finally:
        _recorded_at.reset(token)


def recording_time() -> datetime.datetime:
    """When a change made now is recorded as made: now, or the time of an enclosing
    ``recorded_at`` block (history loaded through the services). A rule about "now" that a
    replayed past step must pass (a call opened while its closing time was ahead) asks this."""
    return _recorded_at.get() or timezone.now()


def audit_events_for(subject: models.Model):
    """The audit trail of one object, oldest first, with actors joined."""
    return (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
            object_id=str(subject.pk),
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )


# What each recorded action means, in the reader's language: the back office's History pages
# and the audit list show these instead of the codes the services record. A status change
# (``action`` naming a field with choices, e.g. "status") shows its old and new labels; an
# action not listed reads as a change, never as its code (``describe_event``).
ACTION_LABELS = {
    "active": pgettext_lazy("audit", "Account active"),
    "aggregate": pgettext_lazy("audit", "Scores aggregated"),
    "amended": pgettext_lazy("audit", "Amendment applied"),
    "applicant_notice_sent": pgettext_lazy("audit", "Notice sent to applicants"),
    "applicant_notice_unpublished": pgettext_lazy("audit", "Notice taken off the call's page"),
    "assigned": pgettext_lazy("audit", "Reviewer assigned"),
    "assignment_job": pgettext_lazy("audit", "Automatic assignment started"),
    "assignment_removed": pgettext_lazy("audit", "Reviewer taken off"),
    "budget": pgettext_lazy("audit", "Budget lines set"),
    "change": pgettext_lazy("audit", "Decision changed"),
    "changed": pgettext_lazy("audit", "Changed"),
    "clarification_edit": pgettext_lazy("audit", "Changed in answer to a clarification"),
    "committee_member_removed": pgettext_lazy("audit", "Committee member removed"),
    "confirm_decisions": pgettext_lazy("audit", "Decisions confirmed"),
    "conflict_detected": pgettext_lazy("audit", "Conflict of interest detected"),
    "conflict_reported": pgettext_lazy("audit", "Conflict of interest reported"),
    "contractor_released": pgettext_lazy("audit", "Contractor released"),
    "contractor_selected": pgettext_lazy("audit", "Contractor recorded"),
    "contractor_selection_opened": pgettext_lazy("audit", "Contractor selection opened"),
    "copied": pgettext_lazy("audit", "Copied"),
    "created": pgettext_lazy("audit", "Created"),
    "criteria_locked": pgettext_lazy("audit", "Criteria locked"),
    "criterion_deleted": pgettext_lazy("audit", "Criterion deleted"),
    "deleted": pgettext_lazy("audit", "Deleted"),
    "document_requirement_added": pgettext_lazy("audit", "Required document added"),
    "document_requirement_removed": pgettext_lazy("audit", "Required document removed"),
    "document_requirements_reordered": pgettext_lazy("audit", "Required documents reordered"),
    "email_change_cancelled": pgettext_lazy("audit", "E-mail address change cancelled"),
    "email_change_requested": pgettext_lazy("audit", "E-mail address change asked for"),
    "email_changed": pgettext_lazy("audit", "E-mail address changed"),
    "email_verified": pgettext_lazy("audit", "E-mail address verified"),
    "erasure_approved": pgettext_lazy("audit", "Erasure approved"),
    "erasure_requested": pgettext_lazy("audit", "Erasure requested"),
    "invitation_revoked": pgettext_lazy("audit", "Invitation revoked"),
    "invited": pgettext_lazy("audit", "Invited"),
    "locked_out": pgettext_lazy("audit", "Locked out after failed log-ins"),
    "lockout_cleared": pgettext_lazy("audit", "Lock-out cleared"),
    "logged_in": pgettext_lazy("audit", "Logged in"),
    "logged_out": pgettext_lazy("audit", "Logged out"),
    "material_added": pgettext_lazy("audit", "Material added"),
    "material_removed": pgettext_lazy("audit", "Material removed"),
    "member_added": pgettext_lazy("audit", "Member added"),
    "member_joined": pgettext_lazy("audit", "Member joined"),
    "member_left": pgettext_lazy("audit", "Member left"),
    "member_removed": pgettext_lazy("audit", "Member removed"),
    "member_role": pgettext_lazy("audit", "Member's role changed"),
    "open_refused": pgettext_lazy("audit", "Opening refused"),
    "owner_demoted": pgettext_lazy("audit", "Owner made a member"),
    "participant_added": pgettext_lazy("audit", "Participant added"),
    "participant_removed": pgettext_lazy("audit", "Participant removed"),
    "password_changed": pgettext_lazy("audit", "Password changed"),
    "password_reset": pgettext_lazy("audit", "Password reset"),
    "password_set": pgettext_lazy("audit", "Password set"),
    "permission_granted": pgettext_lazy("audit", "Permission granted"),
    "permission_revoked": pgettext_lazy("audit", "Permission revoked"),
    "personal_data_exported": pgettext_lazy("audit", "Personal data downloaded"),
    "privacy_notice_accepted": pgettext_lazy("audit", "Privacy notice accepted"),
    "projects": pgettext_lazy("audit", "Projects linked"),
    "promote_reserve": pgettext_lazy("audit", "Offered from the reserve list"),
    "propose_funding_line": pgettext_lazy("audit", "Funding line proposed"),
    "published": pgettext_lazy("audit", "Shown on the public pages"),
    "question_changed": pgettext_lazy("audit", "Question changed"),
    "question_created": pgettext_lazy("audit", "Question added"),
    "question_moved": pgettext_lazy("audit", "Question moved"),
    "question_retired": pgettext_lazy("audit", "Question retired"),
    "recovery_codes_regenerated": pgettext_lazy("audit", "Recovery codes renewed"),
    "registered": pgettext_lazy("audit", "Registered"),
    "release_decisions": pgettext_lazy("audit", "Decisions released"),
    "reminded": pgettext_lazy("audit", "Reminder sent"),
    "requeued": pgettext_lazy("audit", "Queued again"),
    "rescheduled": pgettext_lazy("audit", "Due date moved"),
    "retention_applied": pgettext_lazy("audit", "Anonymised after the retention period"),
    "review_settings": pgettext_lazy("audit", "Review settings changed"),
    "reviewer_visibility": pgettext_lazy("audit", "Reviewer visibility changed"),
    "revoked": pgettext_lazy("audit", "Revoked"),
    "role_granted": pgettext_lazy("audit", "Role granted"),
    "role_revoked": pgettext_lazy("audit", "Role withdrawn"),
    "schedule": pgettext_lazy("audit", "Payment schedule set"),
    "second_factor_disabled": pgettext_lazy("audit", "Second factor turned off"),
    "second_factor_enrolled": pgettext_lazy("audit", "Second factor set up"),
    "second_factor_failed": pgettext_lazy("audit", "Wrong second-factor code"),
    "second_factor_reset": pgettext_lazy("audit", "Second factor reset"),
    "second_factor_verified": pgettext_lazy("audit", "Second factor confirmed"),
    "session_expired": pgettext_lazy("audit", "Session ended"),
    "signed": pgettext_lazy("audit", "Signed"),
    "staff": pgettext_lazy("audit", "Back-office access"),
    "tag_added": pgettext_lazy("audit", "Tag added"),
    "tag_removed": pgettext_lazy("audit", "Tag removed"),
    "unpublished": pgettext_lazy("audit", "Taken off the public pages"),
    "updated": pgettext_lazy("audit", "Updated"),
}


def describe_event(event: AuditEvent, *, with_values: bool = True) -> str:
    """What an audit row records, in the reader's language: a status change as its old and new
    labels ("Submitted → Eligible"); any other action by its label (``ACTION_LABELS``), with
    its old and new values when it has them and ``with_values`` (off for a reader who may not
    know the row's people: the values may be their addresses). An action not listed reads as
    "Changed"."""
    # The content type from Django's cache: a page of rows costs no query per row.
    model = (
        ContentType.objects.get_for_id(event.content_type_id).model_class()
        if event.content_type_id
        else None
    )
    field = None
    if model is not None:
        try:
            field = model._meta.get_field(event.action)
        except FieldDoesNotExist:
            field = None
    if field is not None and field.choices:
        labels = {str(key): str(label) for key, label in field.flatchoices}
        old = labels.get(event.old_value, event.old_value) or "—"
        new = labels.get(event.new_value, event.new_value) or "—"
        return f"{old} → {new}"
    label = str(ACTION_LABELS.get(event.action, pgettext_lazy("audit", "Changed")))
    if with_values and (event.old_value or event.new_value):
        return f"{label}: {event.old_value or '—'} → {event.new_value or '—'}"
    return label
