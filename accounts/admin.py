"""The back office for people, organisations, tokens and the audit trail.

Every write here is a service call (``core.admin.ServiceModelAdmin``); everything else is
read-only. Who may do what:

- **Superusers** alone change roles: superuser and staff status, role groups and direct
  permissions (``accounts.services.set_user_roles``, one audit row per change), what a role
  group grants (``set_group_permissions``, audited on the group), other
  accounts' passwords (``set_user_password``), memberships of organisations (a secretariat
  membership is a track scope, an applicant membership opens the organisation's drafts:
  ``add_membership``, ``change_membership_role``, ``remove_membership``), and they open
  accounts (``create_user_account``).
- **Programme admins** see every account and deactivate or reactivate one that is not a
  superuser's (``set_user_active``, audited); they correct organisation records, kind and
  country included (``update_organization_record``, audited with old and new values); they
  revoke organisation invitations and API tokens through the same services as the owners'
  pages.
- Names, e-mail addresses, languages, reviewer profiles and invitations are their owners' to
  change on their own pages: read-only here. Nobody adds, changes or deletes audit events.
"""

import copy

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import privacy, roles, services
from accounts.forms import ErasureDecisionForm
from accounts.models import (
    AnonymisedRecord,
    ApiToken,
    AuditEvent,
    ErasureRequest,
    Membership,
    Organization,
    OrganizationInvitation,
    ReviewerProfile,
    User,
)
from accounts.token_services import revoke_api_token
from core.admin import ReadOnlyInline, ServiceModelAdmin, service_action
from core.domain import DomainError


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "organization", "role", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organization")


def _is_programme_admin(request) -> bool:
    return roles.has_role(request.user, roles.PROGRAMME_ADMIN)


# Role fields: only a superuser changes them, through ``set_user_roles``.
ROLE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


class RoleFilter(admin.SimpleListFilter):
    """The accounts holding a role, each named in the reader's language (the role groups' own
    names are codes: ``secretariat_staff``)."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return list(roles.ROLES.items())

    def queryset(self, request, queryset):
        if self.value() in roles.ROLES:
            return queryset.filter(groups__name=self.value())
        return queryset


@admin.register(User)
class UserAdmin(ServiceModelAdmin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["email", "name", "is_staff", "is_active", "language", "date_joined"]
    list_filter = ["is_staff", "is_active", "is_superuser", RoleFilter, "language"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    list_select_related = True
    readonly_fields = [
        "last_login",
        "date_joined",
        "email_verified_at",
        # A change the user asked for: only they confirm it, from the link sent to it.
        "pending_email",
        "pending_email_requested_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "pending_email", "pending_email_requested_at", "password"]}),
        (_("Personal details"), {"fields": ["name", "language", "time_zone"]}),
        (
            _("Roles and permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined", "email_verified_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "password1", "password2"],
            },
        ),
    ]
    inlines = [MembershipInline]

    def get_service_fields(self, request, obj):
        if request.user.is_superuser:
            return {"is_active", *ROLE_FIELDS}
        if _is_programme_admin(request) and not obj.is_superuser:
            return {"is_active"}
        return set()

    def get_add_fields(self, request):
        if request.user.is_superuser:
            return {"email", "name", "password1", "password2"}
        return set()

    def hidden_fields(self, request, obj):
        # The password row links to the password form, which is a superuser's only.
        return set() if request.user.is_superuser else {"password"}

    def get_readonly_fields(self, request, obj=None):
        # The password stays in the form as Django's disabled summary field (never a hash on
        # the page); no form ever changes it (the password form is ``user_change_password``).
        return [name for name in super().get_readonly_fields(request, obj) if name != "password"]

    def change_through_service(self, request, obj, changes):
        if "is_active" in changes:
            obj = services.set_user_active(
                user=obj, active=changes["is_active"], actor=request.user
            )
        role_changes = {name: changes[name] for name in ROLE_FIELDS if name in changes}
        if role_changes:
            obj = services.set_user_roles(user=obj, actor=request.user, **role_changes)
        return obj

    def add_through_service(self, request, data):
        return services.create_user_account(
            email=data["email"],
            name=data.get("name", ""),
            password=data.get("password1") or None,
            actor=request.user,
        )

    def user_change_password(self, request, id, form_url=""):
        """Django's password form, for superusers only, saved through ``set_user_password``
        (audited)."""
        if not request.user.is_superuser:
            raise PermissionDenied
        actor = request.user

        class AuditedPasswordChangeForm(self.change_password_form):
            def save(self, commit=True):
                usable = self.cleaned_data.get("set_usable_password", True)
                self.user = services.set_user_password(
                    user=self.user,
                    password=self.cleaned_data["password1"] if usable else None,
                    actor=actor,
                )
                return self.user

        view = copy.copy(self)
        view.change_password_form = AuditedPasswordChangeForm
        return DjangoUserAdmin.user_change_password(view, request, id, form_url)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ServiceModelAdmin, DjangoGroupAdmin):
    """The role groups (``accounts.roles``): their names are code, so none is added, renamed or
    deleted here; a superuser changes what a group grants through ``set_group_permissions``
    (one audit row per permission)."""

    def get_service_fields(self, request, obj):
        return {"permissions"} if request.user.is_superuser else set()

    def change_through_service(self, request, obj, changes):
        return services.set_group_permissions(
            group=obj, permissions=changes["permissions"], actor=request.user
        )


@admin.register(Organization)
class OrganizationAdmin(ServiceModelAdmin):
    list_display = ["name", "name_ko", "kind", "country_code", "email_domain", "created_at"]
    list_filter = ["kind", "country_code"]
    search_fields = ["name", "name_ko", "email_domain", "business_registration_number"]
    list_select_related = True
    inlines = [MembershipInline]
    readonly_fields = ["created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_service_fields(self, request, obj):
        if _is_programme_admin(request):
            return set(services.ORGANIZATION_RECORD_FIELDS)
        return set()

    def hidden_fields(self, request, obj):
        # Who belongs to an organisation is the memberships' to show (their inline asks the
        # same permission): secretariat staff read organisations, not their people.
        return set() if request.user.has_perm("accounts.view_membership") else {"members"}

    def history_names_actors(self, request, obj):
        # Its trail is its people's doing (who created it, invited, joined, left): named only
        # to those who may see its members.
        return "members" not in self.hidden_fields(request, obj)

    def change_through_service(self, request, obj, changes):
        return services.update_organization_record(organization=obj, actor=request.user, **changes)


@admin.register(Membership)
class MembershipAdmin(ServiceModelAdmin):
    """Memberships are grants (a secretariat's track scope, an applicant's drafts): a
    superuser's, through the membership services."""

    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__email", "user__name", "organization__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]

    def get_service_fields(self, request, obj):
        return {"role"} if request.user.is_superuser else set()

    def get_add_fields(self, request):
        return {"user", "organization", "role"} if request.user.is_superuser else set()

    def allows_delete(self, request, obj):
        return request.user.is_superuser

    def change_through_service(self, request, obj, changes):
        return services.change_membership_role(
            membership=obj, role=changes["role"], actor=request.user
        )

    def add_through_service(self, request, data):
        return services.add_membership(
            user=data["user"],
            organization=data["organization"],
            role=data["role"],
            actor=request.user,
        )

    def delete_through_service(self, request, obj):
        services.remove_membership(membership=obj, actor=request.user)


@admin.register(OrganizationInvitation)
class OrganizationInvitationAdmin(ServiceModelAdmin):
    """Invitations are sent and accepted on the portal's pages; here they can be revoked."""

    list_display = [
        "email",
        "organization",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["accepted_at", "revoked_at"]
    search_fields = ["email", "organization__name"]
    list_select_related = ["organization", "invited_by"]
    autocomplete_fields = ["organization", "invited_by", "accepted_by"]
    exclude = ["token"]
    actions = [
        service_action(
            name="revoke_invitations",
            description=_("Revoke the invitation"),
            service=services.revoke_invitation,
            subject="invitation",
        )
    ]


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(ServiceModelAdmin):
    """A reviewer's profile is theirs to keep (it feeds conflict detection): read-only."""

    list_display = ["user", "affiliation", "employer", "country_code"]
    list_filter = ["country_code"]
    search_fields = ["user__email", "user__name", "affiliation", "employer"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: readable by programme admins, writable by nobody."""

    list_display = [
        "created_at",
        "content_type",
        "object_id",
        "what",
        "action",
        "actor",
    ]
    list_filter = ["action", "content_type"]
    search_fields = ["object_id", "action", "actor__email", "new_value"]
    list_select_related = ["content_type", "actor"]
    readonly_fields = [
        "created_at",
        "content_type",
        "object_id",
        "action",
        "old_value",
        "new_value",
        "actor",
        "detail",
    ]

    @admin.display(description=_("What happened"))
    def what(self, event):
        return event.describe()

    def has_view_permission(self, request, obj=None):
        return roles.has_role(request.user, roles.PROGRAMME_ADMIN) and super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceModelAdmin):
    """Tokens are created by their owner (the key is shown once); here a programme admin
    revokes one (``revoke_api_token``, audited; the row stays for the trail)."""

    list_display = [
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope", "revoked_at", "expires_at"]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "public_id"]
    exclude = ["key_hash"]
    actions = [
        service_action(
            name="revoke_api_tokens",
            description=_("Revoke the token"),
            service=revoke_api_token,
            subject="token",
        )
    ]


def _erasure_decision(*, approve: bool, name: str, description):
    """An action that asks for the reason on a page of its own, then decides each selected
    request through ``privacy.decide_erasure_request`` (its rule, audit row and e-mail)."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        form = ErasureDecisionForm(request.POST if "decision_reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for erasure_request in queryset.select_related("user"):
                try:
                    privacy.decide_erasure_request(
                        erasure_request=erasure_request,
                        approve=approve,
                        reason=form.cleaned_data["decision_reason"],
                        actor=request.user,
                    )
                except DomainError as exc:
                    modeladmin.message_user(
                        request, f"{erasure_request}: {exc.message}", level=messages.ERROR
                    )
                else:
                    done += 1
            if done:
                modeladmin.message_user(
                    request, _("%(count)d request(s) decided.") % {"count": done}
                )
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "opts": modeladmin.model._meta,
            "requests": queryset.select_related("user"),
            "form": form,
            "action": name,
            "approve": approve,
            "kept_on_erasure": privacy.erasure_kept_kinds(),
        }
        return TemplateResponse(request, "accounts/erasure_decide_admin.html", context)

    action.__name__ = name
    return action


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ServiceModelAdmin):
    """Erasure requests (accounts.privacy): read-only rows; programme admins approve or refuse
    the selected pending requests with a reason through the two actions (never their own)."""

    list_display = ["user", "status", "created_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user", "decided_by"]
    autocomplete_fields = ["user", "decided_by"]
    actions = [
        _erasure_decision(
            approve=True,
            name="approve_erasure_requests",
            description=_("Approve the erasure (anonymise the account)…"),
        ),
        _erasure_decision(
            approve=False,
            name="refuse_erasure_requests",
            description=_("Refuse the erasure…"),
        ),
    ]

    def get_queryset(self, request):
        return privacy.erasure_requests_for_staff()

    def has_view_permission(self, request, obj=None):
        return _is_programme_admin(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(privacy.DECIDE_ERASURE, obj) and super().has_change_permission(
            request, obj
        )


def _anonymised_kinds() -> dict:
    return {kind.name: kind.label for kind in privacy.registered_kinds()}


# What the stored reasons (codes) mean.
ANONYMISED_REASONS = {"retention": _("its retention period ended")}


def _named_codes_filter(field: str, names):
    """A list filter on a field that stores codes, offering the codes of the rows shown, each by
    its name in the reader's language (``names()``: code → label)."""

    class NamedCodesFilter(admin.SimpleListFilter):
        title = AnonymisedRecord._meta.get_field(field).verbose_name
        parameter_name = field

        def lookups(self, request, model_admin):
            labels = names()
            rows = model_admin.get_queryset(request).order_by(field)
            codes = rows.values_list(field, flat=True).distinct()
            return [(code, labels.get(code, code)) for code in codes]

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    return NamedCodesFilter


@admin.register(AnonymisedRecord)
class AnonymisedRecordAdmin(ServiceModelAdmin):
    """What the retention job and erasures anonymised (accounts.privacy): read-only, for
    programme admins answering "what happened to this record?"."""

    list_display = ["kind_shown", "object_id", "reason_shown", "anonymised_at"]
    # The stored codes (``applications.contact``, ``retention``) are shown by what they mean:
    # the kind's label in the personal-data registry, the reason's.
    list_filter = [
        _named_codes_filter("kind", _anonymised_kinds),
        _named_codes_filter("reason", lambda: ANONYMISED_REASONS),
    ]
    search_fields = ["kind", "object_id"]
    ordering = ["-anonymised_at"]
    exclude = ["kind", "reason"]
    readonly_fields = ["kind_shown", "reason_shown"]

    @admin.display(
        description=AnonymisedRecord._meta.get_field("kind").verbose_name, ordering="kind"
    )
    def kind_shown(self, obj):
        return _anonymised_kinds().get(obj.kind, obj.kind)

    @admin.display(
        description=AnonymisedRecord._meta.get_field("reason").verbose_name, ordering="reason"
    )
    def reason_shown(self, obj):
        return ANONYMISED_REASONS.get(obj.reason, obj.reason)

    def has_view_permission(self, request, obj=None):
        return _is_programme_admin(request) and super().has_view_permission(request, obj)
