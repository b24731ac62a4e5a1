"""How long a log-in lasts: an absolute lifetime, and an idle timeout that depends on the role.

A session ends ``SESSION_COOKIE_AGE`` seconds after the log-in whatever happens (the absolute
lifetime), and earlier after ``KCITY_SESSION_IDLE_TIMEOUT_STAFF`` seconds without a request
for staff, reviewers and back-office users (``roles.is_privileged``), or
``KCITY_SESSION_IDLE_TIMEOUT`` for everybody else (0: no idle timeout). With the requests of a
logged-in user ``accounts.middleware.SessionLifetimeMiddleware`` moves the session's expiry to
the earlier of the two ends (at most once a minute), so the session store itself forgets an
idle session, and checks both ends itself as well (a session engine or clock that kept one a
little longer).

Ending sessions on a password change needs nothing here: Django ties every session to the
password hash, so a new password ends the user's other sessions at their next request (the
page that changed it keeps its own with ``update_session_auth_hash``).
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from accounts import roles

# When the user logged in and when they were last seen, in Unix seconds.
AUTH_AT_KEY = "kcity_auth_at"
SEEN_AT_KEY = "kcity_seen_at"

IDLE = "idle"
LIFETIME = "lifetime"


# A request moves the clocks on only when the last move is this many seconds old: a page and
# the requests it makes at once do not each write the session (an idle end is thereby up to a
# minute early, never late).
TOUCH_INTERVAL = 60


def start(session, user) -> None:
    """Start the clocks of a session that has just logged in."""
    now = int(time.time())
    session[AUTH_AT_KEY] = now
    _move_on(session, user, now)


def idle_timeout_for(user) -> int:
    """Seconds without a request after which ``user``'s session ends (0: never idle)."""
    if roles.is_privileged(user):
        return int(settings.KCITY_SESSION_IDLE_TIMEOUT_STAFF)
    return int(settings.KCITY_SESSION_IDLE_TIMEOUT)


def alive_every(user) -> int:
    """How often (seconds) a page on which ``user`` is typing tells the server they are there
    (``accounts:session_alive``): a third of their idle time, between 5 s and 5 minutes, so that
    typing a long text counts as activity; 0 for a user with no idle limit or not logged in."""
    if user is None or not user.is_authenticated:
        return 0
    idle = idle_timeout_for(user)
    return min(max(idle // 3, 5), 300) if idle else 0


def lifetime() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def expired(session, user, *, now: float | None = None) -> str | None:
    """Why the session of ``user`` has ended (``IDLE`` or ``LIFETIME``), or None."""
    now = time.time() if now is None else now
    auth_at = session.get(AUTH_AT_KEY)
    seen_at = session.get(SEEN_AT_KEY)
    if auth_at is not None and now - auth_at >= lifetime():
        return LIFETIME
    idle = idle_timeout_for(user)
    if idle and seen_at is not None and now - seen_at >= idle:
        return IDLE
    return None


def touch(session, user, *, now: float | None = None) -> None:
    """Record a request: the idle clock restarts and the store's expiry moves to the earlier
    of the idle and the absolute end (at most once per ``TOUCH_INTERVAL``). A session without
    clocks (one from before they existed) starts them now."""
    now = int(time.time() if now is None else now)
    seen_at = session.get(SEEN_AT_KEY)
    if AUTH_AT_KEY in session and seen_at is not None and now - seen_at < TOUCH_INTERVAL:
        return
    session.setdefault(AUTH_AT_KEY, now)
    _move_on(session, user, now)


def _move_on(session, user, now: int) -> None:
    session[SEEN_AT_KEY] = now
    remaining = session[AUTH_AT_KEY] + lifetime() - now
    idle = idle_timeout_for(user)
    # set_expiry(0) would mean "until the browser closes": never less than one second.
    session.set_expiry(max(1, min(remaining, idle) if idle else remaining))


def end_all_sessions(user) -> int:
    """End every session of ``user`` at once, wherever it is open (a programme admin reset
    their second factor: a session left open on the lost device must not set up an app of its
    own). Sessions live in the database (``SESSION_ENGINE``, docs/reliability.md), so the live
    ones are read and the user's deleted. Returns how many ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for row in live.only("session_key", "session_data").iterator():
        if str(store().decode(row.session_data).get(SESSION_KEY)) == str(user.pk):
            store(session_key=row.session_key).delete()
            ended += 1
    return ended
