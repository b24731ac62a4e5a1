"""The back office for applications; statuses change only through admin actions."""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import AuditEvent
from accounts.rules import VIEW_STAFF_AREA
from applications.models import Application, ClarificationRequest, ConsortiumMember, Document
from applications.services import transition_application
from projects.admin import PortalModelAdmin, krw_column, transition_action

AS = Application.Status


class AuditEventInline(GenericTabularInline):
    """The audit history of the object: read-only, for whoever may read the audit trail."""

    model = AuditEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "old_value", "new_value", "actor", "detail"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    verbose_name = _("audit event")
    verbose_name_plural = _("history (audit trail)")
    view_rule = "applications.view_audit"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None):
        # Without an object Django asks whether to show the inline at all (staff only); with
        # the parent object, the rule decides for that object.
        if obj is None:
            return request.user.has_perm(VIEW_STAFF_AREA)
        return request.user.has_perm(self.view_rule, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConsortiumMemberInline(admin.TabularInline):
    model = ConsortiumMember
    extra = 0
    fields = ["name", "kind", "role", "country_code", "email_domain", "organization"]
    autocomplete_fields = ["organization"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


class DocumentInline(admin.TabularInline):
    """Documents are uploaded by the applicant and served by the portal's checking view."""

    model = Document
    extra = 0
    can_delete = False
    fields = ["kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False


def _application_action(name, description, to):
    return transition_action(
        name=name,
        description=description,
        service=transition_application,
        subject="application",
        to=to,
        rule="applications.screen_application",
        reason="",
    )


@admin.register(Application)
class ApplicationAdmin(PortalModelAdmin):
    track_scope = "track"
    list_display = [
        "reference",
        "title",
        "organization",
        "track",
        "country",
        "city",
        "status",
        krw_column(Application, "budget_requested"),
        "submitted_at",
    ]
    list_filter = ["status", "call__year", "track__kind", "call", "country"]
    search_fields = ["reference", "title", "organization__name", "city__name", "country__name"]
    list_select_related = ["organization", "track__call", "country", "city__country"]
    autocomplete_fields = ["call", "track", "organization", "created_by", "country", "city"]
    readonly_fields = [
        "reference",
        "public_id",
        "status",
        "status_reason",
        "submitted_at",
        "decided_at",
        "created_at",
        "updated_at",
    ]
    inlines = [ConsortiumMemberInline, DocumentInline, AuditEventInline]
    actions = [
        _application_action("mark_eligible", _("Mark eligible"), AS.ELIGIBLE),
        _application_action("mark_ineligible", _("Mark ineligible"), AS.INELIGIBLE),
        _application_action("start_review", _("Start the review"), AS.UNDER_REVIEW),
        _application_action("mark_reviewed", _("Mark reviewed"), AS.REVIEWED),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not roles.has_role(request.user, roles.PROGRAMME_ADMIN):
            # A draft is the applicant's own work until it is submitted.
            queryset = queryset.exclude(status=AS.DRAFT)
        return queryset


@admin.register(ConsortiumMember)
class ConsortiumMemberAdmin(PortalModelAdmin):
    track_scope = "application__track"
    list_display = ["name", "application", "role", "kind", "country_code"]
    list_filter = ["role", "kind"]
    search_fields = ["name", "application__reference", "application__title"]
    list_select_related = ["application"]
    autocomplete_fields = ["application", "organization"]


@admin.register(Document)
class DocumentAdmin(PortalModelAdmin):
    track_scope = "application__track"
    list_display = ["original_name", "application", "kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "application__reference", "application__title"]
    list_select_related = ["application", "uploaded_by"]
    autocomplete_fields = ["application", "uploaded_by"]
    readonly_fields = ["file", "content_type", "size", "uploaded_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ClarificationRequest)
class ClarificationRequestAdmin(PortalModelAdmin):
    track_scope = "application__track"
    list_display = ["application", "status", "requested_by", "created_at", "due_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["application__reference", "application__title", "message"]
    list_select_related = ["application", "requested_by"]
    autocomplete_fields = ["application", "requested_by", "answered_by"]
    readonly_fields = ["status", "previous_status", "created_at", "answered_at"]
