"""The system-status page says what each passing check found in the reader's words
(``reporting.system_status.DETAIL_LABELS``); ``core.health`` and ``/readyz`` keep their
machine values."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from core import health
from reporting.system_status import DETAIL_LABELS, CheckRow

pytestmark = pytest.mark.django_db

URL = reverse("staff_reporting:system_status")


def test_page_shows_the_check_details_as_labels(client, kind_staff):
    client.force_login(kind_staff)
    body = client.get(URL).content.decode()
    assert "<td>all applied</td>" in body  # the migrations
    # The broker of this run (in memory on SQLite; Redis, "connected", in CI) by its label.
    assert f"<td>{DETAIL_LABELS[health.check_broker()]}</td>" in body
    assert "<td>writable</td>" in body  # uploads: the label, which reads "쓰기 가능" in Korean
    assert "<td>applied</td>" not in body


def test_korean_page_shows_the_labels_in_the_active_language(client, kind_staff, monkeypatch):
    """What the label says is the translation of the active language (here a stand-in: the
    catalogue's Korean is maintained apart), never the check's own value."""
    monkeypatch.setitem(DETAIL_LABELS, "writable", "쓰기 가능")
    monkeypatch.setitem(DETAIL_LABELS, "applied", "모두 적용됨")
    client.force_login(kind_staff)
    client.cookies["django_language"] = "ko"
    body = client.get(URL).content.decode()
    assert "<td>쓰기 가능</td>" in body and "<td>모두 적용됨</td>" in body
    assert "<td>writable</td>" not in body and "<td>applied</td>" not in body


def test_every_passing_detail_of_this_setup_has_a_label():
    details = {check.detail for check in health.run_checks() if check.name != "cache"}
    details.discard(connection.vendor)  # the database's name (sqlite, postgresql)
    assert details <= set(DETAIL_LABELS)


def test_an_unknown_detail_is_shown_as_it_is():
    row = CheckRow("Database", health.CheckResult("database", False, True, 3, "OperationalError"))
    with translation.override("ko"):
        assert row.detail == "OperationalError"


def test_readyz_and_the_checks_keep_their_machine_values(client):
    assert health.check_migrations() == "applied"
    assert health.check_storage() == "writable"
    body = client.get("/readyz").json()
    assert set(body["checks"]["storage"]) == {"ok", "required", "ms"}  # no detail
