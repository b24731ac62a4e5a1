"""Fixtures of the screens review: the signed service contract of ``tests/awards/test_funding``
(its amendment form is one of the forms checked)."""

from tests.awards.test_funding import company, contract, partner, project  # noqa: F401
