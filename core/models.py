from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background process proved it was alive (``core.health``).

    ``worker``: the Celery worker ran the ``core.heartbeat`` task that beat sends every minute,
    so a fresh row means beat, the broker and a worker all work. A row is overwritten, never
    added to: one row per name, whatever the uptime. Not audited (a liveness signal, not a
    change to the programme's data)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class PendingFileDeletion(models.Model):
    """A stored file whose row is gone and which is still to be deleted from storage
    (``core.file_deletion``). Written in the transaction that drops the file's row, so a
    rolled-back change deletes nothing; removed once the storage has deleted the file. A bucket
    that is down when the change commits, or a process killed right after, leaves the row for
    the hourly retry: a replaced or erased document never outlives its row for good."""

    name = models.CharField(_("file name"), max_length=1024)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("file to delete")
        verbose_name_plural = _("files to delete")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name
