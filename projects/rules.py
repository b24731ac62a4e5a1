import rules

from accounts.rules import is_programme_admin, is_secretariat_staff
from projects import selectors


@rules.predicate
def is_track_staff(user, track) -> bool:
    return selectors.is_staff_of_track(user, track)


@rules.predicate
def is_call_staff(user, call) -> bool:
    if call is None:
        return False
    return any(selectors.is_staff_of_track(user, track) for track in call.tracks.all())


# Every staff screen and service of a track's work (screening, review, results, awards) asks it.
MANAGE_TRACK = "projects.manage_track"
rules.add_perm(MANAGE_TRACK, is_track_staff)
rules.add_perm("projects.manage_call", is_programme_admin | is_call_staff)
CONFIGURE_CALL = "projects.configure_call"
rules.add_perm(CONFIGURE_CALL, is_programme_admin)


@rules.predicate
def can_view_call(user, call) -> bool:
    return call is not None and selectors.can_view_call(user, call)


# Who may read a call and download what it offers applicants (a document's template): anyone
# for a published call, its staff and programme admins for a draft.
VIEW_CALL = "projects.view_call"
rules.add_perm(VIEW_CALL, can_view_call)


# --- Events: workshops, road shows and conferences (projects.services, "Events") -------------
# Who records the programme's events, links them to projects and adds their participants and
# materials: programme admins and secretariat staff (each links only projects they follow).
MANAGE_EVENTS = "projects.manage_events"
rules.add_perm(MANAGE_EVENTS, is_programme_admin | is_secretariat_staff)
