"""The lock-out counters in the back office, through the same door as every other row.

django-axes registers its own admins, where deleting a counter (unlocking an account) or a log
row leaves no trace in the portal's audit trail. They are replaced (``accounts.apps``) by these:
every field read-only, the failure log read-only, and a counter removed only through
``accounts.lockout.clear_lockout`` (programme admins, audited).
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.lockout import clear_lockout
from accounts.rules import CLEAR_LOCKOUT
from core.admin import ServiceModelAdmin, service_action


class AccessAttemptAdmin(ServiceModelAdmin):
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    exclude = ["get_data", "post_data"]  # what was typed, passwords aside: not for reading
    actions = [
        service_action(
            name="clear_lockouts",
            description=_("Clear the lock-out"),
            service=clear_lockout,
            subject="attempt",
        )
    ]

    def _may_clear(self, request) -> bool:
        return request.user.is_active and request.user.has_perm(CLEAR_LOCKOUT)

    def has_module_permission(self, request):
        return self._may_clear(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._may_clear(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # Actions need "change" on the list; no row has an editable field (a view page).
        return obj is None and self._may_clear(request)

    def allows_delete(self, request, obj) -> bool:
        return self._may_clear(request)

    def has_delete_permission(self, request, obj=None):
        return self.allows_delete(request, obj)

    def delete_through_service(self, request, obj) -> None:
        clear_lockout(attempt=obj, actor=request.user)


class ReadOnlyLogAdmin(ServiceModelAdmin):
    """A log: read by whoever Django's view permission lets in, never changed or deleted."""

    exclude = ["get_data", "post_data"]
    list_display = ["username", "ip_address", "attempt_time"]
    search_fields = ["username", "ip_address"]

    def get_list_display(self, request):
        return self.list_display


# django-axes ships no Korean: its models' and fields' names on these pages are translated in
# the portal's own catalogue, which Django reads first. Listed here so that makemessages keeps
# them.
AXES_LABELS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Username"),
    gettext_noop("IP Address"),
    gettext_noop("User Agent"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access lock out"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
)


def replace_axes_admins(site=admin.site) -> None:
    # Its section in the back office, in the reader's language ("Axes" is the package's name).
    apps.get_app_config("axes").verbose_name = _("Log-in lock-out")
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        if site.is_registered(model):
            site.unregister(model)
    site.register(AccessAttempt, AccessAttemptAdmin)
    site.register(AccessFailureLog, ReadOnlyLogAdmin)
    site.register(AccessLog, ReadOnlyLogAdmin)
