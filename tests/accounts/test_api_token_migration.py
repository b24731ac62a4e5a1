"""accounts 0003: the tokens made before scopes and expiry keep working, read and write, and
expire 90 days after the upgrade."""

import datetime

import pytest
from django.utils import timezone

from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0002_verbose_names")]


def test_existing_tokens_become_read_write_and_expire_in_ninety_days():
    try:
        old = migrate(BEFORE)
        user = old.get_model("accounts", "User").objects.create(email="ci@klang.gov.my")
        token = old.get_model("accounts", "ApiToken").objects.create(
            user=user, name="ci", prefix="abcdefgh", key_hash="f" * 64
        )
        upgraded_at = timezone.now()
        new = migrate(latest())
        token = new.get_model("accounts", "ApiToken").objects.get(pk=token.pk)
        assert token.scope == "read_write"
        lifetime = token.expires_at - upgraded_at
        assert datetime.timedelta(days=90) <= lifetime < datetime.timedelta(days=90, minutes=5)
        # A token made after the upgrade is read-only unless asked otherwise.
        fresh = new.get_model("accounts", "ApiToken").objects.create(
            user_id=user.pk, name="new", prefix="ijklmnop", key_hash="e" * 64
        )
        assert fresh.scope == "read"
    finally:
        migrate(latest())
