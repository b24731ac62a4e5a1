import rules

from accounts.rules import is_programme_admin
from applications import selectors
from applications.models import Application
from projects.selectors import is_staff_of_track


@rules.predicate
def is_application_owner(user, application) -> bool:
    return application is not None and selectors.is_owner(user, application)


@rules.predicate
def is_sent(user, application) -> bool:
    """Not a draft: staff (of the track or the programme) never read an applicant's draft."""
    return application is not None and application.status != Application.Status.DRAFT


@rules.predicate
def is_on_applicant_side(user, application) -> bool:
    """A member of the applicant organisation or of a consortium partner
    (``selectors.is_on_applicant_side``): never its reviewer, never staff on it."""
    return selectors.is_on_applicant_side(user, application)


@rules.predicate
def is_application_track_staff(user, application) -> bool:
    """Staff of the application's track, on a sent application that is not their own
    organisation's (nor a consortium partner's): nobody screens, asks clarification on, tags or
    shortlists their own application, nor reads its staff side (reviewers, audit trail). They
    still see it as its applicant (``is_application_owner``)."""
    return (
        application is not None
        and application.status != Application.Status.DRAFT
        and is_staff_of_track(user, application.track)
        and not selectors.is_on_applicant_side(user, application)
    )


# Programme admins see every track, but like the track's staff only what was sent
# (``selectors.applications_for_user`` leaves drafts out for them too), and never act as staff
# on their own organisation's application.
is_programme_admin_reader = is_programme_admin & is_sent & ~is_on_applicant_side


@rules.predicate
def is_assigned_reviewer(user, application) -> bool:
    if application is None or not user.is_authenticated:
        return False
    return selectors._reviewable_application_ids(user).filter(application=application).exists()


@rules.predicate
def has_declared_no_conflict(user, application) -> bool:
    """The reviewer has declared no conflict with this application (needed before its content)."""
    if application is None or not user.is_authenticated:
        return False
    return application.conflict_declarations.filter(reviewer=user, has_conflict=False).exists()


@rules.predicate
def holds_current_interest_declaration(user) -> bool:
    """The reviewer's yearly declaration of interests is signed and not expired (needed before
    any application's content, like the conflict declaration)."""
    return user.is_authenticated and selectors.current_interest_declarations(user).exists()


@rules.predicate
def application_is_editable(user, application) -> bool:
    return application is not None and application.status in (
        Application.Status.DRAFT,
        Application.Status.CLARIFICATION,
    )


@rules.predicate
def application_is_withdrawable(user, application) -> bool:
    return application is not None and selectors.can_be_withdrawn(application)


can_view_application = (
    is_application_owner
    | is_application_track_staff
    | is_assigned_reviewer
    | is_programme_admin_reader
)

rules.add_perm("applications.view_application", can_view_application)
# The content and files: a reviewer sees only the title until they have declared no conflict,
# and while their yearly declaration of interests is current.
can_view_application_content = (
    is_application_owner
    | is_application_track_staff
    | is_programme_admin_reader
    | (is_assigned_reviewer & has_declared_no_conflict & holds_current_interest_declaration)
)
rules.add_perm("applications.view_application_content", can_view_application_content)
rules.add_perm("applications.change_application", is_application_owner & application_is_editable)
rules.add_perm("applications.submit_application", is_application_owner & application_is_editable)
rules.add_perm(
    "applications.withdraw_application", is_application_owner & application_is_withdrawable
)
rules.add_perm("applications.screen_application", is_application_track_staff)
# The applicant's members answer a clarification request (whether one is open is the service's
# to say, with its message: ``services.answer_clarification``).
rules.add_perm("applications.answer_clarification", is_application_owner)
# Clarification requests are between the applicant and the secretariat: never the reviewers'.
rules.add_perm(
    "applications.view_clarifications",
    is_application_owner | is_application_track_staff | is_programme_admin_reader,
)
# A two-stage call's shortlist (applications.shortlisting.SHORTLIST_APPLICATION): like screening.
rules.add_perm("applications.shortlist_application", is_application_track_staff)
# Staff tags (applications.services.TAG_APPLICATION): the track's staff, like screening.
rules.add_perm("applications.tag_application", is_application_track_staff)
rules.add_perm("applications.view_audit", is_application_track_staff | is_programme_admin_reader)
