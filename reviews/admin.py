"""The back office for review: committees, assignments, scores, results, decisions and awards.

Scores, results and decisions are read-only here: reviewers score in their workspace, the
aggregation job computes results, and decisions (which need recorded reasons) are made on the
staff screens. Assignment and award statuses change only through admin actions.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.admin import PortalModelAdmin, ReadOnlyPortalAdmin, transition_action
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Criterion,
    InterestDeclaration,
    Job,
    ReviewerInvitation,
    Score,
)
from reviews.services import transition_assignment


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


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(PortalModelAdmin):
    track_scope = "track"
    list_display = ["reviewer", "track", "role", "joined_at"]
    list_filter = ["role", "track__kind", "track__call__year"]
    search_fields = ["reviewer__email", "reviewer__name", "track__name"]
    list_select_related = ["reviewer", "track__call"]
    autocomplete_fields = ["reviewer", "track"]


@admin.register(ReviewerInvitation)
class ReviewerInvitationAdmin(PortalModelAdmin):
    track_scope = "track"
    list_display = ["email", "name", "track", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["status", "track__kind"]
    search_fields = ["email", "name", "track__name"]
    list_select_related = ["track__call", "invited_by"]
    autocomplete_fields = ["track", "invited_by", "accepted_by"]
    readonly_fields = ["status", "created_at", "responded_at"]


@admin.register(InterestDeclaration)
class InterestDeclarationAdmin(PortalModelAdmin):
    list_display = ["reviewer", "signed_at", "expires_at"]
    search_fields = ["reviewer__email", "reviewer__name", "interests"]
    list_select_related = ["reviewer"]
    autocomplete_fields = ["reviewer"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(PortalModelAdmin):
    track_scope = "application__track"
    list_display = ["reviewer", "application", "has_conflict", "kind", "source", "declared_at"]
    list_filter = ["has_conflict", "kind", "source"]
    search_fields = ["reviewer__email", "reviewer__name", "application__reference"]
    list_select_related = ["reviewer", "application"]
    autocomplete_fields = ["reviewer", "application"]


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    can_delete = False
    fields = ["criterion", "points", "max_points", "justification", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


AS = Assignment.Status


@admin.register(Assignment)
class AssignmentAdmin(PortalModelAdmin):
    track_scope = "application__track"
    list_display = [
        "application",
        "reviewer",
        "status",
        "total",
        "recommendation",
        "due_at",
        "submitted_at",
    ]
    list_filter = ["status", "recommendation", "application__track__kind"]
    search_fields = [
        "application__reference",
        "application__title",
        "reviewer__email",
        "reviewer__name",
    ]
    list_select_related = ["application", "reviewer"]
    autocomplete_fields = ["application", "reviewer", "assigned_by"]
    readonly_fields = ["status", "total", "submitted_at", "last_reminded_at"]
    inlines = [ScoreInline]
    actions = [
        transition_action(
            name="reopen_assignments",
            description=_("Reopen the submitted review"),
            service=transition_assignment,
            subject="assignment",
            to=AS.IN_PROGRESS,
            rule="reviews.reopen_assignment",
            reason="Reopened from the back office.",
        ),
        transition_action(
            name="reinvite_assignments",
            description=_("Invite again (after a decline)"),
            service=transition_assignment,
            subject="assignment",
            to=AS.INVITED,
            rule="reviews.reopen_assignment",
        ),
    ]


@admin.register(Score)
class ScoreAdmin(ReadOnlyPortalAdmin):
    track_scope = "assignment__application__track"
    list_display = ["assignment", "criterion", "points", "max_points", "updated_at"]
    list_filter = ["criterion__track__kind"]
    search_fields = ["assignment__application__reference", "assignment__reviewer__email"]
    list_select_related = ["assignment__application", "assignment__reviewer", "criterion"]


@admin.register(Job)
class JobAdmin(ReadOnlyPortalAdmin):
    track_scope = "track"
    list_display = ["track", "kind", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["track__name", "message"]
    list_select_related = ["track__call"]
