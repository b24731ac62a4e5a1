"""A Korean file names every column in Korean, and no two columns alike: the ministry reads
the headers, not the keys below them."""

import csv
import io

import pytest

from reporting.execution import export_execution
from tests.reporting.execution_data import programme

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("group", ["project", "detail"])
def test_korean_execution_export_has_no_two_columns_with_the_same_header(
    planning_track, demonstration_track, programme_admin, group
):
    programme(planning_track, demonstration_track)
    content, _type, _name = export_execution(
        user=programme_admin, filters={"group": group}, fmt="csv", lang="ko"
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    headers, keys = rows[1], rows[2]
    assert len(set(headers)) == len(headers), dict(zip(keys, headers, strict=True))
