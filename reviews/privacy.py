"""The review engine's personal data, registered in ``accounts.privacy`` (ReviewsConfig.ready).

What is personal here: what a reviewer wrote in their own words (the review's comments and
justifications, a decline note, conflict details, the declaration of interests). Scores,
totals, recommendations, statuses and conflict flags stay: they are the evaluation's record
and the statistics' source. Evaluation records are kept under a legal obligation for five
years after the call (the public evaluation must be able to answer an objection or an audit),
so an erasure request does not remove them before then; the reviewer's account is anonymised,
which leaves the reviews pseudonymous.
"""

from django.utils.translation import gettext_lazy as _

from accounts.privacy import (
    ANONYMISED_EMAIL_DOMAIN,
    Retention,
    anonymised_email,
    register_personal_data,
)
from reviews.models import (
    Assignment,
    ConflictDeclaration,
    InterestDeclaration,
    ReviewerInvitation,
    Score,
)

REVIEW_RETENTION = Retention(5, _("after the call closes"))
DECLARATION_RETENTION = Retention(5, _("after the declaration expires"))
KEPT = _(
    "Evaluation records are kept for five years after the call, to answer objections and "
    "audits of the public evaluation; your name leaves them with your account."
)


def reviews_due(now):
    return Assignment.objects.filter(application__call__closes_at__lt=REVIEW_RETENTION.cutoff(now))


def anonymise_review(assignment: Assignment) -> None:
    """Clear the reviewer's words; the scores, total and recommendation stay."""
    Assignment.objects.filter(pk=assignment.pk).update(overall_comment="", decline_note="")
    Score.objects.filter(assignment=assignment).update(justification="")


def conflicts_due(now):
    return ConflictDeclaration.objects.filter(
        application__call__closes_at__lt=REVIEW_RETENTION.cutoff(now)
    )


def anonymise_conflict(declaration: ConflictDeclaration) -> None:
    """Clear the details; whether there was a conflict, and its kind, stay."""
    ConflictDeclaration.objects.filter(pk=declaration.pk).update(details="")


def interests_due(now):
    return InterestDeclaration.objects.filter(expires_at__lt=DECLARATION_RETENTION.cutoff(now))


def anonymise_interests(declaration: InterestDeclaration) -> None:
    InterestDeclaration.objects.filter(pk=declaration.pk).update(interests="")


def invitations_due(now):
    """Committee invitations of calls closed five years ago: the expert's name and address
    go (whether they joined, declined or never answered), the track and the answer stay."""
    return ReviewerInvitation.objects.filter(
        track__call__closes_at__lt=REVIEW_RETENTION.cutoff(now)
    )


def anonymise_invitation(invitation: ReviewerInvitation) -> None:
    # A placeholder per invitation: the address field stays valid, and two invitations of
    # the same track never share it (one pending invitation per address).
    ReviewerInvitation.objects.filter(pk=invitation.pk).update(
        email=f"invitation-{invitation.pk}@{ANONYMISED_EMAIL_DOMAIN}", name=""
    )


def erase_invitations(user) -> int:
    """On an approved erasure: the invitations sent to the person's address name the
    anonymised account instead (as its organisation invitations do); the answers stay, and
    one still waiting is revoked (nobody can accept it any more)."""
    from reviews.services.committee import revoke_invitations_to

    revoke_invitations_to(user.email, reason="account_erased")
    return ReviewerInvitation.objects.filter(email__iexact=user.email).update(
        email=anonymised_email(user.pk), name=""
    )


def export_invitations(user) -> list[dict]:
    return [
        {
            "track": str(i.track),
            "name": i.name,
            "email": i.email,
            "status": i.status,
            "invited_at": i.created_at,
            "expires_at": i.expires_at,
            "responded_at": i.responded_at,
        }
        for i in ReviewerInvitation.objects.filter(email__iexact=user.email)
        .select_related("track__call")
        .order_by("created_at", "pk")
    ]


def export_reviews(user) -> list[dict]:
    assignments = (
        Assignment.objects.filter(reviewer=user)
        .select_related("application", "application__track")
        .prefetch_related("scores__criterion")
        .order_by("assigned_at", "pk")
    )
    return [
        {
            "application": a.application.reference or a.application.pk,
            "track": str(a.application.track),
            "status": a.status,
            "assigned_at": a.assigned_at,
            "submitted_at": a.submitted_at,
            "recommendation": a.recommendation,
            "confidence": a.confidence,
            "overall_comment": a.overall_comment,
            "decline_note": a.decline_note,
            "total": a.total,
            "scores": [
                {
                    "criterion": s.criterion.code,
                    "points": s.points,
                    "justification": s.justification,
                }
                for s in a.scores.all()
            ],
        }
        for a in assignments
    ]


def export_conflicts(user) -> list[dict]:
    return [
        {
            "application": d.application.reference or d.application.pk,
            "has_conflict": d.has_conflict,
            "kind": d.kind,
            "details": d.details,
            "source": d.source,
            "declared_at": d.declared_at,
        }
        for d in ConflictDeclaration.objects.filter(reviewer=user)
        .select_related("application")
        .order_by("declared_at", "pk")
    ]


def export_interests(user) -> list[dict]:
    return [
        {"interests": d.interests, "signed_at": d.signed_at, "expires_at": d.expires_at}
        for d in InterestDeclaration.objects.filter(reviewer=user).order_by("signed_at", "pk")
    ]


def register() -> None:
    register_personal_data(
        "reviews.review",
        label=_("Reviews: the reviewer's comments and justifications"),
        retention=REVIEW_RETENTION,
        due=reviews_due,
        anonymise=anonymise_review,
        export=export_reviews,
        kept_on_erasure=KEPT,
    )
    register_personal_data(
        "reviews.conflict_declaration",
        label=_("Declarations of conflicts of interest: their details"),
        retention=REVIEW_RETENTION,
        due=conflicts_due,
        anonymise=anonymise_conflict,
        export=export_conflicts,
        kept_on_erasure=KEPT,
    )
    register_personal_data(
        "reviews.invitation",
        label=_("Invitations to a review committee: the expert's name and e-mail address"),
        retention=REVIEW_RETENTION,
        due=invitations_due,
        anonymise=anonymise_invitation,
        export=export_invitations,
        erase=erase_invitations,
    )
    register_personal_data(
        "reviews.interest_declaration",
        label=_("Declarations of interests: the interests declared"),
        retention=DECLARATION_RETENTION,
        due=interests_due,
        anonymise=anonymise_interests,
        export=export_interests,
        kept_on_erasure=KEPT,
    )
