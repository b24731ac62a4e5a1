"""Criterion.value_errors: the check constraints as messages, at their boundaries."""

from decimal import Decimal as D

import pytest

from reviews.models import Criterion


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"max_points": D("0.5"), "weight": D("0.01"), "threshold": D("0")}, set()),
        ({"max_points": D("100"), "threshold": D("100")}, set()),
        ({"max_points": D("0")}, {"max_points"}),
        ({"max_points": D("100.5")}, {"max_points"}),
        ({"weight": D("0")}, {"weight"}),
        ({"weight": D("-1")}, {"weight"}),
        ({"max_points": D("20"), "threshold": D("20.5")}, {"threshold"}),
        ({"max_points": D("20"), "threshold": D("-0.5")}, {"threshold"}),
        # A threshold is judged only against a valid maximum.
        ({"max_points": D("150"), "threshold": D("120")}, {"max_points"}),
        ({"threshold": D("500")}, set()),
        ({}, set()),
    ],
)
def test_value_errors_by_field(values, fields):
    assert set(Criterion.value_errors(**values)) == fields


def test_value_errors_messages_are_the_pages_and_the_apis():
    errors = Criterion.value_errors(max_points=D("0"), weight=D("0"))
    assert errors == {
        "max_points": "Give between 0.5 and 100 points.",
        "weight": "The weight must be above 0.",
    }
