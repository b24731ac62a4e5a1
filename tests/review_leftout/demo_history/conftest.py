"""The seeded demo (``tests/demo/conftest.py``): one ``seed_demo`` run for this package."""

from tests.demo.conftest import _demo_database, _on_the_demo_database, demo  # noqa: F401
