from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        # The one transition helper (core) writes its audit rows through the accounts' trail.
        from accounts.audit import record_audit_event
        from core.transitions import register_audit_writer

        register_audit_writer(record_audit_event)
