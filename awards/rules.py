"""Rules for what follows a decision: the award letter, and the deliverables of funded projects."""

import rules

from applications.rules import is_application_owner
from applications.selectors import released_decision
from awards.contractor_selection import can_review_deliverable, is_contractor_member
from awards.models import Award, Deliverable
from projects.selectors import is_staff_of_track


@rules.predicate
def is_award_applicant(user, award) -> bool:
    """A member of the organisation whose application the award funds."""
    return award is not None and is_application_owner.test(user, award.application)


@rules.predicate
def award_letter_is_issued(user, award) -> bool:
    """The award is approved or further along and its decision is released to the applicant: a
    proposed award may still change and a cancelled one binds nobody."""
    return (
        award is not None
        and award.status not in (Award.Status.PROPOSED, Award.Status.CANCELLED)
        and released_decision(award.application) is not None
    )


@rules.predicate
def is_award_track_staff(user, award) -> bool:
    return award is not None and is_staff_of_track(user, award.application.track)


# The award letter: the applicant's own once issued; staff of the track (programme admins
# included, as is_staff_of_track says) at any stage, as the draft they check before approving.
rules.add_perm(
    "awards.download_award_letter",
    (is_award_applicant & award_letter_is_issued) | is_award_track_staff,
)


# Deliverables: the same conditions as the deliverable page's upload and review forms.
@rules.predicate
def is_deliverable_contractor(user, deliverable) -> bool:
    return deliverable is not None and is_contractor_member(user, deliverable.project)


@rules.predicate
def is_deliverable_reviewer(user, deliverable) -> bool:
    return deliverable is not None and can_review_deliverable(user, deliverable)


@rules.predicate
def deliverable_awaits_file(user, deliverable) -> bool:
    return deliverable is not None and deliverable.status in (
        Deliverable.Status.PENDING,
        Deliverable.Status.RETURNED,
    )


@rules.predicate
def deliverable_is_submitted(user, deliverable) -> bool:
    return deliverable is not None and deliverable.status == Deliverable.Status.SUBMITTED


rules.add_perm("awards.submit_deliverable", is_deliverable_contractor & deliverable_awaits_file)
rules.add_perm("awards.review_deliverable", is_deliverable_reviewer & deliverable_is_submitted)
