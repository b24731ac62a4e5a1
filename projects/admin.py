"""The back office for calls, tracks and the portfolio; also the base every app's admin uses.

``PortalModelAdmin`` is ``core.admin.ServiceModelAdmin`` (every field read-only, no adding or
deleting, unless a service backs it) narrowed to the staff member's tracks (programme admins
see all); ``transition_action`` builds admin actions that change a status only through its
service.

Here, programme admins configure the programme through ``projects.services``: calls
(``create_call``, ``update_call``; year, kind and project fixed once anyone applied), tracks
(``create_track``, ``update_track``; the terms fixed once the call opened; review settings and
the criteria lock belong to the review screens), reference data (``save_reference_entry``,
``delete_event``) and funded projects (``update_project``: the description for the staff who
follow a project, a historical project's record for programme admins; statuses through
``set_historical_project_status``, a portal project following its award) and a track's
document requirements (``save_document_requirement``, ``remove_document_requirement``; their
order and template on the track's documents page under /staff/calls/). Every change is
audited with the old and new values. Secretariat staff read.
"""

from collections.abc import Callable

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.admin import ReadOnlyInline, ServiceModelAdmin, service_action
from core.templatetags.portal_format import krw
from projects import services
from projects.forms import DocumentRequirementAdminForm
from projects.models import (
    Call,
    City,
    Country,
    DocumentRequirement,
    Event,
    EventMaterial,
    EventParticipant,
    Project,
    Track,
    standard_document_kind_label,
)
from projects.rules import CONFIGURE_CALL, MANAGE_EVENTS, MANAGE_TRACK
from projects.selectors import projects_for_staff, public_calls, public_portfolio, staff_tracks


class PortalModelAdmin(ServiceModelAdmin):
    """A model admin whose rows follow the portal's visibility rules and whose writes go
    through services (``core.admin.ServiceModelAdmin``).

    ``track_scope`` is the ORM path from the model to its ``Track`` ("" for the track itself);
    secretariat staff see only rows of their tracks. ``None`` means the model is not
    track-scoped: who sees it is decided by the role groups' model permissions alone.
    ``visible_queryset`` narrows the rows further with the pages' selectors (no drafts, no
    unsubmitted reviews). A choice of track on a form offers only the user's tracks.
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

    def visible_queryset(self, request, queryset):
        """The rows the pages' selectors let the user see (all, unless a subclass says)."""
        return queryset

    def get_queryset(self, request):
        queryset = self.scope_queryset(request, super().get_queryset(request))
        return self.visible_queryset(request, queryset)

    def object_in_scope(self, request, obj) -> bool:
        if obj is None or obj.pk is None:
            return True
        # Asked several times per page (view, change, delete, each inline): once per row.
        answers = request.__dict__.setdefault("_portal_admin_in_scope", {})
        key = (self.model._meta.label, obj.pk)
        if key not in answers:
            answers[key] = self.get_queryset(request).filter(pk=obj.pk).exists()
        return answers[key]

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.object_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.object_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.object_in_scope(request, obj)

    def get_fields(self, request, obj=None):
        # English and Korean side by side: a field followed by its ``_ko`` twin (name and
        # name_ko, description and description_ko) shares one line of the form.
        fields = list(super().get_fields(request, obj))
        paired = []
        for name in fields:
            if isinstance(name, str) and name.endswith("_ko") and paired:
                previous = paired[-1]
                if isinstance(previous, str) and f"{previous}_ko" == name:
                    paired[-1] = (previous, name)
                    continue
            paired.append(name)
        return paired

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Track:
            kwargs["queryset"] = staff_tracks(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
    rule_object: Callable | None = None,
    **extra,
):
    """An admin action moving every selected row to ``to`` through ``service``.

    ``service`` is called as ``service(<subject>=obj, to=to, actor=user, **extra)``. A
    ``DomainError`` (an illegal move, a business rule) is reported for that row and the other
    rows go on; ``rule`` is an object permission the user must hold on each row.
    """
    return service_action(
        name=name,
        description=description,
        service=service,
        subject=subject,
        rule=rule,
        rule_object=rule_object,
        to=to,
        **extra,
    )


def is_configurer(request) -> bool:
    """A programme admin: the one who configures calls, tracks and reference data."""
    return request.user.has_perm(CONFIGURE_CALL)


def _manages_events(request) -> bool:
    return request.user.has_perm(MANAGE_EVENTS)


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


class DocumentKindFilter(admin.SimpleListFilter):
    """Filter documents or requirements by kind, each named in the reader's language (the
    stored value is a code: ``letter_of_intent``; a track's own kind keeps its code), offering
    only the kinds of the rows the user sees."""

    title = DocumentRequirement._meta.get_field("kind").verbose_name
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        rows = model_admin.get_queryset(request).order_by("kind")
        kinds = rows.values_list("kind", flat=True).distinct()
        return [(kind, standard_document_kind_label(kind) or kind) for kind in kinds]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class ReferenceAdmin(PortalModelAdmin):
    """Reference data (countries, cities, events): programme admins add and correct it
    through ``save_reference_entry``."""

    def get_service_fields(self, request, obj):
        return set(services.REFERENCE_FIELDS[self.model]) if is_configurer(request) else set()

    def get_add_fields(self, request):
        return set(services.REFERENCE_FIELDS[self.model]) if is_configurer(request) else set()

    def change_through_service(self, request, obj, changes):
        return services.save_reference_entry(entry=obj, actor=request.user, **changes)

    def add_through_service(self, request, data):
        return services.save_reference_entry(entry=self.model(), actor=request.user, **data)


@admin.register(Country)
class CountryAdmin(ReferenceAdmin):
    list_display = ["name", "name_ko", "code", "iso3", "region"]
    list_filter = ["region"]
    search_fields = ["name", "name_ko", "code", "iso3"]
    list_select_related = True


@admin.register(City)
class CityAdmin(ReferenceAdmin):
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
        rule=CONFIGURE_CALL,
    )


@admin.register(Call)
class CallAdmin(PortalModelAdmin):
    track_scope = "tracks"
    list_display = ["name", "year", "kind", "status", "opens_at", "closes_at"]
    list_filter = ["status", "kind", "year"]
    search_fields = ["name", "name_ko", "slug"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
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

    def get_service_fields(self, request, obj):
        return set(services.call_editable_fields(obj)) if is_configurer(request) else set()

    def site_url(self, request, obj):
        """The call's public page once the public may see it; before, its staff page for those
        who configure calls, and no link for the rest."""
        if public_calls().filter(pk=obj.pk).exists():
            return obj.get_absolute_url()
        if request.user.has_perm(CONFIGURE_CALL, obj):
            return reverse("staff_projects:call", kwargs={"call_id": obj.pk})
        return None

    def get_add_fields(self, request):
        return set(services.CALL_FIELDS) if is_configurer(request) else set()

    def change_through_service(self, request, obj, changes):
        return services.update_call(call=obj, actor=request.user, **changes)

    def add_through_service(self, request, data):
        return services.create_call(actor=request.user, **data)


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

    def get_service_fields(self, request, obj):
        return set(services.track_editable_fields(obj)) if is_configurer(request) else set()

    def get_add_fields(self, request):
        if not is_configurer(request):
            return set()
        return {
            "call",
            *services.TRACK_DESCRIPTION_FIELDS,
            *services.TRACK_TERMS_FIELDS,
            *services.TRACK_REVIEW_FIELDS,
        }

    def change_through_service(self, request, obj, changes):
        return services.update_track(track=obj, actor=request.user, **changes)

    def add_through_service(self, request, data):
        return services.create_track(actor=request.user, **data)


def _project_action(name, description, to, **extra):
    return transition_action(
        name=name,
        description=description,
        service=services.set_historical_project_status,
        subject="project",
        to=to,
        rule=CONFIGURE_CALL,
        **extra,
    )


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
        "is_public",
    ]
    list_filter = ["year", "track_kind", "source", "status", "is_public", "country__region"]
    search_fields = ["code", "name", "name_ko", "city__name", "country__name", "contractor__name"]
    list_select_related = ["country", "city__country", "contractor"]
    autocomplete_fields = ["country", "city", "partner", "contractor"]
    actions = [
        _project_action("complete_projects", _("Mark completed"), Project.Status.COMPLETED),
        # The reason is the user's, asked first (it was a canned English sentence).
        _project_action(
            "cancel_projects",
            _("Mark cancelled"),
            Project.Status.CANCELLED,
            ask=("reason", _("Why the project is cancelled")),
        ),
    ]

    def get_service_fields(self, request, obj):
        return set(services.project_editable_fields(obj, request.user))

    def site_url(self, request, obj):
        """The project's public page while the public portfolio shows it; before its award is
        approved (or once cancelled) its staff page for those who follow it, else no link."""
        if public_portfolio().filter(pk=obj.pk).exists():
            return obj.get_absolute_url()
        if projects_for_staff(request.user).filter(pk=obj.pk).exists():
            return reverse("staff_awards:project", kwargs={"code": obj.code})
        return None

    def change_through_service(self, request, obj, changes):
        return services.update_project(project=obj, actor=request.user, **changes)


class EventParticipantInline(ReadOnlyInline):
    """Who took part: added and removed through ``add_event_participant`` /
    ``remove_event_participant`` (the staff events page), shown here."""

    model = EventParticipant
    fields = ["name", "organization", "country", "role"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization", "country")


class EventMaterialInline(ReadOnlyInline):
    """The event's public materials, uploaded through ``add_event_material``."""

    model = EventMaterial
    fields = ["title", "title_ko", "original_name", "size", "created_at"]


@admin.register(Event)
class EventAdmin(ReferenceAdmin):
    """Programme admins and secretariat staff record and correct events, and link them to
    projects, through ``create_event`` / ``update_event``; programme admins delete them
    (``delete_event``); participants and materials show read-only."""

    list_display = ["name", "kind", "starts_on", "ends_on", "city", "partners"]
    list_filter = ["kind"]
    search_fields = ["name", "name_ko", "partners"]
    list_select_related = ["city__country"]
    autocomplete_fields = ["city", "projects"]
    inlines = [EventParticipantInline, EventMaterialInline]

    # The events' rule (``MANAGE_EVENTS``: programme admins and secretariat staff), as the
    # services and the staff event pages ask it.
    def get_service_fields(self, request, obj):
        return self._event_fields(request) if _manages_events(request) else set()

    def get_add_fields(self, request):
        return self._event_fields(request) if _manages_events(request) else set()

    # The linked projects only for programme admins, who follow every project: secretariat
    # staff link theirs on the staff event page (``projects.event_views``), which names another
    # secretariat's project only once it is public and keeps its link. Here the field would
    # show, and send back, every linked project's name.
    def _event_fields(self, request) -> set[str]:
        return (
            {*services.EVENT_FIELDS, "projects"}
            if is_configurer(request)
            else {*services.EVENT_FIELDS}
        )

    def hidden_fields(self, request, obj):
        hidden = set(super().hidden_fields(request, obj))
        return hidden if is_configurer(request) else {*hidden, "projects"}

    def change_through_service(self, request, obj, changes):
        return services.update_event(event=obj, actor=request.user, **changes)

    def add_through_service(self, request, data):
        return services.create_event(actor=request.user, **data)

    def allows_delete(self, request, obj):
        # ``delete_event``'s rule (a programme admin's), not the wider ``MANAGE_EVENTS``:
        # staff were offered a delete the service then refused.
        return is_configurer(request)

    def delete_through_service(self, request, obj):
        services.delete_event(event=obj, actor=request.user)


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(PortalModelAdmin):
    """A track's documents; the staff page (/staff/calls/tracks/<id>/documents/) also orders
    them and takes their templates. Written through the track's services and rule."""

    track_scope = "track"
    form = DocumentRequirementAdminForm  # the kinds and "the track's own", as on the page
    list_display = [
        "name",
        "name_ko",
        "kind_shown",
        "track",
        "is_required",
        "max_size_mb",
        "order",
    ]
    list_filter = [DocumentKindFilter, "is_required", "track__call__year"]
    search_fields = ["name", "name_ko", "track__name", "track__call__name"]
    list_select_related = ["track__call"]
    autocomplete_fields = ["track"]

    @admin.display(
        description=DocumentRequirement._meta.get_field("kind").verbose_name, ordering="kind"
    )
    def kind_shown(self, obj):
        # Its name in the reader's language, not its code (``site_map``).
        return obj.kind_label

    def _manages(self, request, obj) -> bool:
        return obj is not None and request.user.has_perm(MANAGE_TRACK, obj.track)

    def file_door(self, obj, field_name):
        return reverse(
            "projects:document_template", kwargs={"slug": obj.track.call.slug, "pk": obj.pk}
        )

    def get_service_fields(self, request, obj):
        return set(services.REQUIREMENT_FIELDS) if self._manages(request, obj) else set()

    def get_add_fields(self, request):
        return (
            {"track", *services.REQUIREMENT_FIELDS}
            if staff_tracks(request.user).exists()
            else set()
        )

    def change_through_service(self, request, obj, changes):
        for name, value in changes.items():
            setattr(obj, name, value)
        return services.save_document_requirement(requirement=obj, actor=request.user)

    def add_through_service(self, request, data):
        return services.save_document_requirement(
            requirement=DocumentRequirement(**data), actor=request.user
        )

    def allows_delete(self, request, obj):
        return obj is None or self._manages(request, obj)

    def delete_through_service(self, request, obj):
        services.remove_document_requirement(requirement=obj, actor=request.user)
