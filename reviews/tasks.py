"""Celery tasks of the reviews app (review work here; results tasks in results_tasks.py)."""

from .results_tasks import *  # noqa: F401,F403
