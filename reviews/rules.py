import rules

from accounts import roles
from accounts.rules import is_programme_admin
from applications.rules import holds_current_interest_declaration
from applications.selectors import is_on_applicant_side
from projects.selectors import is_staff_of_track
from reviews import selectors
from reviews.models import Assignment, CommitteeMember, ConflictDeclaration

A = Assignment.Status


@rules.predicate
def is_reviewer(user) -> bool:
    return roles.has_role(user, roles.REVIEWER)


@rules.predicate
def sits_on_a_committee(user) -> bool:
    return user.is_authenticated and CommitteeMember.objects.filter(reviewer_id=user.pk).exists()


@rules.predicate
def is_assignment_reviewer(user, assignment) -> bool:
    return assignment is not None and assignment.reviewer_id == user.pk


@rules.predicate
def is_assignment_track_staff(user, assignment) -> bool:
    return assignment is not None and is_staff_of_track(user, assignment.application.track)


@rules.predicate
def assignment_is_open(user, assignment) -> bool:
    return assignment is not None and assignment.status in (A.ACCEPTED, A.IN_PROGRESS)


@rules.predicate
def assignment_awaits_declaration(user, assignment) -> bool:
    return assignment is not None and assignment.awaits_declaration


@rules.predicate
def has_declared_no_conflict(user, assignment) -> bool:
    """The reviewer declared no conflict on this application, and nothing since says otherwise
    (a conflict, a decline, or a detected conflict hides the application for good)."""
    if assignment is None or assignment.status in (A.DECLINED, A.CONFLICT):
        return False
    declarations = {
        d.has_conflict
        for d in ConflictDeclaration.objects.filter(
            reviewer_id=user.pk, application_id=assignment.application_id
        )
    }
    return declarations == {False}


@rules.predicate
def is_on_assignment_applicant_side(user, assignment) -> bool:
    """The reviewer belongs to the applicant organisation or a consortium partner
    (``applications.selectors.is_on_applicant_side``), whatever they declared: a membership
    that began after the declaration still closes the application to them."""
    return assignment is not None and is_on_applicant_side(user, assignment.application)


@rules.predicate
def other_scores_are_visible(user, assignment) -> bool:
    """The track's reviewer-visibility settings let this assignment's reviewer read the other
    submitted reviews now (``reviews.selectors.reviewer_can_see_other_scores``)."""
    return assignment is not None and selectors.reviewer_can_see_other_scores(assignment)


@rules.predicate
def sits_on_track_committee(user, track) -> bool:
    return (
        track is not None
        and user.is_authenticated
        and CommitteeMember.objects.filter(track=track, reviewer_id=user.pk).exists()
    )


@rules.predicate
def track_allows_browsing(user, track) -> bool:
    return track is not None and selectors.review_settings_for(track).allows_browsing


@rules.predicate
def is_browsable_application(user, application) -> bool:
    """One of the applications the member may read without an assignment
    (``reviews.selectors.browse_applications``: the board's statuses, no conflict)."""
    return (
        application is not None
        and selectors.browse_applications(application.track, user)
        .filter(pk=application.pk)
        .exists()
    )


# Reviewer side. The annual declaration of interests is a reviewer's: an expert holds the role
# from accepting a committee invitation (a seat given some other way counts as well).
SIGN_INTEREST_DECLARATION = "reviews.sign_interest_declaration"
rules.add_perm(SIGN_INTEREST_DECLARATION, is_reviewer | sits_on_a_committee)
rules.add_perm("reviews.view_assignment", is_assignment_reviewer | is_assignment_track_staff)
rules.add_perm("reviews.declare_conflict", is_assignment_reviewer & assignment_awaits_declaration)
# Reading, scoring and seeing others' scores also need the yearly declaration of interests to
# be current (the reviewer's pages send them to renew it; the API refuses).
reads_assigned = (
    is_assignment_reviewer
    & has_declared_no_conflict
    & ~is_on_assignment_applicant_side
    & holds_current_interest_declaration
)
rules.add_perm("reviews.read_assigned_application", reads_assigned)
rules.add_perm("reviews.score_assignment", reads_assigned & assignment_is_open)
# What the track's reviewer-visibility settings allow (reviews.ReviewSettings).
SEE_OTHER_SCORES = "reviews.see_other_scores"
rules.add_perm(SEE_OTHER_SCORES, reads_assigned & other_scores_are_visible)
BROWSE_TRACK = "reviews.browse_track"
rules.add_perm(BROWSE_TRACK, sits_on_track_committee & track_allows_browsing)
READ_BROWSED_APPLICATION = "reviews.read_browsed_application"
rules.add_perm(READ_BROWSED_APPLICATION, is_browsable_application)
# Staff side: every review screen of a track asks projects.rules.MANAGE_TRACK about the track.
rules.add_perm("reviews.reopen_assignment", is_assignment_track_staff | is_programme_admin)
