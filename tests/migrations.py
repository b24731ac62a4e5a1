"""Walking the migrations back and forth in the migration tests.

A test that unapplies some migrations must leave the database at every app's latest migration,
not only its own app's: a migration of another app that depends on the one unapplied (projects
0007 depends on accounts 0005, for instance) is unapplied with it, and a later test on the same
pytest-xdist worker would find its tables or columns missing.
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps


def migrate(targets) -> StateApps:
    """Migrate the test database to ``targets``; return the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # (app, None) stands for "none of the app's migrations": nothing of it in the state.
    applied = [target for target in targets if target[1] is not None]
    return MigrationExecutor(connection).loader.project_state(applied).apps


def latest() -> list[tuple[str, str]]:
    """The latest migration of every app: the state the rest of the suite expects."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
