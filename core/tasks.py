import os
import socket

from celery import shared_task

from core import file_deletion, health, kept_uploads


@shared_task(
    name="core.heartbeat", bind=True, ignore_result=True, soft_time_limit=10, time_limit=20
)
def task_record_heartbeat(self) -> None:
    """Periodic (every minute, from beat): the worker says it is alive. A fresh row proves that
    beat sent the task, the broker carried it and a worker ran it (the system-status page)."""
    health.record_heartbeat(
        name=health.WORKER_HEARTBEAT,
        detail={
            "hostname": getattr(self.request, "hostname", None) or socket.gethostname(),
            "pid": os.getpid(),
        },
    )


@shared_task(name="core.purge_kept_uploads", ignore_result=True)
def task_purge_kept_uploads() -> int:
    """Periodic (hourly, from beat): delete files kept for forms shown again once they are
    older than a day (``core.kept_uploads``)."""
    return kept_uploads.purge_kept_uploads()


@shared_task(name="core.delete_pending_files", ignore_result=True)
def task_delete_pending_files() -> int:
    """Periodic (hourly, from beat): delete the stored files whose deletion failed or was cut
    short when their change committed (``core.file_deletion``)."""
    return file_deletion.delete_pending_files()
