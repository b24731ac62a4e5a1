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

        # The back office's "History" pages read the same trail (core.admin).
        from accounts.audit import audit_events_for
        from core.admin import register_audit_trail

        register_audit_trail(audit_events_for)

        # Log-ins, failures, lock-outs and log-outs leave audit rows (accounts.auth_events).
        from accounts import auth_events

        auth_events.connect()

        # The personal-data registry (accounts.privacy): the account itself, and the outbox's
        # messages, because notifications sits below accounts and cannot register itself.
        from accounts import privacy

        privacy.register_account_kind()
        privacy.register_invitation_kind()
        privacy.register_pending_email_change_kind()
        privacy.register_outbox_kind()

        # A new password revokes the user's API tokens at every door (accounts.token_services).
        from django.db.models.signals import pre_save

        from accounts.token_services import revoke_tokens_when_the_password_changes

        pre_save.connect(
            revoke_tokens_when_the_password_changes,
            sender=self.get_model("User"),
            dispatch_uid="accounts.revoke_tokens_on_new_password",
        )
        _hide_second_factor_devices_from_the_admin()

        # django-axes' own admins delete lock-out rows unaudited (accounts.lockout_admin).
        from accounts.lockout_admin import replace_axes_admins

        replace_axes_admins()


def _hide_second_factor_devices_from_the_admin():
    """django-otp registers its device models in the back office, where a device could be
    deleted or its secret read without an audit row. A second factor is reset only through
    ``accounts.two_factor.reset_second_factor`` (audited, and the user is told)."""
    from django.contrib import admin
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
