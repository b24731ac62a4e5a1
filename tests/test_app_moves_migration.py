"""The models that moved between apps (results and awards out of reviews, Deliverable out of
projects) keep every row and their content types across the migration, both ways."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from accounts.models import AuditEvent
from tests.migrations import latest, migrate

# The migrations just before the move, and the tables that moved.
BEFORE_THE_MOVE = [
    ("reviews", "0004_verbose_names"),
    ("projects", "0003_verbose_names"),
    ("results", None),
    ("awards", None),
]
MOVED = {
    ("results", "applicationresult"): "reviews",
    ("results", "reviewertrackstat"): "reviews",
    ("results", "decision"): "reviews",
    ("awards", "award"): "reviews",
    ("awards", "deliverable"): "projects",
}

pytestmark = pytest.mark.django_db(transaction=True)


def _row_counts(only: set[str] | None = None) -> dict[str, int]:
    """Rows per table of the current models (``only``: of these tables alone)."""
    tables = sorted({model._meta.db_table for model in apps.get_models()})
    if only is not None:
        tables = [table for table in tables if table in only]
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_moved_models_keep_every_row_and_their_content_types_back_and_forth(tmp_path):
    # Committed rows are needed here (transaction=True), so this test seeds the demo of its own.
    call_command("seed_demo", credentials_file=tmp_path / "demo-credentials.txt", verbosity=0)
    before = _row_counts()
    moved_types = {key: ContentType.objects.get(app_label=key[0], model=key[1]).pk for key in MOVED}
    audited = AuditEvent.objects.filter(content_type_id__in=moved_types.values()).count()
    assert before["reviews_decision"] == 33 and before["reviews_award"] == 10
    assert audited > 0

    migrate(BEFORE_THE_MOVE)
    ContentType.objects.clear_cache()
    # Before the move the same rows are the old apps' models, under the old labels. Tables made
    # by later migrations (questions, settings …) do not exist then: the walk compares the
    # tables of that release, which include every moved one.
    old_tables = set(connection.introspection.table_names()) & set(before)
    assert {"reviews_decision", "reviews_award", "reviews_applicationresult"} <= old_tables
    for (app_label, model), old_label in MOVED.items():
        assert ContentType.objects.get(pk=moved_types[(app_label, model)]).app_label == old_label
    kept = {table: count for table, count in before.items() if table in old_tables}
    assert _row_counts(old_tables) == kept

    migrate(latest())
    ContentType.objects.clear_cache()
    assert _row_counts(old_tables) == kept
    for (app_label, _model), pk in moved_types.items():
        assert ContentType.objects.get(pk=pk).app_label == app_label
    assert AuditEvent.objects.filter(content_type_id__in=moved_types.values()).count() == audited
