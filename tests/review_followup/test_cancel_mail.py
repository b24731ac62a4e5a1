"""Cancelling an award stops the project and every payment not yet made: the partner's and the
contractor's members are told once each, in their own language, with the reason; the staff
member who cancelled is not."""

from __future__ import annotations

import pytest

from awards.lifecycle import move_award
from awards.models import Award, PaymentRequest
from notifications.models import Message
from tests.awards.test_funding import ask

pytestmark = pytest.mark.django_db

TEMPLATE = "awards/award_cancelled"


def test_partner_and_contractor_are_told_once_when_the_award_is_cancelled(
    project, contract, applicant, contractor, kind_staff
):
    contractor.language = "ko"
    contractor.save(update_fields=["language"])
    request = ask(contract, 1, contractor)
    Message.objects.all().delete()
    award = Award.objects.get(project=project)
    move_award(
        award=award, to=Award.Status.CANCELLED, actor=kind_staff, reason="The city withdrew."
    )
    request.refresh_from_db()
    assert request.status == PaymentRequest.Status.CANCELLED
    mails = Message.objects.filter(template=TEMPLATE, channel=Message.Channel.EMAIL)
    assert sorted(mails.values_list("recipient__email", flat=True)) == sorted(
        [applicant.email, contractor.email]
    )
    korean = mails.get(recipient=contractor)
    assert korean.language == "ko"
    assert korean.context["reason"] == "The city withdrew."
    assert korean.context["code"] == project.code
    assert not Message.objects.filter(template=TEMPLATE, recipient=kind_staff).exists()


def test_the_mail_reads_in_english(project, applicant, kind_staff):
    award = Award.objects.get(project=project)
    move_award(award=award, to=Award.Status.CANCELLED, actor=kind_staff, reason="Site unavailable.")
    message = Message.objects.get(
        template=TEMPLATE, recipient=applicant, channel=Message.Channel.EMAIL
    )
    from notifications.services import render_message

    render_message(message)
    assert project.code in message.subject
    assert "Site unavailable." in message.body
    assert "cancelled" in message.body
