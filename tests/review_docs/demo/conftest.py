"""These tests run on the demo database that ``seed_demo`` builds, as tests/demo/ do (one seed
for the package, rolled back after its last test)."""

from tests.demo.conftest import _demo_database, _on_the_demo_database, demo  # noqa: F401
