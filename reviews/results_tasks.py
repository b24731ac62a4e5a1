"""Celery tasks for aggregation, selection and awards."""
