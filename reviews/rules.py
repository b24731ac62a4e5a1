import rules

from accounts.rules import is_programme_admin
from applications.rules import is_application_owner
from applications.selectors import released_decision
from projects.selectors import is_staff_of_track


@rules.predicate
def is_assignment_reviewer(user, assignment) -> bool:
    return assignment is not None and assignment.reviewer_id == user.pk


@rules.predicate
def is_assignment_track_staff(user, assignment) -> bool:
    return assignment is not None and is_staff_of_track(user, assignment.application.track)


@rules.predicate
def assignment_is_open(user, assignment) -> bool:
    return assignment is not None and assignment.status in ("accepted", "in_progress")


@rules.predicate
def assignment_awaits_declaration(user, assignment) -> bool:
    return assignment is not None and assignment.status in ("invited", "accepted")


@rules.predicate
def assignment_is_submitted(user, assignment) -> bool:
    return assignment is not None and assignment.status == "submitted"


@rules.predicate
def has_declared_no_conflict(user, assignment) -> bool:
    """The reviewer declared no conflict on this application, and nothing since says otherwise
    (a conflict, a decline, or a detected conflict hides the application for good)."""
    if assignment is None or assignment.status in ("declined", "conflict"):
        return False
    from .models import ConflictDeclaration

    declarations = {
        d.has_conflict
        for d in ConflictDeclaration.objects.filter(
            reviewer_id=user.pk, application_id=assignment.application_id
        )
    }
    return declarations == {False}


@rules.predicate
def has_current_interest_declaration(user) -> bool:
    from .services import current_interest_declaration

    return user.is_authenticated and current_interest_declaration(user) is not None


@rules.predicate
def is_track_staff(user, track) -> bool:
    return track is not None and is_staff_of_track(user, track)


@rules.predicate
def is_award_applicant(user, award) -> bool:
    """A member of the organisation whose application the award funds."""
    return award is not None and is_application_owner.test(user, award.application)


@rules.predicate
def award_letter_is_issued(user, award) -> bool:
    """The award is approved or further along and its decision is released to the applicant: a
    proposed award may still change and a cancelled one binds nobody."""
    from .models import Award

    return (
        award is not None
        and award.status not in (Award.Status.PROPOSED, Award.Status.CANCELLED)
        and released_decision(award.application) is not None
    )


@rules.predicate
def is_award_track_staff(user, award) -> bool:
    return award is not None and is_staff_of_track(user, award.application.track)


# Reviewer side.
rules.add_perm("reviews.view_assignment", is_assignment_reviewer | is_assignment_track_staff)
rules.add_perm("reviews.declare_conflict", is_assignment_reviewer & assignment_awaits_declaration)
rules.add_perm(
    "reviews.read_assigned_application", is_assignment_reviewer & has_declared_no_conflict
)
rules.add_perm(
    "reviews.score_assignment",
    is_assignment_reviewer & has_declared_no_conflict & assignment_is_open,
)
# Staff side: every review screen of a track asks this one permission.
rules.add_perm("reviews.manage_track_reviews", is_track_staff)
rules.add_perm("reviews.reopen_assignment", is_assignment_track_staff | is_programme_admin)
# The award letter: the applicant's own once issued; staff of the track (programme admins
# included, as is_staff_of_track says) at any stage, as the draft they check before approving.
rules.add_perm(
    "reviews.download_award_letter",
    (is_award_applicant & award_letter_is_issued) | is_award_track_staff,
)
