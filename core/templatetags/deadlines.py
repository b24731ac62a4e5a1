"""A deadline as a reader needs it: the time in their own zone and how many days are left.

The user's time zone is the active one (``accounts.middleware`` activates it per request), so
"3 days left" counts calendar days on the reader's own clock. The programme's clock (Korea
time, ``settings.PROGRAMME_TIME_ZONE``) is shown beside it when the reader is elsewhere, since
calls close on Korean time.
"""

import datetime

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def days_left(value, *, now: datetime.datetime | None = None) -> int:
    """Calendar days from today to ``value`` in the active time zone: 0 on the day itself,
    negative once past. ``value`` is an aware datetime or a date."""
    now = timezone.localtime(now or timezone.now())
    day = value
    if isinstance(value, datetime.datetime):
        day = timezone.localtime(value).date()
    return (day - now.date()).days


def countdown_text(value, *, closes: bool = False, now: datetime.datetime | None = None) -> str:
    """ "3 days left", "due today", "2 days overdue" — or, for a call (``closes``), "closes
    today" and "closed" once past."""
    moment = now or timezone.now()
    days = days_left(value, now=moment)
    is_past = value < moment if isinstance(value, datetime.datetime) else days < 0
    if is_past:
        if closes:
            return _("closed")
        late = max(-days, 0)
        if late == 0:
            return _("overdue")
        return ngettext("%(count)s day overdue", "%(count)s days overdue", late) % {"count": late}
    if days == 0:
        return _("closes today") if closes else _("due today")
    return ngettext("%(count)s day left", "%(count)s days left", days) % {"count": days}


@register.simple_tag
def programme_time_zone() -> str:
    """``{% programme_time_zone as zone %}``: the programme's time zone (Korea time), for
    ``{% timezone zone %}`` in templates rendered without the request's context too (PDFs)."""
    return settings.PROGRAMME_TIME_ZONE


@register.inclusion_tag("partials/_deadline.html")
def deadline(value, closes: bool = False):
    """``{% deadline value %}``: the date and time in the reader's zone (and Korean time when
    that differs), and the countdown in words; a date alone (a deliverable's) has no time."""
    if value is None:
        return {"value": None}
    now = timezone.now()
    has_time = isinstance(value, datetime.datetime)
    local = timezone.localtime(value) if has_time else value
    days = days_left(value, now=now)
    return {
        "value": value,
        "has_time": has_time,
        "zone": local.tzname() if has_time else "",
        # The template shows the value in the reader's zone; Korean time beside it if different.
        "show_seoul": has_time
        and timezone.get_current_timezone_name() != settings.PROGRAMME_TIME_ZONE,
        "programme_zone": settings.PROGRAMME_TIME_ZONE,
        "countdown": countdown_text(value, closes=closes, now=now),
        "is_past": (value < now) if has_time else days < 0,
        "is_soon": 0 <= days <= 7,
    }
