"""Writes of the review engine, one module per subject; the names below are the package's API
(views, the API, tasks and tests call ``reviews.services.<name>``)."""

from reviews.services.assignment import (
    EXPERTISE_KEYWORDS,
    SHORTFALL_REASONS,
    assign_reviewer,
    assign_reviewers_bulk,
    create_assignment_job,
    remove_assignment,
    reviewer_counts,
    run_assignment_job,
)
from reviews.services.committee import (
    INVITATION_VALID_DAYS,
    invite_reviewer,
    remove_committee_member,
    respond_to_invitation,
    revoke_invitation,
    save_reviewer_profile,
)
from reviews.services.criteria import (
    REVIEW_SETTINGS_FIELDS,
    criteria_are_locked,
    criteria_total,
    delete_criterion,
    move_criterion,
    save_criterion,
    start_review,
    update_review_settings,
)
from reviews.services.declarations import (
    DECLARATION_VALID_DAYS,
    conflict_pairs,
    current_interest_declaration,
    declare_conflict,
    decline_assignment,
    record_detected_conflicts,
    report_conflict_later,
    sign_interest_declaration,
)
from reviews.services.reminders import (
    remind_reviewers,
    send_review_reminder,
)
from reviews.services.scoring import (
    REVIEW_SUBMITTED_HOOKS,
    ReviewInvalid,
    compute_total,
    format_points,
    reopen_review,
    save_review_draft,
    submit_review,
    validate_points,
)
from reviews.services.transitions import (
    ASSIGNMENT_TRANSITIONS,
    transition_assignment,
)

__all__ = [
    "ASSIGNMENT_TRANSITIONS",
    "transition_assignment",
    "criteria_total",
    "start_review",
    "REVIEW_SETTINGS_FIELDS",
    "update_review_settings",
    "criteria_are_locked",
    "save_criterion",
    "delete_criterion",
    "move_criterion",
    "INVITATION_VALID_DAYS",
    "invite_reviewer",
    "revoke_invitation",
    "respond_to_invitation",
    "remove_committee_member",
    "save_reviewer_profile",
    "DECLARATION_VALID_DAYS",
    "current_interest_declaration",
    "sign_interest_declaration",
    "conflict_pairs",
    "record_detected_conflicts",
    "declare_conflict",
    "report_conflict_later",
    "decline_assignment",
    "assign_reviewer",
    "assign_reviewers_bulk",
    "remove_assignment",
    "create_assignment_job",
    "SHORTFALL_REASONS",
    "run_assignment_job",
    "EXPERTISE_KEYWORDS",
    "reviewer_counts",
    "REVIEW_SUBMITTED_HOOKS",
    "compute_total",
    "format_points",
    "validate_points",
    "ReviewInvalid",
    "save_review_draft",
    "submit_review",
    "reopen_review",
    "send_review_reminder",
    "remind_reviewers",
]
