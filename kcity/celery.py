"""The one Celery application of the portal; tasks live in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcity.settings.local")

app = Celery("kcity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
