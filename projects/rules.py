import rules

from accounts.rules import is_programme_admin

from . import selectors


@rules.predicate
def is_track_staff(user, track) -> bool:
    return selectors.is_staff_of_track(user, track)


@rules.predicate
def call_is_open(user, call) -> bool:
    return call is not None and call.is_accepting_applications


@rules.predicate
def is_call_staff(user, call) -> bool:
    if call is None:
        return False
    return any(selectors.is_staff_of_track(user, track) for track in call.tracks.all())


rules.add_perm("projects.manage_track", is_track_staff)
rules.add_perm("projects.manage_call", is_programme_admin | is_call_staff)
rules.add_perm("projects.configure_call", is_programme_admin)


# Deliverables: the same conditions as the deliverable page's upload and review forms.
@rules.predicate
def is_deliverable_contractor(user, deliverable) -> bool:
    from .contractor_selection import is_contractor_member

    return deliverable is not None and is_contractor_member(user, deliverable.project)


@rules.predicate
def is_deliverable_reviewer(user, deliverable) -> bool:
    from .contractor_selection import can_review_deliverable

    return deliverable is not None and can_review_deliverable(user, deliverable)


@rules.predicate
def deliverable_awaits_file(user, deliverable) -> bool:
    return deliverable is not None and deliverable.status in ("pending", "returned")


@rules.predicate
def deliverable_is_submitted(user, deliverable) -> bool:
    return deliverable is not None and deliverable.status == "submitted"


rules.add_perm("projects.submit_deliverable", is_deliverable_contractor & deliverable_awaits_file)
rules.add_perm("projects.review_deliverable", is_deliverable_reviewer & deliverable_is_submitted)
