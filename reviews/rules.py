import rules

from accounts.rules import is_programme_admin
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


rules.add_perm("reviews.view_assignment", is_assignment_reviewer | is_assignment_track_staff)
rules.add_perm("reviews.score_assignment", is_assignment_reviewer & assignment_is_open)
rules.add_perm("reviews.reopen_assignment", is_assignment_track_staff | is_programme_admin)
