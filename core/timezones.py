"""The programme's clock: calls open and close, and deadlines are stated, in the programme's
time zone (``settings.PROGRAMME_TIME_ZONE``, Korea time), whatever the server's or the
reader's own zone. Code asks it here rather than naming the zone; templates read
``PROGRAMME_TIME_ZONE`` from their context (``accounts.context_processors``)."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone


def programme_zone() -> zoneinfo.ZoneInfo:
    """The programme's time zone (Korea time unless the settings say otherwise)."""
    return zoneinfo.ZoneInfo(settings.PROGRAMME_TIME_ZONE)


def korea_time(value: datetime.datetime) -> str:
    """A deadline as the programme states it: Korea time, to the minute."""
    return timezone.localtime(value, programme_zone()).strftime("%Y-%m-%d %H:%M")
