"""Fixtures of the review of what the last note left out: the funded planning project of
``tests/awards/test_funding`` (award approved, KRW 400 million, service contract signed with
the contractor). The contractor-selection tests bring their own ``project``."""

from tests.awards.test_funding import company, contract, partner, project, second_admin  # noqa: F401
