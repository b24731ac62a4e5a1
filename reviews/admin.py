"""The back office for review: criteria, committees, invitations, declarations, assignments,
scores and jobs.

Through the services, with their rules and audit rows: criteria are added, changed and
deleted through ``save_criterion`` / ``delete_criterion`` while they are not locked (review
started or anyone scored); a locked criterion is read-only. A reviewer comes off a committee
through ``remove_committee_member``, an invitation is revoked through ``revoke_invitation``,
an assignment is removed through ``remove_assignment``, a submitted review is reopened through
``reopen_review`` (the reviewer is told), a declined assignment is offered again through
``assign_reviewer`` (its checks: committee, conflicts, load). Everything else is read-only:
reviewers score, declare and decline in their workspace; staff assign on the staff screens.

A review's content (scores, comment, recommendation, confidence, total) is shown only when
``reviews.selectors.review_content_is_visible``: to its author, and to staff of the track once
it is submitted, never while it is being written.
"""

from django.contrib import admin
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyInline, service_action
from projects.admin import PortalModelAdmin, ReadOnlyPortalAdmin
from projects.rules import MANAGE_TRACK
from reviews import services
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    InterestDeclaration,
    Job,
    ReviewerInvitation,
    ReviewSettings,
    Score,
)
from reviews.selectors import review_content_is_visible, review_content_visible_q, scores_for_user

# What a reviewer writes: hidden from everyone else until the review is submitted.
REVIEW_CONTENT_FIELDS = ("recommendation", "confidence", "overall_comment", "total")


def _manages_track(request, track) -> bool:
    return request.user.has_perm(MANAGE_TRACK, track)


@admin.register(Criterion)
class CriterionAdmin(PortalModelAdmin):
    track_scope = "track"
    list_display = [
        "name",
        "track",
        "code",
        "max_points",
        "weight",
        "threshold",
        "tiebreak_priority",
        "order",
    ]
    list_filter = ["track__kind", "track__call__year"]
    search_fields = ["name", "name_ko", "code", "track__name", "track__call__name"]
    list_select_related = ["track__call"]
    autocomplete_fields = ["track"]

    def get_service_fields(self, request, obj):
        if not _manages_track(request, obj.track) or services.criteria_are_locked(obj.track):
            return set()
        return set(Criterion.EDITABLE_FIELDS)

    def get_add_fields(self, request):
        return {"track", *Criterion.EDITABLE_FIELDS}

    def allows_delete(self, request, obj):
        return (
            obj is not None
            and _manages_track(request, obj.track)
            and not services.criteria_are_locked(obj.track)
        )

    def change_through_service(self, request, obj, changes):
        for name, value in changes.items():
            setattr(obj, name, value)
        return services.save_criterion(criterion=obj, actor=request.user)

    def add_through_service(self, request, data):
        return services.save_criterion(criterion=Criterion(**data), actor=request.user)

    def delete_through_service(self, request, obj):
        services.delete_criterion(criterion=obj, actor=request.user)


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(PortalModelAdmin):
    """Members join by accepting an invitation; here they can only be taken off."""

    track_scope = "track"
    list_display = ["reviewer", "track", "role", "joined_at"]
    list_filter = ["role", "track__kind", "track__call__year"]
    search_fields = ["reviewer__email", "reviewer__name", "track__name"]
    list_select_related = ["reviewer", "track__call"]
    autocomplete_fields = ["reviewer", "track"]

    def allows_delete(self, request, obj):
        return obj is not None and _manages_track(request, obj.track)

    def delete_through_service(self, request, obj):
        services.remove_committee_member(member=obj, actor=request.user)


@admin.register(ReviewerInvitation)
class ReviewerInvitationAdmin(PortalModelAdmin):
    """Invitations are sent from the committee screen; here a pending one can be revoked."""

    track_scope = "track"
    list_display = ["email", "name", "track", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["status", "track__kind"]
    search_fields = ["email", "name", "track__name"]
    list_select_related = ["track__call", "invited_by"]
    autocomplete_fields = ["track", "invited_by", "accepted_by"]
    actions = [
        service_action(
            name="revoke_reviewer_invitations",
            description=_("Revoke the invitation"),
            service=services.revoke_invitation,
            subject="invitation",
            rule=MANAGE_TRACK,
            rule_object=lambda invitation: invitation.track,
        )
    ]


@admin.register(InterestDeclaration)
class InterestDeclarationAdmin(PortalModelAdmin):
    """A reviewer's own declaration: read-only."""

    list_display = ["reviewer", "signed_at", "expires_at"]
    search_fields = ["reviewer__email", "reviewer__name", "interests"]
    list_select_related = ["reviewer"]
    autocomplete_fields = ["reviewer"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(PortalModelAdmin):
    """Declared by the reviewer or detected by the portal: read-only (a conflict once
    recorded keeps the pair apart for good)."""

    track_scope = "application__track"
    list_display = ["reviewer", "application", "has_conflict", "kind", "source", "declared_at"]
    list_filter = ["has_conflict", "kind", "source"]
    search_fields = ["reviewer__email", "reviewer__name", "application__reference"]
    list_select_related = ["reviewer", "application"]
    autocomplete_fields = ["reviewer", "application"]


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ["criterion", "points", "max_points", "justification", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=scores_for_user(request.user).values("pk"))
            .select_related("criterion")
        )


AS = Assignment.Status


def _reopen(*, assignment: Assignment, actor, reason: str) -> Assignment:
    """The review screen's reopening: clears the total, audits, tells the reviewer."""
    return services.reopen_review(assignment=assignment, reason=reason, actor=actor)


def _invite_again(*, assignment: Assignment, actor) -> Assignment:
    """Offer a declined assignment again with the checks of any assignment (committee,
    conflicts, load); the reviewer is told."""
    return services.assign_reviewer(
        application=assignment.application, reviewer=assignment.reviewer, actor=actor
    )


@admin.register(Assignment)
class AssignmentAdmin(PortalModelAdmin):
    track_scope = "application__track"
    list_display = [
        "application",
        "reviewer",
        "status",
        "shown_total",
        "shown_recommendation",
        "due_at",
        "submitted_at",
    ]
    list_filter = ["status", "application__track__kind"]
    search_fields = [
        "application__reference",
        "application__title",
        "reviewer__email",
        "reviewer__name",
    ]
    list_select_related = ["application", "reviewer"]
    autocomplete_fields = ["application", "reviewer", "assigned_by"]
    inlines = [ScoreInline]
    actions = [
        service_action(
            name="reopen_assignments",
            description=_("Reopen the submitted review"),
            service=_reopen,
            subject="assignment",
            rule="reviews.reopen_assignment",
            ask=("reason", _("Why the review is reopened (the reviewer is told)")),
        ),
        service_action(
            name="reinvite_assignments",
            description=_("Invite again (after a decline)"),
            service=_invite_again,
            subject="assignment",
            rule="reviews.reopen_assignment",
        ),
    ]

    def get_queryset(self, request):
        # The list shows a review's total and recommendation only where the user may read
        # them; a draft's stay empty (and the list is neither sorted nor filtered by them).
        visible = review_content_visible_q(request.user)
        return (
            super()
            .get_queryset(request)
            .annotate(
                visible_total=Case(When(visible, then=F("total")), default=Value(None)),
                visible_recommendation=Case(
                    When(visible, then=F("recommendation")), default=Value("")
                ),
            )
        )

    @admin.display(description=Assignment._meta.get_field("total").verbose_name)
    def shown_total(self, obj):
        return obj.visible_total

    @admin.display(description=Assignment._meta.get_field("recommendation").verbose_name)
    def shown_recommendation(self, obj):
        labels = dict(Assignment.Recommendation.choices)
        return labels.get(obj.visible_recommendation) or None

    def hidden_fields(self, request, obj):
        if obj is None or review_content_is_visible(request.user, obj):
            return set()
        return set(REVIEW_CONTENT_FIELDS)

    def get_inline_instances(self, request, obj=None):
        if obj is None or not review_content_is_visible(request.user, obj):
            return []
        return super().get_inline_instances(request, obj)

    def allows_delete(self, request, obj):
        return (
            obj is not None
            and obj.status not in (AS.SUBMITTED, AS.CONFLICT)
            and _manages_track(request, obj.application.track)
        )

    def delete_through_service(self, request, obj):
        services.remove_assignment(assignment=obj, actor=request.user)


@admin.register(Score)
class ScoreAdmin(ReadOnlyPortalAdmin):
    track_scope = "assignment__application__track"
    list_display = ["assignment", "criterion", "points", "max_points", "updated_at"]
    list_filter = ["criterion__track__kind"]
    search_fields = ["assignment__application__reference", "assignment__reviewer__email"]
    list_select_related = ["assignment__application", "assignment__reviewer", "criterion"]

    def visible_queryset(self, request, queryset):
        return queryset.filter(pk__in=scores_for_user(request.user).values("pk"))


@admin.register(Job)
class JobAdmin(ReadOnlyPortalAdmin):
    track_scope = "track"
    list_display = ["track", "kind", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["track__name", "message"]
    list_select_related = ["track__call"]


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(PortalModelAdmin):
    """What a track's reviewers see. The staff page (``staff_reviews:visibility``) is the
    usual door; here staff of the track change the same fields through the same audited
    service. A row exists once a track's settings were first changed."""

    track_scope = "track"
    list_display = ["track", "other_scores", "anonymised", "scope", "updated_at", "updated_by"]
    list_filter = ["other_scores", "anonymised", "scope", "track__kind", "track__call__year"]
    search_fields = ["track__name", "track__call__name"]
    list_select_related = ["track__call", "updated_by"]
    autocomplete_fields = ["track", "updated_by"]

    def get_service_fields(self, request, obj):
        if obj is None or not _manages_track(request, obj.track):
            return set()
        return set(ReviewSettings.EDITABLE_FIELDS)

    def change_through_service(self, request, obj, changes):
        return services.update_reviewer_visibility(track=obj.track, actor=request.user, **changes)
