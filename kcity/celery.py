"""The one Celery application of the portal; tasks live in each app's tasks.py."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import before_task_publish, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcity.settings.local")

app = Celery("kcity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def make_broker_folders(options: dict) -> None:
    """Create the folders of the demo's folder broker (kombu's filesystem transport does not,
    and a message published before the worker first started would otherwise fail to queue)."""
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


_folders_made = False


@before_task_publish.connect
@worker_init.connect
def _broker_folders(**kwargs) -> None:
    # Once per process, before its first message is sent or consumed.
    global _folders_made
    if not _folders_made and str(app.conf.broker_url).startswith("filesystem://"):
        make_broker_folders(app.conf.broker_transport_options or {})
        _folders_made = True
