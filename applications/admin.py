"""The back office for applications: read-only, as the applicant submitted them.

Nothing of an application changes here (its track, organisation, budget and content are the
applicant's, fixed at submission; its documents and consortium members too): statuses change
only through admin actions calling the services (``screen_application``, which asks for no
reason when an application is eligible; an ineligible one needs the reason the applicant will
read, so it is screened on the staff screening page, as clarifications are requested there).
Rows are those the pages show the user (``applications.selectors.readable_applications_for_user``):
never an applicant's draft, nor its documents, consortium or clarifications.
"""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent
from accounts.rules import VIEW_STAFF_AREA
from applications import clarifications
from applications.models import (
    Answer,
    ApplicantNotice,
    Application,
    ApplicationTag,
    ClarificationRequest,
    ConsortiumMember,
    Document,
    Question,
    ReferenceSequence,
    Tag,
)
from applications.selectors import readable_applications_for_user
from applications.services import screen_application, transition_application
from core.admin import ReadOnlyInline, ReadOnlyInlineMixin, service_action
from projects.admin import DocumentKindFilter, PortalModelAdmin, krw_column, transition_action

AS = Application.Status


class AuditEventInline(ReadOnlyInlineMixin, GenericTabularInline):
    """The audit history of the object: read-only, for whoever may read the audit trail."""

    model = AuditEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
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


class ConsortiumMemberInline(ReadOnlyInline):
    model = ConsortiumMember
    fields = ["name", "kind", "role", "country_code", "email_domain", "organization"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


class DocumentKindMixin:
    """A document's kind by its name in the reader's language (the stored value is a code:
    ``letter_of_intent``, or ``own-3`` for a document of the track's own)."""

    @admin.display(description=Document._meta.get_field("kind").verbose_name, ordering="kind")
    def kind_shown(self, obj):
        return obj.kind_label


class DocumentInline(DocumentKindMixin, ReadOnlyInline):
    """Documents are uploaded by the applicant and served by the portal's checking view."""

    model = Document
    fields = ["kind_shown", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "application__track")


class VisibleApplicationRowsMixin:
    """Rows of (or about) applications the pages let the user read: ``application_path`` is
    the ORM path to the application ("" for the application itself)."""

    application_path = "application"

    def visible_queryset(self, request, queryset):
        readable = readable_applications_for_user(request.user).values("pk")
        lookup = f"{self.application_path}__in" if self.application_path else "pk__in"
        return queryset.filter(**{lookup: readable})


@admin.register(Application)
class ApplicationAdmin(VisibleApplicationRowsMixin, PortalModelAdmin):
    track_scope = "track"
    application_path = ""
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
    # Only the calls of the rows the user sees (a plain "call" filter listed every call, the
    # drafts and the other secretariat's included).
    list_filter = [
        "status",
        "stage",
        "call__year",
        "track__kind",
        ("call", admin.RelatedOnlyFieldListFilter),
        "country",
    ]
    search_fields = ["reference", "title", "organization__name", "city__name", "country__name"]
    list_select_related = ["organization", "track__call", "country", "city__country"]
    autocomplete_fields = ["call", "track", "organization", "created_by", "country", "city"]
    readonly_fields = ["public_id"]
    inlines = [ConsortiumMemberInline, DocumentInline, AuditEventInline]
    actions = [
        service_action(
            name="mark_eligible",
            description=_("Mark eligible"),
            service=screen_application,
            subject="application",
            rule="applications.screen_application",
            eligible=True,
        ),
        # Under review only through the track's "start the review" (it locks the criteria);
        # reviewed has no service of its own beyond the transition.
        transition_action(
            name="mark_reviewed",
            description=_("Mark reviewed"),
            service=transition_application,
            subject="application",
            to=AS.REVIEWED,
            rule="applications.screen_application",
            reason="",
        ),
    ]

    def site_url(self, request, obj):
        """The application's staff page (its own page is the applicant's)."""
        if request.user.has_perm("applications.screen_application", obj):
            return reverse("staff_applications:screen", kwargs={"pk": obj.pk})
        return None


@admin.register(ConsortiumMember)
class ConsortiumMemberAdmin(VisibleApplicationRowsMixin, PortalModelAdmin):
    track_scope = "application__track"
    list_display = ["name", "application", "role", "kind", "country_code"]
    list_filter = ["role", "kind"]
    search_fields = ["name", "application__reference", "application__title"]
    list_select_related = ["application"]
    autocomplete_fields = ["application", "organization"]


@admin.register(Document)
class DocumentAdmin(DocumentKindMixin, VisibleApplicationRowsMixin, PortalModelAdmin):
    track_scope = "application__track"
    list_display = [
        "original_name",
        "application",
        "kind_shown",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = [DocumentKindFilter]
    search_fields = ["original_name", "application__reference", "application__title"]
    list_select_related = ["application__track", "uploaded_by"]
    autocomplete_fields = ["application", "uploaded_by"]
    # Written only by the applicant's upload: shown by its name, not its code.
    exclude = ["kind"]
    readonly_fields = ["kind_shown"]

    def file_door(self, obj, field_name):
        return reverse("applications:document_download", kwargs={"public_id": obj.public_id})


@admin.register(ClarificationRequest)
class ClarificationRequestAdmin(VisibleApplicationRowsMixin, PortalModelAdmin):
    track_scope = "application__track"
    list_display = ["application", "status", "requested_by", "created_at", "due_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["application__reference", "application__title", "message"]
    list_select_related = ["application", "requested_by"]
    autocomplete_fields = ["application", "requested_by", "answered_by"]
    # The snapshots are shown as what they mean: the changes, in the reader's language.
    exclude = ["before", "after"]
    readonly_fields = ["what_changed"]

    @admin.display(description=_("what the answer changed"))
    def what_changed(self, obj):
        found = clarifications.changes(obj) if obj.pk else []
        if not found:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{} · {}: {} → {}",
            (
                (
                    c.section_label,
                    c.label,
                    Truncator(c.before).chars(200),
                    Truncator(c.after).chars(200),
                )
                for c in found
            ),
        )

    def site_url(self, request, obj):
        """The application's staff page, where the request is shown with its changes."""
        if request.user.has_perm("applications.screen_application", obj.application):
            return reverse("staff_applications:screen", kwargs={"pk": obj.application_id})
        return None


@admin.register(Tag)
class TagAdmin(PortalModelAdmin):
    """Staff tags, read-only here: they are added on the track's tag page and put on
    applications from its application list (``applications.services``, audited)."""

    list_display = ["name", "name_ko", "colour", "track", "call", "created_by", "created_at"]
    list_filter = ["colour", "call__year"]
    search_fields = ["name", "name_ko", "track__name", "call__name"]
    list_select_related = ["track__call", "call", "created_by"]
    autocomplete_fields = ["track", "call", "created_by"]


@admin.register(ApplicationTag)
class ApplicationTagAdmin(VisibleApplicationRowsMixin, PortalModelAdmin):
    """Which application has which tag, read-only (changed from the application list)."""

    track_scope = "application__track"
    list_display = ["application", "tag", "added_by", "added_at"]
    list_filter = ["tag__colour"]
    search_fields = ["application__reference", "application__title", "tag__name"]
    list_select_related = ["application", "tag", "added_by"]
    autocomplete_fields = ["application", "tag", "added_by"]


@admin.register(Question)
class QuestionAdmin(PortalModelAdmin):
    """The questions of the tracks' forms, read-only here: staff design them on the track's
    questions page (``applications.services.create_question`` and the others, audited, which
    refuse to change an answered question's type or options)."""

    track_scope = "track"
    list_display = ["code", "label", "type", "required", "track", "call", "retired_at"]
    list_filter = ["type", "stage", "required", "identifying", "call__year"]
    search_fields = ["code", "label", "label_ko", "track__name", "call__name"]
    list_select_related = ["track__call", "call"]
    autocomplete_fields = ["track", "call"]


@admin.register(Answer)
class AnswerAdmin(VisibleApplicationRowsMixin, PortalModelAdmin):
    """Answers as the applicants gave them, with the question as it was then; read-only
    (written by ``applications.services.save_answers``)."""

    track_scope = "application__track"
    list_display = ["application", "question", "answered_at", "answered_by"]
    list_filter = ["question__type"]
    search_fields = ["application__reference", "application__title", "question__code"]
    list_select_related = ["application", "question", "answered_by"]
    autocomplete_fields = ["application", "question", "answered_by"]


@admin.register(ReferenceSequence)
class ReferenceSequenceAdmin(PortalModelAdmin):
    """Which reference prefixes are numbered, read-only: a prefix's first submission starts
    its numbering (``applications.services._next_reference``)."""

    list_display = ["prefix", "started_after"]
    list_filter = []
    search_fields = ["prefix"]
    list_select_related = False
    ordering = ["prefix"]


@admin.register(ApplicantNotice)
class ApplicantNoticeAdmin(PortalModelAdmin):
    """Notices sent to the tracks' applicants, read-only: they are sent from the track's
    notices page (``applications.services.send_applicant_notice``, audited, once per form)."""

    track_scope = "track"
    list_display = ["sent_at", "subject", "track", "audience", "recipients", "public", "sent_by"]
    list_filter = ["audience", "public", "track__call__year"]
    search_fields = ["subject", "subject_ko", "body", "track__name"]
    list_select_related = ["track__call", "sent_by"]
    autocomplete_fields = ["track", "sent_by"]
