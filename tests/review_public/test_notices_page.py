"""The notices page as its reader uses it: marking a notice read on an older page keeps the
reader on that page, and "Mark all as read" marks only their own notices."""

import re

import pytest
from django.urls import reverse

from notifications.models import Message
from notifications.services import queue_message

pytestmark = pytest.mark.django_db


def _notices(user, count: int) -> None:
    for n in range(count):
        queue_message(
            recipient=user,
            template="applications/submitted",
            context={"reference": f"2026-PL-{n:03d}", "title": "Plan", "call": "Call"},
            channels=("in_app",),
            link="/applications/",
        )


def test_marking_a_notice_read_on_page_two_stays_on_page_two(client, applicant):
    _notices(applicant, 35)  # 30 a page
    client.force_login(applicant)
    body = client.get(reverse("notifications:list"), {"page": "2"}).content.decode()
    form = re.search(
        r'<form method="post" action="(/notifications/(\d+)/read/)".*?</form>', body, re.S
    )
    assert form is not None
    assert 'name="page" value="2"' in form.group(0)
    response = client.post(form.group(1), {"page": "2"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list") + "?page=2"
    assert Message.objects.get(pk=form.group(2)).read_at is not None


@pytest.mark.parametrize("page", ["", "1", "abc", "²", "//evil.example"])
def test_marking_read_without_a_usable_page_returns_to_the_first(client, applicant, page):
    _notices(applicant, 1)
    notice = Message.objects.get(recipient=applicant)
    client.force_login(applicant)
    response = client.post(reverse("notifications:read", args=[notice.pk]), {"page": page})
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_as_read_leaves_other_users_notices_unread(client, applicant, other_applicant):
    _notices(applicant, 2)
    _notices(other_applicant, 1)
    client.force_login(applicant)
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Message.objects.filter(recipient=applicant, read_at__isnull=True).exists()
    assert Message.objects.filter(recipient=other_applicant, read_at__isnull=True).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "All notices are marked as read." in page and "0 unread notices" in page
