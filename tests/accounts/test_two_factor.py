"""The second-factor services (accounts.two_factor): enrolment, verification, recovery codes,
turning off and the audited reset."""

import binascii

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.audit import audit_events_for
from core.domain import DomainError
from tests.second_factor import authenticator_app

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def code_for(key: str) -> str:
    return f"{TOTP(binascii.unhexlify(key)).token():06d}"


@pytest.mark.parametrize(
    ("who", "required"),
    [
        ("programme_admin", True),
        ("kind_staff", True),
        ("reviewer", True),
        ("applicant", False),
        ("contractor", False),
    ],
)
def test_second_factor_required_for_staff_and_reviewers(request, who, required):
    assert two_factor.second_factor_required(request.getfixturevalue(who)) is required


def test_second_factor_required_for_any_back_office_user(role_groups):
    from tests.factories import UserFactory

    assert two_factor.second_factor_required(UserFactory(is_staff=True))
    assert two_factor.second_factor_required(UserFactory(is_superuser=True))


def test_enrol_accepts_a_spaced_code_and_issues_ten_distinct_recovery_codes(kind_staff):
    key = two_factor.new_totp_key()
    code = code_for(key)
    enrolment = two_factor.enrol_totp_device(
        user=kind_staff, key=key, code=f"{code[:3]} {code[3:]}"
    )
    assert enrolment.device.confirmed and enrolment.device.key == key
    assert len(set(enrolment.recovery_codes)) == 10
    assert two_factor.remaining_recovery_codes(kind_staff) == 10


def test_enrol_replaces_the_earlier_app(kind_staff):
    old = authenticator_app(kind_staff)
    key = two_factor.new_totp_key()
    two_factor.enrol_totp_device(
        user=kind_staff, key=key, code=code_for(key), confirmation=PASSWORD
    )
    assert list(TOTPDevice.objects.filter(user=kind_staff).values_list("key", flat=True)) == [key]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    event = audit_events_for(kind_staff).get(action="second_factor_enrolled")
    assert event.detail == {"replaced": True, "recovery_codes": 10, "confirmed_by": "password"}


@pytest.mark.parametrize("key", ["", "not-hex", "00" * 10])
def test_enrol_with_a_bad_key_refused(kind_staff, key):
    with pytest.raises(DomainError):
        two_factor.enrol_totp_device(user=kind_staff, key=key, code="123456")
    assert not TOTPDevice.objects.filter(user=kind_staff).exists()


def test_enrolment_code_cannot_then_log_in(kind_staff):
    key = two_factor.new_totp_key()
    code = code_for(key)
    two_factor.enrol_totp_device(user=kind_staff, key=key, code=code)
    assert not two_factor.verify_second_factor(user=kind_staff, code=code).ok


def test_verify_without_an_app_fails_and_writes_nothing(applicant):
    assert not two_factor.verify_second_factor(user=applicant, code="123456").ok
    assert not audit_events_for(applicant).exists()


def test_verify_records_the_address(kind_staff):
    device = authenticator_app(kind_staff)
    result = two_factor.verify_second_factor(
        user=kind_staff, code=code_for(device.key), ip="192.0.2.8"
    )
    assert result.ok and not result.used_recovery_code
    event = audit_events_for(kind_staff).get(action="second_factor_verified")
    assert event.detail == {"ip": "192.0.2.8", "method": "app"}


def test_wrong_code_counts_even_though_refused(kind_staff):
    device = authenticator_app(kind_staff)
    two_factor.verify_second_factor(user=kind_staff, code="000000")
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_regenerate_recovery_codes_without_an_app_refused(applicant):
    with pytest.raises(DomainError):
        two_factor.regenerate_recovery_codes(user=applicant, confirmation=PASSWORD)
    assert not StaticDevice.objects.filter(user=applicant).exists()


def test_disable_without_second_factor_writes_no_row(applicant):
    two_factor.disable_second_factor(user=applicant, confirmation="")
    assert not audit_events_for(applicant).exists()


def test_reset_refused_to_secretariat_staff(kind_staff, kaia_staff):
    authenticator_app(kaia_staff)
    with pytest.raises(DomainError) as refused:
        two_factor.reset_second_factor(user=kaia_staff, actor=kind_staff, reason="Phone lost")
    assert refused.value.code == "forbidden"
    assert two_factor.has_second_factor(kaia_staff)
    assert not audit_events_for(kaia_staff).filter(action="second_factor_reset").exists()


def test_reset_without_second_factor_refused(programme_admin, kind_staff):
    with pytest.raises(DomainError) as refused:
        two_factor.reset_second_factor(user=kind_staff, actor=programme_admin, reason="Lost")
    assert refused.value.code == "no_second_factor"


def test_reset_with_blank_reason_refused(programme_admin, kind_staff):
    authenticator_app(kind_staff)
    with pytest.raises(DomainError) as refused:
        two_factor.reset_second_factor(user=kind_staff, actor=programme_admin, reason="  ")
    assert refused.value.field == "reason"
    assert two_factor.has_second_factor(kind_staff)


def test_otp_devices_are_not_in_the_back_office():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
