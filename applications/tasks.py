"""Celery tasks of the applications app."""
