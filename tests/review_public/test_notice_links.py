"""Notifications as their reader meets them: the link of a notice and of its e-mail leads to the
page of the reader's role where they act on it, as an absolute address in the e-mail."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from awards.contractor_selection import submit_deliverable
from notifications.models import Message
from tests.factories import DeliverableFactory
from tests.factories.applications import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned_deliverable(
    client, contracted_project, contractor, kind_staff, django_capture_on_commit_callbacks
):
    deliverable = DeliverableFactory(project=contracted_project)
    submit_deliverable(deliverable=deliverable, uploaded=pdf_upload(), actor=contractor)
    client.force_login(kind_staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("awards:deliverable", args=[deliverable.pk]),
            {
                "action": "review",
                "decision": "return",
                "feedback": "Add the site survey.",
                "version": "1",
            },
        )
    assert response.status_code == 302
    return deliverable


def test_returned_deliverable_mail_links_to_the_deliverable(returned_deliverable, contractor):
    message = Message.objects.get(
        recipient=contractor, template="results/deliverable_reviewed", channel="email"
    )
    page = reverse("awards:deliverable", args=[returned_deliverable.pk])
    assert message.link == page
    (sent,) = [m for m in mail.outbox if m.to == [contractor.email]]
    assert f"{settings.SITE_URL}{page}\n" in sent.body


def test_contractor_opens_the_returned_deliverable_from_the_notice(
    client, returned_deliverable, contractor
):
    notice = Message.objects.get(
        recipient=contractor, template="results/deliverable_reviewed", channel="in_app"
    )
    client.force_login(contractor)
    response = client.post(reverse("notifications:read", args=[notice.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("awards:deliverable", args=[returned_deliverable.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Add the site survey." in page.content.decode()


# --- Names in the reader's language -------------------------------------------------------------


def _mail_to(user):
    (sent,) = [m for m in mail.outbox if m.to == [user.email]]
    return sent


def test_password_reset_mail_greets_a_korean_reader_by_their_hangul_name(
    client, applicant, django_capture_on_commit_callbacks
):
    applicant.language, applicant.name, applicant.name_ko = "ko", "Kim Jiwon", "김지원"
    applicant.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": applicant.email})
    assert response.status_code == 302
    body = _mail_to(applicant).body
    assert "김지원" in body and "Kim Jiwon" not in body


def test_second_factor_reset_mail_names_both_people_in_the_readers_language(
    client, kind_staff, programme_admin, django_capture_on_commit_callbacks
):
    from tests.second_factor import authenticator_app

    authenticator_app(kind_staff)
    kind_staff.language, kind_staff.name, kind_staff.name_ko = "ko", "Lee Minho", "이민호"
    kind_staff.save()
    programme_admin.name, programme_admin.name_ko = "Park Soyeon", "박소연"
    programme_admin.save()
    client.force_login(programme_admin)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:two_factor_reset"),
            {"email": kind_staff.email, "reason": "Phone lost"},
        )
    assert response.status_code == 302
    body = _mail_to(kind_staff).body
    assert "이민호" in body and "박소연" in body
    assert "Lee Minho" not in body and "Park Soyeon" not in body
