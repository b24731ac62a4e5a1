"""Every test in this package runs on the demo database that ``seed_demo`` builds.

The programme is seeded once per test session, at the package's first test, inside a transaction
that is rolled back after its last one (the way ``TestCase.setUpTestData`` works); each test runs
in a savepoint of its own inside it, so a test may change the seeded rows and the next test
still finds them as seeded, and no test outside the package ever sees them. pytest-django runs
the database tests before the transactional ones and keeps a package's tests together, so the
package's tests run one after the other on the one seed; under ``make test`` (pytest-xdist,
``--dist loadscope``) the package is one unit of work, given to one worker
(``pytest_xdist_make_scheduler`` in ``tests/conftest.py``). Each test also gets its own copy of
the documents the seed stored, as its ``MEDIA_ROOT``.

A test that needs an empty database, or committed rows (``transaction=True``), does not belong
here.
"""

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

# The ten sites the programme announced for 2022, by track code.
REAL_2022_SITES = {
    "PL": {
        "Issyk-Kul",
        "Zuunmod",
        "Klang",
        "Khulna",
        "Zangilan",
        "Jakarta",
        "Warnes",
        "Ho Chi Minh City",
    },
    "DM": {"Mukdahan", "Madiun"},
}


@dataclass(frozen=True)
class DemoSeed:
    """What the one ``seed_demo`` run left besides its rows."""

    credentials: Path  # the demo logins: "email password label", a line each
    media: Path  # the documents it stored (each test works on a copy)
    output: str  # what it printed
    mail: tuple  # the e-mails it sent


@pytest.fixture(scope="package")
def _demo_database(django_db_setup, django_db_blocker, tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo")
    credentials = directory / "demo-credentials.txt"
    media = directory / "private"
    output = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(MEDIA_ROOT=media):
            mail.outbox.clear()
            call_command("seed_demo", credentials_file=credentials, stdout=output)
        seed = DemoSeed(credentials, media, output.getvalue(), tuple(mail.outbox))
        # Between the tests the database is closed as it is everywhere in the suite; each test
        # opens it (and its savepoint) through ``db``.
        with django_db_blocker.block():
            yield seed
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_database, db, settings):
    """The seeded demo, for a test that needs its logins, output or e-mails."""
    # tests/conftest.py gave the test a fresh media root of its own; it starts as the seed left it.
    if _demo_database.media.exists():
        shutil.copytree(_demo_database.media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return _demo_database


@pytest.fixture(autouse=True)
def _on_the_demo_database(demo):
    """Every test here runs on the seeded demo, whether it asks for ``demo`` or not."""
