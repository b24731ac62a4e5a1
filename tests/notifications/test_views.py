import pytest
from django.urls import reverse

from notifications.models import Message
from notifications.services import queue_message
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _notice(user, n=0):
    return queue_message(
        recipient=user,
        template="applications/withdrawn",
        context={"reference": f"2026-PL-{n:03d}", "title": "Plan", "call": "Call"},
        channels=("in_app",),
        link="/applications/",
    )[0]


def test_notice_list_shows_own_notices_only(client, applicant, other_applicant):
    _notice(applicant, 1)
    _notice(other_applicant, 2)
    login(client, applicant)
    body = client.get(reverse("notifications:list")).content.decode()
    assert "2026-PL-001" in body and "2026-PL-002" not in body
    assert "1 unread notice" in body


def test_notice_list_query_count_does_not_grow(client, applicant, django_assert_max_num_queries):
    _notice(applicant)
    login(client, applicant)
    with django_assert_max_num_queries(10) as one:
        client.get(reverse("notifications:list"))
    for n in range(8):
        _notice(applicant, n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("notifications:list"))


def test_notice_read_marks_and_follows_link(client, applicant):
    notice = _notice(applicant)
    login(client, applicant)
    response = client.post(reverse("notifications:read", kwargs={"pk": notice.pk}), {"open": "1"})
    assert response.url == "/applications/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_notice_read_of_other_user_not_found(client, applicant, other_applicant):
    notice = _notice(other_applicant)
    login(client, applicant)
    response = client.post(reverse("notifications:read", kwargs={"pk": notice.pk}))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_notice_read_all(client, applicant):
    _notice(applicant, 1)
    _notice(applicant, 2)
    login(client, applicant)
    client.post(reverse("notifications:read_all"))
    assert not Message.objects.filter(recipient=applicant, read_at__isnull=True).exists()
