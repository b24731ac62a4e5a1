"""Rules for what follows a decision: the award letter, and the deliverables of funded projects."""

import rules

from applications.rules import is_application_owner
from applications.selectors import released_decision
from awards.contractor_selection import (
    can_review_deliverable,
    deliverables_are_open,
    is_contractor_member,
)
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


@rules.predicate
def deliverable_project_is_open(user, deliverable) -> bool:
    return deliverable is not None and deliverables_are_open(deliverable.project)


rules.add_perm(
    "awards.submit_deliverable",
    is_deliverable_contractor & deliverable_awaits_file & deliverable_project_is_open,
)
rules.add_perm(
    "awards.review_deliverable",
    is_deliverable_reviewer & deliverable_is_submitted & deliverable_project_is_open,
)


# --- Funding: agreements, payment requests, amendments (awards.funding; docs/funding.md) -------
#
# Staff of the track that funded the project (programme admins for every project) make and sign
# agreements and check payment requests; programme admins approve, record payments, withhold a
# tranche and decide amendments; the members of an agreement's party ask for its payments and
# amendments; the members of the project's partner read its agreements (and their execution)
# without acting. Everyone else, reviewers and other applicants included, none of it (the pages
# answer 404).

from accounts.rules import is_programme_admin  # noqa: E402
from awards import funding  # noqa: E402 - the funding rules' names and questions live there


@rules.predicate
def is_project_funding_staff(user, project) -> bool:
    return project is not None and funding.is_funding_staff(user, project)


@rules.predicate
def is_agreement_staff(user, agreement) -> bool:
    return agreement is not None and funding.is_funding_staff(user, agreement.project)


@rules.predicate
def is_agreement_party(user, agreement) -> bool:
    return agreement is not None and funding.is_party_member(user, agreement)


@rules.predicate
def is_agreement_partner(user, agreement) -> bool:
    return agreement is not None and funding.is_partner_member(user, agreement)


@rules.predicate
def is_tranche_party(user, tranche) -> bool:
    return tranche is not None and funding.is_party_member(user, tranche.agreement)


@rules.predicate
def is_tranche_staff(user, tranche) -> bool:
    return tranche is not None and funding.is_funding_staff(user, tranche.agreement.project)


@rules.predicate
def is_payment_request_party(user, request) -> bool:
    return request is not None and funding.is_party_member(user, request.tranche.agreement)


@rules.predicate
def is_payment_request_staff(user, request) -> bool:
    return request is not None and funding.is_funding_staff(user, request.tranche.agreement.project)


@rules.predicate
def is_amendment_staff(user, amendment) -> bool:
    return amendment is not None and funding.is_funding_staff(user, amendment.agreement.project)


rules.add_perm(funding.CREATE_AGREEMENT, is_project_funding_staff)
rules.add_perm(
    funding.READ_AGREEMENT, is_agreement_party | is_agreement_partner | is_agreement_staff
)
rules.add_perm(funding.MANAGE_AGREEMENT, is_agreement_staff)
rules.add_perm(funding.DOWNLOAD_SIGNED_AGREEMENT, is_agreement_party | is_agreement_staff)
rules.add_perm(funding.REQUEST_AMENDMENT, is_agreement_party | is_agreement_staff)
rules.add_perm(funding.DECIDE_AMENDMENT, is_programme_admin & is_amendment_staff)
rules.add_perm(funding.TERMINATE_AGREEMENT, is_programme_admin & is_agreement_staff)
rules.add_perm(funding.REQUEST_PAYMENT, is_tranche_party)
rules.add_perm(funding.WITHHOLD_TRANCHE, is_programme_admin & is_tranche_staff)
rules.add_perm(funding.READ_PAYMENT_REQUEST, is_payment_request_party | is_payment_request_staff)
rules.add_perm(
    funding.DOWNLOAD_PAYMENT_EVIDENCE, is_payment_request_party | is_payment_request_staff
)
rules.add_perm(funding.CHECK_PAYMENT, is_payment_request_staff)
rules.add_perm(funding.RETURN_PAYMENT, is_payment_request_staff)
rules.add_perm(funding.APPROVE_PAYMENT, is_programme_admin & is_payment_request_staff)
rules.add_perm(funding.RECORD_PAYMENT, is_programme_admin & is_payment_request_staff)
