"""The embedded default (SQLite) with a web server and a worker writing at once.

The settings' ``SQLITE_OPTIONS`` (kcity/settings/base.py) make a transaction take the write
lock when it begins (``BEGIN IMMEDIATE``) and wait up to 20 s for it. Without them, a Django
transaction that reads and then writes while another connection holds the write lock fails at
once with "database is locked": SQLite never waits when a reader asks to become a writer. That
is the autosave-then-save and the award-while-the-worker-writes-e-mails 500 of the issue.

Each thread has its own Django connection (connections are per thread) to a SQLite *file* in
tmp_path, as the web server and the worker each have theirs.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

HOLD_SECONDS = 1.0


@pytest.fixture
def sqlite_file_alias(tmp_path, django_db_blocker):
    """Register a connection alias to a fresh SQLite file; yields a function that sets its
    OPTIONS (the real settings' or none) and returns the alias."""
    alias = "sqlite_file_concurrency"
    path = tmp_path / "concurrency.sqlite3"

    def configure(options: dict) -> str:
        connections.settings[alias] = {
            **connections.settings.get(alias, {}),
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": dict(options),
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "TIME_ZONE": None,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        }
        return alias

    with django_db_blocker.unblock():
        yield configure
        connections[alias].close()
    connections.settings.pop(alias, None)
    if hasattr(connections._connections, alias):
        delattr(connections._connections, alias)


def _run(alias: str, target) -> dict:
    """Run ``target`` in a thread with its own connection; return what it recorded."""
    outcome: dict = {}

    def body():
        try:
            outcome["value"] = target()
        except Exception as exc:  # the outcome under test
            outcome["error"] = exc
        finally:
            connections[alias].close()

    thread = threading.Thread(target=body)
    thread.start()
    outcome["thread"] = thread
    return outcome


def _writer_and_read_then_write(alias: str) -> tuple[dict, dict, float]:
    """Connection A holds a write transaction for HOLD_SECONDS; meanwhile connection B runs a
    transaction that reads the row and then updates it (what ``save()`` after ``get()`` does).
    Returns both outcomes and how long B took."""
    with connections[alias].cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS section (id INTEGER PRIMARY KEY, text TEXT)")
        cursor.execute("INSERT OR REPLACE INTO section (id, text) VALUES (1, 'first')")
    connections[alias].close()

    holding = threading.Event()

    def writer():
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("UPDATE section SET text = 'autosave' WHERE id = 1")
            holding.set()
            time.sleep(HOLD_SECONDS)
        return "committed"

    def read_then_write():
        holding.wait(5)
        started = time.monotonic()
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT text FROM section WHERE id = 1")
                cursor.fetchone()
                cursor.execute("UPDATE section SET text = 'save' WHERE id = 1")
        finally:
            timings["b"] = time.monotonic() - started
        return "committed"

    timings: dict = {}
    a = _run(alias, writer)
    b = _run(alias, read_then_write)
    a["thread"].join(30)
    b["thread"].join(30)
    return a, b, timings["b"]


def test_settings_sqlite_options_are_the_ones_of_the_default_database():
    """One place: the sqlite default database uses SQLITE_OPTIONS (tests read them there)."""
    assert settings.SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        for key, value in settings.SQLITE_OPTIONS.items():
            assert default["OPTIONS"][key] == value


def test_sqlite_with_the_settings_a_second_writer_waits_and_succeeds(sqlite_file_alias):
    alias = sqlite_file_alias(settings.SQLITE_OPTIONS)
    with connections[alias].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000
    a, b, waited = _writer_and_read_then_write(alias)
    assert a.get("value") == "committed", a.get("error")
    assert b.get("value") == "committed", b.get("error")
    # B waited for A's commit instead of failing.
    assert waited >= HOLD_SECONDS * 0.5
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT text FROM section WHERE id = 1")
        assert cursor.fetchone()[0] == "save"


def test_sqlite_without_the_settings_the_second_writer_fails_database_is_locked(
    sqlite_file_alias,
):
    """The control: Django's defaults give the 500 of the issue, so the options matter."""
    alias = sqlite_file_alias({})
    a, b, waited = _writer_and_read_then_write(alias)
    assert a.get("value") == "committed", a.get("error")
    assert isinstance(b.get("error"), OperationalError)
    assert "database is locked" in str(b["error"])
    # It did not even wait for the lock: SQLite refuses a reader's upgrade at once.
    assert waited < HOLD_SECONDS


def test_sqlite_with_the_settings_a_plain_write_waits_for_a_long_writer(sqlite_file_alias):
    """A write outside a transaction (the worker marking an e-mail sent) waits too."""
    alias = sqlite_file_alias(settings.SQLITE_OPTIONS)
    with connections[alias].cursor() as cursor:
        cursor.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, sent INTEGER)")
        cursor.execute("INSERT INTO outbox (id, sent) VALUES (1, 0)")
    connections[alias].close()
    holding = threading.Event()

    def writer():
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("INSERT INTO outbox (sent) VALUES (0)")
            holding.set()
            time.sleep(HOLD_SECONDS)
        return "committed"

    def autocommit_write():
        holding.wait(5)
        with connections[alias].cursor() as cursor:
            cursor.execute("UPDATE outbox SET sent = 1 WHERE id = 1")
        return "committed"

    a, b = _run(alias, writer), _run(alias, autocommit_write)
    a["thread"].join(30)
    b["thread"].join(30)
    assert a.get("value") == b.get("value") == "committed", (a.get("error"), b.get("error"))
