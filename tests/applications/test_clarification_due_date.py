"""The answer's due date on the clarification request page: a far year or a time already past
is refused next to the field (never a 500), and nothing is sent."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _post(client, application, staff, due_at):
    services.submit_application(application=application, actor=application.created_by)
    login(client, staff)
    url = reverse("applications:request_clarification", kwargs={"pk": application.pk})
    return client.post(
        url, {"message": "Give the site area.", "sections": ["site"], "due_at": due_at}
    )


@pytest.mark.parametrize(
    ("due_at", "message"),
    [
        ("0001-01-01T00:00", "Enter a date between the years 2000 and 2100."),
        ("9999-12-31T23:59", "Enter a date between the years 2000 and 2100."),
        ("2020-01-01T09:00", "This date must be in the future."),
    ],
)
def test_bad_due_date_is_refused_next_to_the_field(
    client, complete_draft, kind_staff, due_at, message
):
    response = _post(client, complete_draft, kind_staff, due_at)
    assert response.status_code == 200
    assert response.context["form"].errors["due_at"] == [message]
    complete_draft.refresh_from_db()
    assert complete_draft.status == "submitted"
    assert not complete_draft.clarification_requests.exists()


def test_a_due_date_ahead_is_kept(client, complete_draft, kind_staff):
    ahead = timezone.localtime() + datetime.timedelta(days=7)
    response = _post(client, complete_draft, kind_staff, ahead.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302
    request = complete_draft.clarification_requests.get()
    assert request.due_at == ahead.replace(second=0, microsecond=0)
