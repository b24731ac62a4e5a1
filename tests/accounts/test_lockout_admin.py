"""The lock-out counters in the back office: cleared only by a programme admin, through
``accounts.lockout.clear_lockout``, with an audit row; django-axes' own delete door is gone."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_events_for
from accounts.lockout import clear_lockout
from core.domain import DomainError

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:axes_accessattempt_changelist"


def _locked(email: str, ip: str = "203.0.113.9") -> AccessAttempt:
    return AccessAttempt.objects.create(
        username=email,
        ip_address=ip,
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=10,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
    )


def test_programme_admin_clears_a_lockout_from_the_list_with_an_audit_row(
    client, programme_admin, applicant
):
    attempt = _locked(applicant.email)
    client.force_login(programme_admin)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    response = client.post(
        reverse(CHANGELIST),
        {"action": "clear_lockouts", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    [event] = audit_events_for(applicant).filter(action="lockout_cleared")
    assert event.actor == programme_admin
    assert event.detail == {
        "username": applicant.email,
        "ip_address": "203.0.113.9",
        "failures": 10,
    }


def test_the_delete_page_goes_through_the_service(client, programme_admin, applicant):
    attempt = _locked(applicant.email)
    client.force_login(programme_admin)
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.exists()
    assert audit_events_for(applicant).filter(action="lockout_cleared").count() == 1


def test_secretariat_staff_cannot_clear_or_read_the_counters(client, kind_staff, applicant):
    attempt = _locked(applicant.email)
    client.force_login(kind_staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    response = client.post(
        reverse(CHANGELIST), {"action": "clear_lockouts", "_selected_action": [attempt.pk]}
    )
    assert response.status_code == 403
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    with pytest.raises(DomainError):
        clear_lockout(attempt=attempt, actor=kind_staff)


def test_no_field_of_a_counter_can_be_edited(client, programme_admin, applicant):
    attempt = _locked(applicant.email)
    client.force_login(programme_admin)
    url = reverse("admin:axes_accessattempt_change", args=[attempt.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"username": "someone@else.org", "failures_since_start": 0})
    attempt.refresh_from_db()
    assert (attempt.username, attempt.failures_since_start) == (applicant.email, 10)


def test_the_failure_log_cannot_be_deleted_even_by_a_superuser(client, applicant):
    from tests.factories import UserFactory

    root = UserFactory(email="root@molit.go.kr", is_staff=True, is_superuser=True)
    row = AccessFailureLog.objects.create(
        username=applicant.email,
        ip_address="203.0.113.9",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        attempt_time=timezone.now(),
        locked_out=False,
    )
    client.force_login(root)
    url = reverse("admin:axes_accessfailurelog_delete", args=[row.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AccessFailureLog.objects.filter(pk=row.pk).exists()
