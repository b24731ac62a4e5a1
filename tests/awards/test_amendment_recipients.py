"""Who hears of an amendment's decision: the party's members who receive its mail, and the
person who asked only while they still stand where they asked from."""

import pytest

from accounts.models import Membership
from accounts.services import set_user_active
from awards import funding
from awards.models import Amendment
from notifications.models import Message
from tests.awards import test_funding as shared

# The funded project, its parties and its signed contract (tests/awards/test_funding.py).
company, partner, project, contract = (
    shared.company,
    shared.partner,
    shared.project,
    shared.contract,
)

pytestmark = pytest.mark.django_db


def _ask(contract, actor):
    return funding.request_amendment(
        agreement=contract,
        kind=Amendment.Kind.SCOPE,
        changes={"scope": "Add a second river."},
        reason="The city asked.",
        actor=actor,
    )


def _told():
    return set(
        Message.objects.filter(template="awards/amendment_decided", channel="email").values_list(
            "recipient", flat=True
        )
    )


def test_a_requester_who_left_the_company_is_not_told_of_the_decision(
    contract, contractor, company, programme_admin
):
    amendment = _ask(contract, contractor)
    Membership.objects.filter(user=contractor, organization=company).delete()
    funding.decide_amendment(
        amendment=amendment, approve=False, note="Outside the award.", actor=programme_admin
    )
    assert contractor.pk not in _told()


def test_a_deactivated_requester_is_not_told_of_the_decision(contract, contractor, programme_admin):
    amendment = _ask(contract, contractor)
    set_user_active(user=contractor, active=False, actor=programme_admin)
    funding.decide_amendment(
        amendment=amendment, approve=False, note="Outside the award.", actor=programme_admin
    )
    assert _told() == set()


def test_staff_who_asked_and_still_run_the_track_are_told(
    contract, contractor, kind_staff, programme_admin
):
    amendment = _ask(contract, kind_staff)
    funding.decide_amendment(
        amendment=amendment, approve=False, note="Outside the award.", actor=programme_admin
    )
    assert _told() == {contractor.pk, kind_staff.pk}
