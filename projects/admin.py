"""The back office for calls, tracks and the portfolio; also the base every app's admin uses.

``PortalModelAdmin`` narrows rows to the staff member's tracks (programme admins see all) and
``transition_action`` builds admin actions that change a status only through its service.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import roles
from core.domain import DomainError
from core.templatetags.portal_format import krw
from projects import services
from projects.models import Call, City, Country, Event, Project, Track
from projects.selectors import staff_tracks


class PortalModelAdmin(admin.ModelAdmin):
    """A model admin whose rows follow the portal's visibility rules.

    ``track_scope`` is the ORM path from the model to its ``Track`` ("" for the track itself);
    secretariat staff see only rows of their tracks. ``None`` means the model is not
    track-scoped: who sees it is decided by the role groups' model permissions alone.
    """

    track_scope: str | None = None
    list_per_page = 50
    show_full_result_count = False

    def scope_queryset(self, request, queryset):
        user = request.user
        if self.track_scope is None or roles.has_role(user, roles.PROGRAMME_ADMIN):
            return queryset
        lookup = "pk__in" if self.track_scope == "" else f"{self.track_scope}__in"
        in_scope = self.model._default_manager.filter(**{lookup: staff_tracks(user)})
        return queryset.filter(pk__in=in_scope.values("pk"))

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def object_in_scope(self, request, obj) -> bool:
        if obj is None or self.track_scope is None:
            return True
        if roles.has_role(request.user, roles.PROGRAMME_ADMIN):
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.object_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.object_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.object_in_scope(request, obj)


class ReadOnlyPortalAdmin(PortalModelAdmin):
    """Rows written only by services (results, statistics, outbox): nobody edits them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def transition_action(
    *,
    name: str,
    description,
    service: Callable,
    subject: str,
    to: str,
    rule: str | None = None,
    **extra,
):
    """An admin action moving every selected row to ``to`` through ``service``.

    ``service`` is called as ``service(<subject>=obj, to=to, actor=user, **extra)``. A
    ``DomainError`` (an illegal move, a business rule) is reported for that row and the other
    rows go on; ``rule`` is an object permission the user must hold on each row.
    """

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        moved = 0
        for obj in queryset:
            if rule and not request.user.has_perm(rule, obj):
                modeladmin.message_user(
                    request,
                    _("%(object)s: you may not change this.") % {"object": obj},
                    level=messages.ERROR,
                )
                continue
            try:
                service(**{subject: obj, "to": to, "actor": request.user, **extra})
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", level=messages.ERROR)
            else:
                moved += 1
        if moved:
            modeladmin.message_user(
                request,
                ngettext("%(count)d row changed.", "%(count)d rows changed.", moved)
                % {"count": moved},
                level=messages.SUCCESS,
            )

    action.__name__ = name
    return action


def krw_column(model, field_name: str):
    """A changelist column showing a KRW field as the portal's pages do (``500,000,000`` read as
    ``5억 원`` in Korean), labelled and sorted like the field itself."""
    field = model._meta.get_field(field_name)

    @admin.display(description=field.verbose_name, ordering=field_name)
    def column(obj):
        value = getattr(obj, field_name)
        # None stays None so the admin shows its usual empty-value dash.
        return None if value is None else krw(value)

    column.__name__ = f"{field_name}_krw"
    return column


@admin.register(Country)
class CountryAdmin(PortalModelAdmin):
    list_display = ["name", "name_ko", "code", "iso3", "region"]
    list_filter = ["region"]
    search_fields = ["name", "name_ko", "code", "iso3"]
    list_select_related = True


@admin.register(City)
class CityAdmin(PortalModelAdmin):
    list_display = ["name", "name_ko", "country", "latitude", "longitude", "population"]
    list_filter = ["country__region"]
    search_fields = ["name", "name_ko", "country__name", "country__code"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]


CS = Call.Status


def _call_action(name, description, to):
    return transition_action(
        name=name,
        description=description,
        service=services.transition_call,
        subject="call",
        to=to,
        rule="projects.configure_call",
    )


@admin.register(Call)
class CallAdmin(PortalModelAdmin):
    track_scope = "tracks"
    list_display = ["name", "year", "kind", "status", "opens_at", "closes_at"]
    list_filter = ["status", "kind", "year"]
    search_fields = ["name", "name_ko", "slug"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["status", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    actions = [
        _call_action("publish_calls", _("Publish"), CS.PUBLISHED),
        _call_action("open_calls", _("Open for applications"), CS.OPEN),
        _call_action("close_calls", _("Close"), CS.CLOSED),
        _call_action("start_call_review", _("Start the review"), CS.IN_REVIEW),
        _call_action("mark_calls_decided", _("Mark decided"), CS.DECIDED),
        _call_action("archive_calls", _("Archive"), CS.ARCHIVED),
        _call_action("return_calls_to_draft", _("Return to draft"), CS.DRAFT),
    ]


@admin.register(Track)
class TrackAdmin(PortalModelAdmin):
    track_scope = ""
    list_display = [
        "name",
        "code",
        "call",
        "kind",
        "secretariat",
        krw_column(Track, "budget_floor"),
        krw_column(Track, "budget_ceiling"),
        krw_column(Track, "total_budget"),
        "target_awards",
        "min_reviewers",
    ]
    list_filter = ["kind", "call__year", "secretariat"]
    search_fields = ["name", "name_ko", "code", "call__name"]
    list_select_related = ["call", "secretariat"]
    autocomplete_fields = ["call", "secretariat"]
    readonly_fields = ["criteria_locked_at"]


@admin.register(Project)
class ProjectAdmin(PortalModelAdmin):
    track_scope = "award__application__track"
    list_display = [
        "code",
        "name",
        "year",
        "track_kind",
        "country",
        "city",
        krw_column(Project, "budget_krw"),
        "contractor",
        "source",
        "status",
    ]
    list_filter = ["year", "track_kind", "source", "status", "country__region"]
    search_fields = ["code", "name", "name_ko", "city__name", "country__name", "contractor__name"]
    list_select_related = ["country", "city__country", "contractor"]
    autocomplete_fields = ["country", "city", "partner", "contractor"]
    readonly_fields = ["status", "created_at"]
    actions = [
        transition_action(
            name="complete_projects",
            description=_("Mark completed"),
            service=services.set_project_status,
            subject="project",
            to=Project.Status.COMPLETED,
        ),
        transition_action(
            name="cancel_projects",
            description=_("Mark cancelled"),
            service=services.set_project_status,
            subject="project",
            to=Project.Status.CANCELLED,
            reason="Cancelled in the back office.",
        ),
    ]


@admin.register(Event)
class EventAdmin(PortalModelAdmin):
    list_display = ["name", "kind", "starts_on", "ends_on", "city", "partners"]
    list_filter = ["kind"]
    search_fields = ["name", "name_ko", "partners"]
    list_select_related = ["city__country"]
    autocomplete_fields = ["city"]
