"""The back office's one door: a model admin that writes only through a named service.

``ServiceModelAdmin`` is safe by default. Every field of the model is read-only, adding and
deleting are refused, and the change page of a row with nothing editable is a view page (a
POST to it is refused with 403). A subclass opens a door only by naming it:

- ``service_fields`` (or ``get_service_fields(request, obj)``, which may depend on the user and
  on the row's state): the fields the change form edits. The changed values, and only those,
  go to ``change_through_service(request, obj, changes)``, which calls the app's service (its
  rules, its ``full_clean``, its audit row, its notifications);
- ``add_fields`` (or ``get_add_fields(request)``) and ``add_through_service(request, data)``;
- ``allows_delete(request, obj)`` and ``delete_through_service(request, obj)``.

The admin itself never saves the model: the form's instance is not written, many-to-many
fields are not set and inlines are not saved (inlines of such an admin are ``ReadOnlyInline``).
``hidden_fields(request, obj)`` names fields not shown at all (content the user may not read).

Read-only stored files and related rows are shown with only the links the user may follow
(``ReadOnlyDisplaysMixin``, for the inlines too).

A change page carries the fingerprint of the editable values it shows (``core.concurrency``,
hidden ``seen_version``): a save from a page opened before a colleague saved that row is
refused (``StaleEdit``, answered 409) instead of putting the colleague's values back, with
their values named and what was typed kept; saving again then keeps the typed values.

The service runs once, after the form and every inline are valid, inside the admin's
transaction. A ``DomainError`` it raises rolls that transaction back and the form is shown
again with what was typed and the refusal next to the field it names; a refused deletion is
an error message on the change page. No domain here: the apps' admins say which service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.concurrency import StaleEdit, refuse_if_row_changed, row_fingerprint
from core.domain import DomainError
from core.forms import SEEN_VERSION, apply_domain_error

# Where the second rendering of a refused form finds the refusal.
_REFUSAL_ATTR = "_admin_service_refusal"

# The audit trail lives in ``accounts``, above this app: the function that reads one object's
# trail, oldest first (``accounts.audit.audit_events_for``), is handed in at start-up.
_audit_trail: Callable[[Any], Any] | None = None


def register_audit_trail(reader: Callable[[Any], Any]) -> None:
    """Set the function the admin's "History" pages read an object's audit trail with."""
    global _audit_trail
    _audit_trail = reader


class _System:
    """The actor of an audit row written by the system (a scheduled job, a worker)."""

    def get_username(self):
        return _("system")

    def get_full_name(self):
        return ""


class _Unnamed:
    """The actor of an audit row shown to a user who may not know who the row's people are."""

    def get_username(self):
        return "—"

    def get_full_name(self):
        return ""


class _AuditHistoryRow:
    """An audit row as Django's history template reads a log entry."""

    def __init__(self, event, *, named: bool = True):
        self.action_time = event.created_at
        self.user = (event.actor or _System()) if named else _Unnamed()
        self._event = event
        self._named = named

    def get_change_message(self):
        # In the reader's language when the row can say it (``AuditEvent.describe``); to a
        # reader who may not know the row's people, without its values (an address, a name).
        describe = getattr(self._event, "describe", None)
        return describe(with_values=self._named) if describe else str(self._event)


class ServiceRefused(Exception):
    """A service refused an admin write; carries the ``DomainError`` out of the transaction."""

    def __init__(self, error: DomainError):
        super().__init__(str(error.message))
        self.error = error


def model_field_names(model, *, exclude: Iterable[str] = ()) -> list[str]:
    """The names of a model's fields a form could edit (concrete or many-to-many, editable,
    not created by Django), in the model's order."""
    excluded = set(exclude)
    return [
        field.name
        for field in model._meta.get_fields()
        if (field.concrete or field.many_to_many)
        and not field.auto_created
        and field.editable
        and field.name not in excluded
    ]


class ReadOnlyDisplaysMixin:
    """How a model admin or an inline shows read-only stored files and related rows.

    A stored file is shown by its name, linked to the portal's own door for it when the admin
    names one (``file_door(obj, field_name)``, the view that checks the rules): never by the
    storage's URL, which the local disk does not serve and a bucket would make a link past
    them. A related row is linked to its admin page only when the user may open that page
    (Django links every related row, and staff met "Access denied" behind the links).
    """

    def file_door(self, obj, field_name: str) -> str | None:
        """The URL of the view that serves ``obj``'s stored file after checking the rules, or
        None to show the file's name without a link."""
        return None

    def _readonly_displays(self, request) -> dict[str, Callable]:
        """Field name → the read-only display of a file field or a related row, made once per
        request (the form, the field list and the page must see the same object)."""
        cache = request.__dict__.setdefault("_service_admin_displays", {})
        # By class: Django makes new inline instances for each use within one request.
        displays = cache.get(type(self))
        if displays is None:
            displays = {}
            for field in self.model._meta.get_fields():
                if isinstance(field, models.FileField):
                    displays[field.name] = self._file_display(field)
                elif field.concrete and (field.many_to_one or field.one_to_one):
                    displays[field.name] = self._related_display(request, field)
            cache[type(self)] = displays
        return displays

    def _file_display(self, field) -> Callable:
        def display(obj):
            value = getattr(obj, field.name)
            if not value:
                return self.get_empty_value_display()
            shown = (
                getattr(obj, "original_name", "")
                or getattr(obj, f"{field.name}_name", "")
                or value.name.rsplit("/", 1)[-1]
            )
            door = self.file_door(obj, field.name)
            return format_html('<a href="{}">{}</a>', door, shown) if door else shown

        display.short_description = field.verbose_name
        return display

    def _related_display(self, request, field) -> Callable:
        """The related row, linked to its admin page only when the user may open that page."""

        def display(obj):
            related = getattr(obj, field.name)
            if related is None:
                return self.get_empty_value_display()
            related_admin = self.admin_site._registry.get(type(related))
            if related_admin is None or not related_admin.has_view_permission(request, related):
                return str(related)
            opts = related._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[quote(related.pk)],
                current_app=self.admin_site.name,
            )
            return format_html('<a href="{}">{}</a>', url, related)

        display.short_description = field.verbose_name
        return display

    def _fields_with_displays(self, request, fields, readonly):
        """``fields`` with each read-only (in ``readonly``) file or related field's name
        replaced by its display, each once."""
        displays = self._readonly_displays(request)
        replaced = {name for name in displays if name in readonly}
        shown = []
        for name in fields:
            if isinstance(name, str) and name in replaced:
                name = displays[name]
            if name not in shown:
                shown.append(name)
        return shown


class ServiceModelAdmin(ReadOnlyDisplaysMixin, admin.ModelAdmin):
    """A model admin whose every write is a call to a service (see the module docstring)."""

    service_fields: tuple[str, ...] = ()
    add_fields: tuple[str, ...] = ()
    # Django's change form with the hidden fingerprint of the values shown (``_seen_version``).
    change_form_template = "admin/service_change_form.html"

    # --- The doors a subclass opens --------------------------------------------------------

    def get_service_fields(self, request, obj) -> set[str]:
        """The fields of ``obj`` the user may change here now (through the service)."""
        return set(self.service_fields)

    def get_add_fields(self, request) -> set[str]:
        """The fields of the add form; empty when rows are not added here."""
        return set(self.add_fields)

    def change_through_service(self, request, obj, changes: dict):
        """Write ``changes`` (field → cleaned value) to ``obj`` through the app's service and
        return the saved row. ``obj`` is a fresh copy from the database."""
        raise NotImplementedError(f"{type(self).__name__} names service fields but no service.")

    def add_through_service(self, request, data: dict):
        """Create a row from ``data`` (the add form's cleaned values) through the service."""
        raise NotImplementedError(f"{type(self).__name__} names add fields but no service.")

    def site_url(self, request, obj) -> str | None:
        """Where the change page's "View on site" leads this user: a page of the site they may
        open, or None for no link. Django's own asks the model (``get_absolute_url``), which
        knows no user: an application's page there is its applicant's."""
        return self.get_view_on_site_url(obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )
        if obj is not None and getattr(response, "context_data", None) is not None:
            url = self.site_url(request, obj)
            response.context_data.update(has_absolute_url=url is not None, absolute_url=url)
            if change:
                response.context_data[SEEN_VERSION] = self._seen_version(request, obj)
        return response

    def _seen_version(self, request, obj) -> str | None:
        """The fingerprint of the editable values the change page shows (``save_model`` checks
        it): the one the page was opened with while its form is shown again, the values
        stored now after a stale refusal; None for a page with nothing editable."""
        editable = self._editable(request, obj)
        if not editable:
            return None
        refusal = getattr(request, _REFUSAL_ATTR, None)
        if isinstance(refusal, StaleEdit):
            return refusal.current
        if request.method == "POST":
            return request.POST.get(SEEN_VERSION, "")
        return row_fingerprint(obj, editable)

    def history_view(self, request, object_id, extra_context=None):
        """The "History" page is the row's audit trail: every write here goes through a
        service, which writes an audit row, and never through Django's change log, so the log
        would always be empty. Django's view keeps its checks (the row, the permission)."""
        response = super().history_view(request, object_id, extra_context)
        context = getattr(response, "context_data", None)
        if _audit_trail is None or context is None:
            return response
        paginator = self.get_paginator(request, _audit_trail(context["object"]), 100)
        page = paginator.get_page(request.GET.get(context["page_var"], 1))
        named = self.history_names_actors(request, context["object"])
        page.object_list = [_AuditHistoryRow(event, named=named) for event in page.object_list]
        context.update(
            action_list=page,
            page_range=paginator.get_elided_page_range(page.number),
            pagination_required=paginator.count > 100,
        )
        return response

    def history_names_actors(self, request, obj) -> bool:
        """Whether the "History" page names who made each change. A row whose people the user
        may not know (an organisation's members) is shown with its trail but no names."""
        return True

    def allows_delete(self, request, obj) -> bool:
        """Whether ``obj`` (None: some row) may be deleted here, through the service."""
        return False

    def delete_through_service(self, request, obj) -> None:
        raise NotImplementedError(f"{type(self).__name__} allows deletion but names no service.")

    def hidden_fields(self, request, obj) -> set[str]:
        """Fields not shown at all for ``obj`` (content the user may not read)."""
        return set()

    def lookup_allowed(self, lookup, value, request=None):
        """A list is filtered from its address only by what it offers to filter by (its
        ``list_filter`` and ``date_hierarchy``), or by a related row's id (a link from another
        page). Django also allows any lookup on the row's own fields, which answers "is there a
        row whose hidden field starts with …": one character at a time, that reads a field
        the user is never shown (a message's reset link, a draft review's comment, a token)."""
        parts = lookup.split(LOOKUP_SEP)
        if parts[0] in self._offered_filters(request):
            return super().lookup_allowed(lookup, value, request)
        try:
            field = self.model._meta.get_field(parts[0])
        except FieldDoesNotExist:
            return False
        if field.primary_key or field.is_relation:
            rest = [p for p in parts[1:] if p not in ("exact", "in", "isnull")]
            return rest in ([], ["id"], ["pk"]) and super().lookup_allowed(lookup, value, request)
        return False

    def _offered_filters(self, request) -> set[str]:
        """The first field of every filter the list offers."""
        names = set()
        for item in self.get_list_filter(request) if request is not None else self.list_filter:
            if isinstance(item, (list, tuple)):
                item = item[0]
            if isinstance(item, str):
                names.add(item.split(LOOKUP_SEP)[0])
            elif getattr(item, "parameter_name", None):
                # A SimpleListFilter names its own parameter, which is no field lookup.
                names.add(item.parameter_name)
        if self.date_hierarchy:
            names.add(self.date_hierarchy.split(LOOKUP_SEP)[0])
        return names

    # --- Safe by default ---------------------------------------------------------------------

    def _editable(self, request, obj) -> set[str]:
        if obj is None:
            return self.get_add_fields(request)
        return self.get_service_fields(request, obj) - self.hidden_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        declared = list(super().get_readonly_fields(request, obj))
        editable = self._editable(request, obj)
        others = model_field_names(self.model, exclude=[*(self.exclude or ()), *editable])
        readonly = [*declared, *(name for name in others if name not in declared)]
        # A read-only file field or related row stays read-only by its name (the form leaves it
        # out) and is shown by its display, unless hidden; an editable one keeps its widget.
        hidden = self.hidden_fields(request, obj) if obj is not None else set()
        return [
            *readonly,
            *(
                display
                for name, display in self._readonly_displays(request).items()
                if name in readonly and name not in hidden
            ),
        ]

    def get_fields(self, request, obj=None):
        if obj is None and not self.fieldsets:
            add_fields = self.get_add_fields(request)
            return [name for name in model_field_names(self.model) if name in add_fields]
        hidden = self.hidden_fields(request, obj) if obj is not None else set()
        fields = [name for name in super().get_fields(request, obj) if name not in hidden]
        return self._fields_with_displays(request, fields, self.get_readonly_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = self.hidden_fields(request, obj) if obj is not None else set()
        return [
            (
                name,
                {
                    **options,
                    "fields": self._fields_with_displays(
                        request,
                        [f for f in options["fields"] if f not in hidden],
                        self.get_readonly_fields(request, obj),
                    ),
                },
            )
            for name, options in fieldsets
        ]

    def get_prepopulated_fields(self, request, obj=None):
        # Only between fields the form has (a read-only slug is not filled in from its name).
        editable = self._editable(request, obj)
        return {
            name: sources
            for name, sources in super().get_prepopulated_fields(request, obj).items()
            if name in editable and set(sources) <= editable
        }

    def has_add_permission(self, request, *args):
        return bool(self.get_add_fields(request)) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Without a row Django asks whether actions may run; with one, whether to offer a form.
        return obj is None or bool(self._editable(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self.allows_delete(request, obj) and super().has_delete_permission(request, obj)

    def get_inline_instances(self, request, obj=None):
        # Inlines only show rows (``ReadOnlyInline``); a row being added has none to show.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # A bulk delete would skip the service's refusal of each row; rows go one by one.
        actions.pop("delete_selected", None)
        return actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, _REFUSAL_ATTR, None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def _post_clean(self):
                super()._post_clean()
                apply_domain_error(self, refusal)

        RefusedForm.__name__ = form.__name__
        return RefusedForm

    def save_model(self, request, obj, form, change):
        try:
            if change:
                # What may change is decided on the row as stored, not as the form filled it.
                original = type(obj)._default_manager.get(pk=obj.pk)
                # A page opened before a colleague's save would put their values back.
                refuse_if_row_changed(
                    original, request.POST.get(SEEN_VERSION), what=self.opts.verbose_name
                )
                editable = self._editable(request, original)
                changes = {
                    name: form.cleaned_data[name]
                    for name in form.changed_data
                    if name in editable and name in form.cleaned_data
                }
                if not changes:
                    return
                saved = self.change_through_service(request, original, changes)
            else:
                editable = self.get_add_fields(request)
                data = {
                    name: value for name, value in form.cleaned_data.items() if name in editable
                }
                saved = self.add_through_service(request, data)
        except DomainError as exc:
            raise ServiceRefused(exc) from exc
        if saved is not None and saved is not obj:
            # The admin goes on with ``obj`` (its log entry, its redirect): give it the row.
            for field in type(saved)._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding = False
            obj._state.db = saved._state.db

    def save_related(self, request, form, formsets, change):
        """Nothing: the service wrote the row and its many-to-many fields; inlines are
        read-only, so none of their rows was added, changed or deleted (the change message
        Django writes in its own log reads these lists)."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def get_deleted_objects(self, objs, request):
        # What goes with the row is the service's business (a removed assignment takes its
        # draft scores): the user needs no delete permission on those models. The page names
        # only the rows being deleted and counts the rest: Django's list would print each
        # related row (a draft score's points) that the user may not be shown.
        _deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        named = [format_html("{}: {}", capfirst(self.opts.verbose_name), obj) for obj in objs]
        return named, counts, set(), protected

    def delete_model(self, request, obj):
        try:
            self.delete_through_service(request, obj)
        except DomainError as exc:
            raise ServiceRefused(exc) from exc

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The refused write was rolled back with the admin's transaction; show the form
            # again, with what was typed and the service's refusal next to its field.
            setattr(request, _REFUSAL_ATTR, refused.error)
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if isinstance(refused.error, StaleEdit):
                response.status_code = 409
            return response

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, refused.error.message, level=messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                    current_app=self.admin_site.name,
                )
            )


class ReadOnlyInlineMixin(ReadOnlyDisplaysMixin):
    """An inline (tabular or generic) that only shows rows: never added, changed or deleted
    here. Every declared field is read-only; its files and related rows are shown as
    ``ReadOnlyDisplaysMixin`` says."""

    extra = 0
    can_delete = False

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return self._fields_with_displays(request, fields, self.fields or ())

    def get_readonly_fields(self, request, obj=None):
        declared = list(super().get_readonly_fields(request, obj))
        names = list(self.fields or ())
        displays = self._readonly_displays(request)
        # The names stay read-only too, so the formset's form leaves those fields out.
        return [
            *declared,
            *(name for name in names if name not in declared),
            *(display for name, display in displays.items() if name in names),
        ]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyInlineMixin, admin.TabularInline):
    """A tabular inline that only shows rows (``ReadOnlyInlineMixin``)."""


def service_action(
    *,
    name: str,
    description,
    service: Callable,
    subject: str,
    rule: str | None = None,
    rule_object: Callable | None = None,
    ask: tuple[str, Any] | None = None,
    **extra,
):
    """An admin action calling ``service(<subject>=obj, actor=user, **extra)`` for each
    selected row. ``rule`` is an object permission the user must hold on each row (or on
    ``rule_object(row)``, e.g. the row's track); a ``DomainError`` is reported for its row and
    the other rows go on.

    ``ask=(argument, label)``: the service needs words from the user (a reason, feedback), so
    the action first shows a page with the selected rows and a required text box, and passes
    what is typed as ``argument``; never a canned text in the user's place."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        arguments = dict(extra)
        if ask is not None:
            argument, label = ask
            form = ActionTextForm(request.POST if "apply" in request.POST else None, label=label)
            if not (form.is_bound and form.is_valid()):
                return TemplateResponse(
                    request,
                    "admin/action_with_text.html",
                    {
                        **modeladmin.admin_site.each_context(request),
                        "title": description,
                        "opts": modeladmin.model._meta,
                        "rows": queryset,
                        "form": form,
                        "action": name,
                        "selected": helpers.ACTION_CHECKBOX_NAME,
                    },
                )
            arguments[argument] = form.cleaned_data["text"]
        done = 0
        for obj in queryset:
            if rule and not request.user.has_perm(rule, rule_object(obj) if rule_object else obj):
                modeladmin.message_user(
                    request,
                    _("%(object)s: you may not change this.") % {"object": obj},
                    level=messages.ERROR,
                )
                continue
            try:
                service(**{subject: obj, "actor": request.user, **arguments})
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", level=messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(count)d row changed.", "%(count)d rows changed.", done)
                % {"count": done},
                level=messages.SUCCESS,
            )

    action.__name__ = name
    return action


class ActionTextForm(forms.Form):
    """The words an admin action asks for before it runs (``service_action(ask=…)``)."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000)

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
