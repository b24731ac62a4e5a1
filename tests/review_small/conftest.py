"""Fixtures of the small review items: the funded planning project of ``tests/awards/test_funding``
(award approved, KRW 400 million, service contract signed with the contractor)."""

from tests.awards.test_funding import company, contract, partner, project, second_admin  # noqa: F401
