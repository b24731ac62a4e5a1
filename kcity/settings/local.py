"""The one-command demo: SQLite, a folder broker, console e-mail. Never for production."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "local-demo-secret-key-not-for-production-use-0123456789"
)
os.environ.setdefault("DJANGO_DEBUG", "true")

from kcity.settings.base import *  # noqa: E402,F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
